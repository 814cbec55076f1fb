package shape

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func node(op string, opset int64, nin, nout int, attrs ...*ir.Attribute) *ops.Node {
	n := &ir.Node{OpType: op, Attrs: attrs}
	for i := 0; i < nin; i++ {
		n.Inputs = append(n.Inputs, fmt.Sprint("in", i))
	}
	for i := 0; i < nout; i++ {
		n.Outputs = append(n.Outputs, fmt.Sprint("out", i))
	}
	return &ops.Node{Node: n, Opset: opset}
}

func aInt(name string, v int64) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrInt, I: v}
}
func aInts(name string, v ...int64) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrInts, Ints: v}
}
func aStr(name, v string) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrString, S: []byte(v)}
}

func run(t *testing.T, n *ops.Node, in ...*tensor.Tensor) []*tensor.Tensor {
	t.Helper()
	r := ops.NewRegistry()
	r.ClaimOpset("", 17)
	Register(r)
	impl, err := r.Bind(n)
	if err != nil {
		t.Fatalf("bind %s: %v", n.OpType, err)
	}
	out, err := impl.Tensor(in)
	if err != nil {
		t.Fatalf("run %s: %v", n.OpType, err)
	}
	return out
}

func runErr(n *ops.Node, in ...*tensor.Tensor) error {
	r := ops.NewRegistry()
	r.ClaimOpset("", 17)
	Register(r)
	impl, err := r.Bind(n)
	if err != nil {
		return err
	}
	_, err = impl.Tensor(in)
	return err
}

func i64(v ...int64) *tensor.Tensor { return tensor.From(v, len(v)) }

func check[T tensor.Elem](t *testing.T, got *tensor.Tensor, shape tensor.Shape, want []T) {
	t.Helper()
	if !got.Shape().Equal(shape) {
		t.Fatalf("shape %v, want %v", got.Shape(), shape)
	}
	if g := tensor.Data[T](got); !reflect.DeepEqual(append([]T{}, g...), append([]T{}, want...)) {
		t.Fatalf("got %v, want %v", g, want)
	}
}

