package sequence

import (
	"reflect"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func mkNode(op string, inputs []string, outputs []string, attrs ...*ir.Attribute) *ops.Node {
	return &ops.Node{Node: &ir.Node{OpType: op, Inputs: inputs, Outputs: outputs, Attrs: attrs}, Opset: 17}
}

func kern(t *testing.T, f ops.ValueBindFunc, n *ops.Node) ops.ValueKernel {
	t.Helper()
	k, err := f(n)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func run1(t *testing.T, k ops.ValueKernel, in ...ops.Value) ops.Value {
	t.Helper()
	out, err := k(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 {
		t.Fatalf("%d outputs", len(out))
	}
	return out[0]
}

func wantErr(t *testing.T, k ops.ValueKernel, in ...ops.Value) {
	t.Helper()
	if _, err := k(in); err == nil {
		t.Fatal("want an error")
	}
}

func intAttr(name string, v int64) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrInt, I: v}
}

func seqOf(ts ...*tensor.Tensor) *ops.Sequence {
	return &ops.Sequence{Elem: ts[0].DType(), Items: ts}
}

func checkT(t *testing.T, v ops.Value, want any, shape ...int) {
	t.Helper()
	tt, ok := v.(*tensor.Tensor)
	if !ok {
		t.Fatalf("got %T, want tensor", v)
	}
	if !tt.Shape().Equal(tensor.Shape(shape)) {
		t.Fatalf("shape %v, want %v", tt.Shape(), shape)
	}
	var got any
	switch tt.DType() {
	case tensor.Float32:
		got = tt.Float32s()
	case tensor.Int64:
		got = tt.Int64s()
	case tensor.Bool:
		got = tt.Bools()
	case tensor.String:
		got = tt.Strings()
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestSequenceBasics(t *testing.T) {
	a := tensor.FromFloat32([]float32{1, 2})
	b := tensor.FromFloat32([]float32{3}, 1)
	c := tensor.FromFloat32([]float32{4, 5, 6})
	i64 := tensor.From([]int64{1})

	empty := run1(t, kern(t, bindSequenceEmpty, mkNode("SequenceEmpty", nil, []string{"s"}, intAttr("dtype", int64(tensor.Int64))))).(*ops.Sequence)
	if empty.Elem != tensor.Int64 || len(empty.Items) != 0 {
		t.Fatalf("SequenceEmpty: %+v", empty)
	}
	def := run1(t, kern(t, bindSequenceEmpty, mkNode("SequenceEmpty", nil, []string{"s"}))).(*ops.Sequence)
	if def.Elem != tensor.Float32 {
		t.Fatalf("SequenceEmpty default dtype %v", def.Elem)
	}

	construct := kern(t, bindSequenceConstruct, mkNode("SequenceConstruct", []string{"a", "b"}, []string{"s"}))
	s := run1(t, construct, a, b).(*ops.Sequence)
	if s.Elem != tensor.Float32 || len(s.Items) != 2 || s.Items[1] != b {
		t.Fatalf("SequenceConstruct: %+v", s)
	}
	wantErr(t, construct, a, i64)

	insert := kern(t, bindSequenceInsert, mkNode("SequenceInsert", []string{"s", "t", "p"}, []string{"o"}))
	// default: at the back
	s2 := run1(t, insert, s, c, nil).(*ops.Sequence)
	if len(s2.Items) != 3 || s2.Items[2] != c || len(s.Items) != 2 {
		t.Fatalf("insert at back: %v (input must be unchanged: %v)", s2.Items, s.Items)
	}
	// position 0: front; -1: before the last; n: back.
	for _, tc := range []struct {
		pos  int64
		want []*tensor.Tensor
	}{{0, []*tensor.Tensor{c, a, b}}, {-1, []*tensor.Tensor{a, c, b}}, {2, []*tensor.Tensor{a, b, c}}, {-2, []*tensor.Tensor{c, a, b}}} {
		got := run1(t, insert, s, c, tensor.Scalar(tc.pos)).(*ops.Sequence)
		if !reflect.DeepEqual(got.Items, tc.want) {
			t.Fatalf("insert at %d: wrong order", tc.pos)
		}
	}
	wantErr(t, insert, s, c, tensor.Scalar(int64(3)))
	wantErr(t, insert, s, c, tensor.Scalar(int64(-3)))
	wantErr(t, insert, s, i64, nil)
	wantErr(t, insert, a, c, nil)
	// inserting into an empty sequence of the right type
	got := run1(t, insert, &ops.Sequence{Elem: tensor.Float32}, a, tensor.Scalar(int32(0))).(*ops.Sequence)
	if len(got.Items) != 1 {
		t.Fatal("insert into empty")
	}

	at := kern(t, bindSequenceAt, mkNode("SequenceAt", []string{"s", "p"}, []string{"t"}))
	s3 := seqOf(a, b, c)
	if run1(t, at, s3, tensor.Scalar(int64(1))) != ops.Value(b) || run1(t, at, s3, tensor.Scalar(int64(-1))) != ops.Value(c) ||
		run1(t, at, s3, tensor.Scalar(int32(-3))) != ops.Value(a) {
		t.Fatal("SequenceAt")
	}
	wantErr(t, at, s3, tensor.Scalar(int64(3)))
	wantErr(t, at, s3, tensor.Scalar(int64(-4)))
	wantErr(t, at, &ops.Sequence{Elem: tensor.Float32}, tensor.Scalar(int64(0)))
	wantErr(t, at, s3, tensor.Scalar(float32(0)))
	wantErr(t, at, s3, tensor.From([]int64{0, 1}))

	erase := kern(t, bindSequenceErase, mkNode("SequenceErase", []string{"s", "p"}, []string{"o"}))
	if got := run1(t, erase, s3, nil).(*ops.Sequence); !reflect.DeepEqual(got.Items, []*tensor.Tensor{a, b}) {
		t.Fatal("erase default")
	}
	if got := run1(t, erase, s3, tensor.Scalar(int64(-3))).(*ops.Sequence); !reflect.DeepEqual(got.Items, []*tensor.Tensor{b, c}) {
		t.Fatal("erase -3")
	}
	if len(s3.Items) != 3 {
		t.Fatal("erase modified its input")
	}
	wantErr(t, erase, s3, tensor.Scalar(int64(3)))
	wantErr(t, erase, &ops.Sequence{Elem: tensor.Float32}, nil)

	length := kern(t, bindSequenceLength, mkNode("SequenceLength", []string{"s"}, []string{"n"}))
	checkT(t, run1(t, length, s3), []int64{3})
	checkT(t, run1(t, length, empty), []int64{0})
	wantErr(t, length, a)
}

func TestSplitToSequence(t *testing.T) {
	// x = [[1,2,3],[4,5,6]]
	x := tensor.FromFloat32([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	split := func(v ops.Value, attrs ...*ir.Attribute) *ops.Sequence {
		t.Helper()
		k := kern(t, bindSplitToSequence, mkNode("SplitToSequence", []string{"x", "split"}, []string{"s"}, attrs...))
		return run1(t, k, x, v).(*ops.Sequence)
	}
	// no split, axis 0, keepdims: two [1,3] pieces
	s := split(nil)
	if len(s.Items) != 2 || s.Elem != tensor.Float32 {
		t.Fatalf("%v", s.Items)
	}
	checkT(t, s.Items[1], []float32{4, 5, 6}, 1, 3)
	// keepdims 0 along axis 1: three [2] pieces
	s = split(nil, intAttr("axis", 1), intAttr("keepdims", 0))
	if len(s.Items) != 3 {
		t.Fatalf("%v", s.Items)
	}
	checkT(t, s.Items[0], []float32{1, 4}, 2)
	checkT(t, s.Items[2], []float32{3, 6}, 2)
	// scalar split 2 along axis -1: [2,2] then [2,1]; keepdims ignored
	s = split(tensor.Scalar(int64(2)), intAttr("axis", -1), intAttr("keepdims", 0))
	if len(s.Items) != 2 {
		t.Fatalf("%v", s.Items)
	}
	checkT(t, s.Items[0], []float32{1, 2, 4, 5}, 2, 2)
	checkT(t, s.Items[1], []float32{3, 6}, 2, 1)
	// 1-D split [1, 0, 2] along axis 1
	s = split(tensor.From([]int32{1, 0, 2}), intAttr("axis", 1))
	if len(s.Items) != 3 {
		t.Fatalf("%v", s.Items)
	}
	checkT(t, s.Items[0], []float32{1, 4}, 2, 1)
	checkT(t, s.Items[1], []float32{}, 2, 0)
	checkT(t, s.Items[2], []float32{2, 3, 5, 6}, 2, 2)

	k := kern(t, bindSplitToSequence, mkNode("SplitToSequence", []string{"x", "split"}, []string{"s"}, intAttr("axis", 1)))
	wantErr(t, k, x, tensor.From([]int64{1, 1}))       // sums to 2, not 3
	wantErr(t, k, x, tensor.From([]int64{4, -1}))      // negative
	wantErr(t, k, x, tensor.Scalar(int64(0)))          // zero chunk
	wantErr(t, k, x, tensor.From([]int64{1, 2}, 1, 2)) // 2-D
	k = kern(t, bindSplitToSequence, mkNode("SplitToSequence", []string{"x"}, []string{"s"}, intAttr("axis", 2)))
	wantErr(t, k, x)
}

func TestConcatFromSequence(t *testing.T) {
	a := tensor.FromFloat32([]float32{1, 2, 3, 4}, 2, 2)
	b := tensor.FromFloat32([]float32{5, 6}, 2, 1)
	c := tensor.FromFloat32([]float32{7, 8, 9, 10}, 2, 2)
	cfs := func(axis, newAxis int64) ops.ValueKernel {
		return kern(t, bindConcatFromSequence, mkNode("ConcatFromSequence", []string{"s"}, []string{"y"}, intAttr("axis", axis), intAttr("new_axis", newAxis)))
	}
	checkT(t, run1(t, cfs(1, 0), seqOf(a, b)), []float32{1, 2, 5, 3, 4, 6}, 2, 3)
	checkT(t, run1(t, cfs(-1, 0), seqOf(a, b)), []float32{1, 2, 5, 3, 4, 6}, 2, 3)
	checkT(t, run1(t, cfs(0, 0), seqOf(a, c)), []float32{1, 2, 3, 4, 7, 8, 9, 10}, 4, 2)
	wantErr(t, cfs(0, 0), seqOf(a, b))
	// stack
	checkT(t, run1(t, cfs(0, 1), seqOf(a, c)), []float32{1, 2, 3, 4, 7, 8, 9, 10}, 2, 2, 2)
	checkT(t, run1(t, cfs(2, 1), seqOf(a, c)), []float32{1, 7, 2, 8, 3, 9, 4, 10}, 2, 2, 2)
	checkT(t, run1(t, cfs(-1, 1), seqOf(a, c)), []float32{1, 7, 2, 8, 3, 9, 4, 10}, 2, 2, 2)
	checkT(t, run1(t, cfs(1, 1), seqOf(a, c)), []float32{1, 2, 7, 8, 3, 4, 9, 10}, 2, 2, 2)
	wantErr(t, cfs(3, 1), seqOf(a, c))
	wantErr(t, cfs(0, 1), seqOf(a, b))
	wantErr(t, cfs(0, 0), &ops.Sequence{Elem: tensor.Float32})
	// strings
	s1 := tensor.FromStrings([]string{"a", "b"})
	s2 := tensor.FromStrings([]string{"c"}, 1)
	checkT(t, run1(t, cfs(0, 0), seqOf(s1, s2)), []string{"a", "b", "c"}, 3)
	if _, err := bindConcatFromSequence(mkNode("ConcatFromSequence", []string{"s"}, []string{"y"})); err == nil {
		t.Fatal("missing axis: want error")
	}
}

func TestOptional(t *testing.T) {
	a := tensor.FromFloat32([]float32{1})
	typ := &ir.Type{Kind: ir.KindTensor, Elem: tensor.Int32}
	opt := kern(t, bindOptional, mkNode("Optional", []string{""}, []string{"o"}, &ir.Attribute{Name: "type", Type: ir.AttrTypeProto, TP: typ}))
	none, ok := run1(t, opt, nil).(ops.None)
	if !ok || none.Type != typ {
		t.Fatalf("Optional(): %#v", none)
	}
	opt = kern(t, bindOptional, mkNode("Optional", []string{"x"}, []string{"o"}))
	if run1(t, opt, a) != ops.Value(a) {
		t.Fatal("Optional(x)")
	}
	if _, err := bindOptional(mkNode("Optional", nil, []string{"o"})); err == nil {
		t.Fatal("no input, no type: want error")
	}

	has := kern(t, bindOptionalHasElement, mkNode("OptionalHasElement", []string{"x"}, []string{"b"}))
	checkT(t, run1(t, has, ops.None{}), []bool{false})
	checkT(t, run1(t, has, a), []bool{true})
	checkT(t, run1(t, has, &ops.Sequence{}), []bool{true})
	checkT(t, run1(t, has, nil), []bool{false})

	get := kern(t, bindOptionalGetElement, mkNode("OptionalGetElement", []string{"x"}, []string{"y"}))
	if run1(t, get, a) != ops.Value(a) {
		t.Fatal("get")
	}
	wantErr(t, get, ops.None{Type: typ})
	wantErr(t, get, nil)
}

type fakeSub struct {
	ins, outs []string
	run       func(args, hidden []ops.Value) ([]ops.Value, error)
}

func (f *fakeSub) InputNames() []string  { return f.ins }
func (f *fakeSub) OutputNames() []string { return f.outs }
func (f *fakeSub) Run(args, hidden []ops.Value) ([]ops.Value, error) {
	return f.run(args, hidden)
}

func TestSequenceMap(t *testing.T) {
	// body(x, y) = (x + y, shape-length of x as int64)
	body := &fakeSub{ins: []string{"x", "y"}, outs: []string{"sum", "n"}, run: func(args, hidden []ops.Value) ([]ops.Value, error) {
		if len(hidden) != 1 {
			t.Fatalf("hidden not passed")
		}
		x, y := args[0].(*tensor.Tensor), args[1].(*tensor.Tensor)
		out := tensor.New(tensor.Float32, x.Shape()...)
		for i := range out.Float32s() {
			out.Float32s()[i] = x.Float32s()[i] + y.Float32s()[i%y.Len()]
		}
		return []ops.Value{out, tensor.Scalar(int64(x.Len()))}, nil
	}}
	g := &ir.Graph{Outputs: []*ir.ValueInfo{{Name: "sum", Type: &ir.Type{Kind: ir.KindTensor, Elem: tensor.Float32}}, {Name: "n", Type: &ir.Type{Kind: ir.KindTensor, Elem: tensor.Int64}}}}
	n := mkNode("SequenceMap", []string{"s", "y"}, []string{"o1", "o2"}, &ir.Attribute{Name: "body", Type: ir.AttrGraph, G: g})
	n.SubgraphFunc = func(*ir.Graph) (ops.Subgraph, error) { return body, nil }
	k := kern(t, bindSequenceMap, n)
	hid := tensor.Scalar(float32(0))

	x := seqOf(tensor.FromFloat32([]float32{1, 2}), tensor.FromFloat32([]float32{3}, 1))
	// tensor second input: broadcast to every call
	out, err := k([]ops.Value{x, tensor.FromFloat32([]float32{10}), hid})
	if err != nil {
		t.Fatal(err)
	}
	o1, o2 := out[0].(*ops.Sequence), out[1].(*ops.Sequence)
	checkT(t, o1.Items[0], []float32{11, 12}, 2)
	checkT(t, o1.Items[1], []float32{13}, 1)
	checkT(t, o2.Items[0], []int64{2})
	checkT(t, o2.Items[1], []int64{1})
	// sequence second input: element-wise
	y := seqOf(tensor.FromFloat32([]float32{100}, 1), tensor.FromFloat32([]float32{200}, 1))
	out, err = k([]ops.Value{x, y, hid})
	if err != nil {
		t.Fatal(err)
	}
	checkT(t, out[0].(*ops.Sequence).Items[1], []float32{203}, 1)
	// length mismatch
	wantErr(t, k, x, seqOf(tensor.FromFloat32([]float32{1})), hid)
	// empty input: empty outputs with the declared element types
	out, err = k([]ops.Value{&ops.Sequence{Elem: tensor.Float32}, y, hid})
	if err == nil {
		t.Fatal("length mismatch with empty: want error")
	}
	out, err = k([]ops.Value{&ops.Sequence{Elem: tensor.Float32}, tensor.FromFloat32([]float32{1}), hid})
	if err != nil {
		t.Fatal(err)
	}
	if s := out[1].(*ops.Sequence); s.Elem != tensor.Int64 || len(s.Items) != 0 {
		t.Fatalf("empty map: %+v", s)
	}
}

func TestTensorHelpers(t *testing.T) {
	// SliceAxis along a middle axis of a [2,3,2] tensor.
	x := tensor.From([]int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 2, 3, 2)
	s, err := SliceAxis(x, 1, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	checkT(t, s, []int64{2, 3, 4, 5, 8, 9, 10, 11}, 2, 2, 2)
	e, err := IndexAxis(x, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	checkT(t, e, []int64{1, 3, 5, 7, 9, 11}, 2, 3)
	if _, err := SliceAxis(x, 1, 2, 2); err == nil {
		t.Fatal("out of range slice: want error")
	}
	if _, err := IndexAxis(x, 3, 0); err == nil {
		t.Fatal("bad axis: want error")
	}
	// Concat along the middle axis.
	y := tensor.From([]int64{100, 101, 102, 103}, 2, 1, 2)
	c, err := Concat([]*tensor.Tensor{x, y}, 1)
	if err != nil {
		t.Fatal(err)
	}
	checkT(t, c, []int64{0, 1, 2, 3, 4, 5, 100, 101, 6, 7, 8, 9, 10, 11, 102, 103}, 2, 4, 2)
	if _, err := Concat([]*tensor.Tensor{x, tensor.New(tensor.Int32, 2, 1, 2)}, 1); err == nil {
		t.Fatal("mixed dtypes: want error")
	}
}

// TestRoundTrip cuts random tensors apart along random axes and joins them
// back: Concat must undo SliceAxis, and IndexAxis must undo Stack.
func TestRoundTrip(t *testing.T) {
	seed := uint64(1)
	rnd := func(n int) int {
		seed = seed*6364136223846793005 + 1442695040888963407
		return int((seed >> 33) % uint64(n))
	}
	for iter := 0; iter < 200; iter++ {
		rank := 1 + rnd(4)
		shape := make([]int, rank)
		for i := range shape {
			shape[i] = rnd(4)
		}
		n := tensor.Shape(shape).NumElements()
		data := make([]int64, n)
		strs := make([]string, n)
		for i := range data {
			data[i] = int64(i)
			strs[i] = string(rune('a' + i%26))
		}
		for _, x := range []*tensor.Tensor{tensor.From(data, shape...), tensor.FromStrings(strs, shape...)} {
			axis := rnd(rank)
			var pieces []*tensor.Tensor
			for off := 0; off < shape[axis]; {
				l := min(1+rnd(3), shape[axis]-off)
				p, err := SliceAxis(x, axis, off, l)
				if err != nil {
					t.Fatal(err)
				}
				pieces = append(pieces, p)
				off += l
			}
			if len(pieces) > 0 {
				back, err := Concat(pieces, axis)
				if err != nil {
					t.Fatal(err)
				}
				if !back.Shape().Equal(x.Shape()) || !reflect.DeepEqual(back.Bytes(), x.Bytes()) || !reflect.DeepEqual(back.Strings(), x.Strings()) {
					t.Fatalf("concat(slices) of %v along %d differs", shape, axis)
				}
			}
			sAxis := rnd(rank + 1)
			st, err := Stack([]*tensor.Tensor{x, x, x}, sAxis)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 3; i++ {
				e, err := IndexAxis(st, sAxis, i)
				if err != nil {
					t.Fatal(err)
				}
				if !e.Shape().Equal(x.Shape()) || !reflect.DeepEqual(e.Bytes(), x.Bytes()) || !reflect.DeepEqual(e.Strings(), x.Strings()) {
					t.Fatalf("stack/index of %v along %d differs", shape, sAxis)
				}
			}
		}
	}
}