func TestSliceNegativeStep(t *testing.T) {
	// numpy: np.arange(10)[8:1:-3] == [8, 5, 2]
	x := tensor.From([]int32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	out := run(t, node("Slice", 13, 5, 1), x, i64(8), i64(1), i64(0), i64(-3))
	check(t, out[0], tensor.Shape{3}, []int32{8, 5, 2})
	// np.arange(10)[::-1] with INT_MIN end
	out = run(t, node("Slice", 13, 5, 1), x, i64(-1), i64(-1<<63), i64(0), i64(-1))
	check(t, out[0], tensor.Shape{10}, []int32{9, 8, 7, 6, 5, 4, 3, 2, 1, 0})
	// huge step: only the first element
	out = run(t, node("Slice", 13, 5, 1), x, i64(2), i64(1<<62), i64(0), i64(1<<62))
	check(t, out[0], tensor.Shape{1}, []int32{2})
	// opset 1 attributes on a 2-D tensor: x[0:2, 1:1000]
	y := tensor.From([]float32{1, 2, 3, 4, 5, 6}, 3, 2)
	out = run(t, node("Slice", 1, 1, 1, aInts("starts", 0, 1), aInts("ends", 2, 1000)), y)
	check(t, out[0], tensor.Shape{2, 1}, []float32{2, 4})
}

func TestPadModes(t *testing.T) {
	x := tensor.From([]float32{1, 2, 3})
	// np.pad([1,2,3], (2,3), 'reflect') = [3,2,1,2,3,2,1,2]
	out := run(t, node("Pad", 13, 2, 1, aStr("mode", "reflect")), x, i64(2, 3))
	check(t, out[0], tensor.Shape{8}, []float32{3, 2, 1, 2, 3, 2, 1, 2})
	// np.pad([1,2,3], (2,1), 'edge') = [1,1,1,2,3,3]
	out = run(t, node("Pad", 13, 2, 1, aStr("mode", "edge")), x, i64(2, 1))
	check(t, out[0], tensor.Shape{6}, []float32{1, 1, 1, 2, 3, 3})
	// constant with value 9 and a crop of one at the end
	out = run(t, node("Pad", 13, 3, 1), x, i64(1, -1), tensor.Scalar(float32(9)))
	check(t, out[0], tensor.Shape{3}, []float32{9, 1, 2})
	// opset 2 attribute form on 2-D
	y := tensor.From([]int32{1, 2, 3, 4}, 2, 2)
	out = run(t, node("Pad", 2, 1, 1, aInts("pads", 0, 1, 1, 0), &ir.Attribute{Name: "value", Type: ir.AttrFloat, F: 7}), y)
	check(t, out[0], tensor.Shape{3, 3}, []int32{7, 1, 2, 7, 3, 4, 7, 7, 7})
}

func TestTopKTies(t *testing.T) {
	x := tensor.From([]float32{1, 3, 3, 2, 3})
	out := run(t, node("TopK", 11, 2, 2), x, i64(2))
	check(t, out[0], tensor.Shape{2}, []float32{3, 3})
	check(t, out[1], tensor.Shape{2}, []int64{1, 2})
	out = run(t, node("TopK", 11, 2, 2, aInt("largest", 0)), x, i64(3))
	check(t, out[0], tensor.Shape{3}, []float32{1, 2, 3})
	check(t, out[1], tensor.Shape{3}, []int64{0, 3, 1})
	// axis 0 on 2x2 with opset 1 attribute k
	y := tensor.From([]int64{1, 4, 2, 3}, 2, 2)
	out = run(t, node("TopK", 1, 1, 2, aInt("k", 1), aInt("axis", 0)), y)
	check(t, out[0], tensor.Shape{1, 2}, []int64{2, 4})
	check(t, out[1], tensor.Shape{1, 2}, []int64{1, 0})
}

func TestUnique(t *testing.T) {
	// numpy.unique([2,1,1,3,4,3], return_index, return_inverse, return_counts)
	x := tensor.From([]float32{2, 1, 1, 3, 4, 3})
	out := run(t, node("Unique", 11, 1, 4), x)
	check(t, out[0], tensor.Shape{4}, []float32{1, 2, 3, 4})
	check(t, out[1], tensor.Shape{4}, []int64{1, 0, 3, 4})
	check(t, out[2], tensor.Shape{6}, []int64{1, 0, 0, 2, 3, 2})
	check(t, out[3], tensor.Shape{4}, []int64{2, 1, 2, 1})
	out = run(t, node("Unique", 11, 1, 4, aInt("sorted", 0)), x)
	check(t, out[0], tensor.Shape{4}, []float32{2, 1, 3, 4})
	check(t, out[1], tensor.Shape{4}, []int64{0, 1, 3, 4})
	check(t, out[2], tensor.Shape{6}, []int64{0, 1, 1, 2, 3, 2})
	check(t, out[3], tensor.Shape{4}, []int64{1, 2, 2, 1})
	s := tensor.FromStrings([]string{"b", "a", "b"})
	out = run(t, node("Unique", 11, 1, 4), s)
	if got := out[0].Strings(); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("strings: %v", got)
	}
}

func TestSplitAndConcatStrings(t *testing.T) {
	s := tensor.FromStrings([]string{"a", "b", "c", "d", "e", "f"}, 2, 3)
	out := run(t, node("Split", 13, 2, 2, aInt("axis", 1)), s, i64(1, 2))
	if !reflect.DeepEqual(out[0].Strings(), []string{"a", "d"}) || !reflect.DeepEqual(out[1].Strings(), []string{"b", "c", "e", "f"}) {
		t.Fatalf("split strings: %v %v", out[0].Strings(), out[1].Strings())
	}
	c := run(t, node("Concat", 13, 2, 1, aInt("axis", -1)), out[1], out[0])
	if !reflect.DeepEqual(c[0].Strings(), []string{"b", "c", "a", "e", "f", "d"}) {
		t.Fatalf("concat strings: %v", c[0].Strings())
	}
	// uneven split: 5 into 3 → 2,2,1 (opset 18 rule)
	x := tensor.From([]int8{1, 2, 3, 4, 5})
	out = run(t, node("Split", 13, 1, 3), x)
	check(t, out[2], tensor.Shape{1}, []int8{5})
}

func TestDepthSpace(t *testing.T) {
	// x = arange(8).reshape(1,8,1,1), blocksize 2:
	// DCR: reshape (1,2,2,2,1,1) transpose (0,3,4,1,5,2) → channel c=0: [[0,2],[4,6]], c=1: [[1,3],[5,7]]
	x := tensor.From([]float32{0, 1, 2, 3, 4, 5, 6, 7}, 1, 8, 1, 1)
	out := run(t, node("DepthToSpace", 13, 1, 1, aInt("blocksize", 2)), x)
	check(t, out[0], tensor.Shape{1, 2, 2, 2}, []float32{0, 2, 4, 6, 1, 3, 5, 7})
	// CRD: c=0 takes channels 0..3: [[0,1],[2,3]]
	out = run(t, node("DepthToSpace", 13, 1, 1, aInt("blocksize", 2), aStr("mode", "CRD")), x)
	check(t, out[0], tensor.Shape{1, 2, 2, 2}, []float32{0, 1, 2, 3, 4, 5, 6, 7})
	// SpaceToDepth inverts DCR
	back := run(t, node("SpaceToDepth", 13, 1, 1, aInt("blocksize", 2)), out[0])
	check(t, back[0], tensor.Shape{1, 8, 1, 1}, []float32{0, 4, 1, 5, 2, 6, 3, 7})
}

func TestMisc(t *testing.T) {
	// Range(5, 0, -2) = [5, 3, 1]
	out := run(t, node("Range", 11, 3, 1), tensor.Scalar(int32(5)), tensor.Scalar(int32(0)), tensor.Scalar(int32(-2)))
	check(t, out[0], tensor.Shape{3}, []int32{5, 3, 1})
	// Tile [[1,2]] by (2,2)
	out = run(t, node("Tile", 13, 2, 1), tensor.From([]int16{1, 2}, 1, 2), i64(2, 2))
	check(t, out[0], tensor.Shape{2, 4}, []int16{1, 2, 1, 2, 1, 2, 1, 2})
	// Expand [3,1] to [2,1,2]
	out = run(t, node("Expand", 13, 2, 1), tensor.From([]bool{true, false, true}, 3, 1), i64(2, 1, 2))
	check(t, out[0], tensor.Shape{2, 3, 2}, []bool{true, true, false, false, true, true, true, true, false, false, true, true})
	// Reshape with 0 and -1
	out = run(t, node("Reshape", 14, 2, 1), tensor.New(tensor.Float32, 2, 3, 4), i64(0, -1))
	if !out[0].Shape().Equal(tensor.Shape{2, 12}) {
		t.Fatalf("reshape: %v", out[0].Shape())
	}
	// GatherND batch_dims=1: data [[[0,1],[2,3]],[[4,5],[6,7]]], indices [[1],[0]] → [[2,3],[4,5]]
	out = run(t, node("GatherND", 13, 2, 1, aInt("batch_dims", 1)), tensor.From([]int32{0, 1, 2, 3, 4, 5, 6, 7}, 2, 2, 2), tensor.From([]int64{1, 0}, 2, 1))
	check(t, out[0], tensor.Shape{2, 2}, []int32{2, 3, 4, 5})
	// CumSum exclusive reverse of [1,2,3] = [5,3,0]
	out = run(t, node("CumSum", 14, 2, 1, aInt("exclusive", 1), aInt("reverse", 1)), tensor.From([]float64{1, 2, 3}), tensor.Scalar(int32(0)))
	check(t, out[0], tensor.Shape{3}, []float64{5, 3, 0})
	// NonZero [[1,0],[0,1]] → [[0,1],[0,1]]
	out = run(t, node("NonZero", 13, 1, 1), tensor.From([]float32{1, 0, 0, -2}, 2, 2))
	check(t, out[0], tensor.Shape{2, 2}, []int64{0, 1, 0, 1})
	// Trilu lower k=-1 on 3x3 ones
	out = run(t, node("Trilu", 14, 2, 1, aInt("upper", 0)), tensor.From([]int32{1, 1, 1, 1, 1, 1, 1, 1, 1}, 3, 3), tensor.Scalar(int64(-1)))
	check(t, out[0], tensor.Shape{3, 3}, []int32{0, 0, 0, 1, 0, 0, 1, 1, 0})
	// OneHot indices [1,-1,5], depth 3, values [0,9], axis -1
	out = run(t, node("OneHot", 11, 3, 1), tensor.From([]float32{1, -1, 5}), tensor.Scalar(int64(3)), tensor.From([]int32{0, 9}))
	check(t, out[0], tensor.Shape{3, 3}, []int32{0, 9, 0, 0, 0, 9, 0, 0, 0})
	// ScatterElements add with duplicates
	out = run(t, node("ScatterElements", 16, 3, 1, aStr("reduction", "add")), tensor.From([]float32{1, 2, 3}), i64(1, 1, -1), tensor.From([]float32{10, 20, 30}))
	check(t, out[0], tensor.Shape{3}, []float32{1, 32, 33})
}

func TestErrors(t *testing.T) {
	cases := []struct {
		n  *ops.Node
		in []*tensor.Tensor
	}{
		{node("ConstantOfShape", 9, 1, 1), []*tensor.Tensor{i64(1000000, 1000000, 1000000)}},
		{node("Gather", 13, 2, 1), []*tensor.Tensor{tensor.From([]float32{1, 2}), i64(2)}},
		{node("Reshape", 14, 2, 1), []*tensor.Tensor{tensor.New(tensor.Float32, 6), i64(4, -1)}},
		{node("Expand", 13, 2, 1), []*tensor.Tensor{tensor.New(tensor.Float32, 3), i64(2)}},
		{node("Tile", 13, 2, 1), []*tensor.Tensor{tensor.New(tensor.Float32, 3), i64(1 << 40)}},
		{node("Slice", 13, 5, 1), []*tensor.Tensor{tensor.New(tensor.Float32, 3), i64(0), i64(1), i64(0), i64(0)}},
		{node("Range", 11, 3, 1), []*tensor.Tensor{tensor.Scalar(float32(0)), tensor.Scalar(float32(1e30)), tensor.Scalar(float32(1e-30))}},
		{node("ScatterND", 13, 3, 1), []*tensor.Tensor{tensor.New(tensor.Float32, 3), tensor.From([]int64{3}, 1, 1), tensor.New(tensor.Float32, 1)}},
	}
	for _, c := range cases {
		if err := runErr(c.n, c.in...); err == nil || strings.Contains(err.Error(), "panic") {
			t.Errorf("%s: want error, got %v", c.n.OpType, err)
		}
	}
}

func TestUnalignedStorage(t *testing.T) {
	// Bytes aliasing a buffer at an odd offset, as a model file might.
	buf := make([]byte, 1+6*4)
	x, err := tensor.FromBytes(tensor.Float32, tensor.Shape{2, 3}, buf[1:])
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ {
		buf[1+4*i+3] = byte(0x3f + i) // distinct values
	}
	want := make([]byte, 24)
	// transpose of [[a,b,c],[d,e,f]] is [[a,d],[b,e],[c,f]]
	for o, s := range []int{0, 3, 1, 4, 2, 5} {
		copy(want[4*o:4*o+4], buf[1+4*s:1+4*s+4])
	}
	out := run(t, node("Transpose", 13, 1, 1), x)
	if !out[0].Shape().Equal(tensor.Shape{3, 2}) || !reflect.DeepEqual(out[0].Bytes(), want) {
		t.Fatalf("transpose of unaligned data: %v", out[0].Bytes())
	}
}

func bindOrDie(tb testing.TB, n *ops.Node) ops.Kernel {
	tb.Helper()
	r := ops.NewRegistry()
	r.ClaimOpset("", 17)
	Register(r)
	impl, err := r.Bind(n)
	if err != nil {
		tb.Fatal(err)
	}
	return impl.Tensor
}
