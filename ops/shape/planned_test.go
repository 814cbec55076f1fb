package shape

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// plannedOf binds n and returns its planned form.
func plannedOf(tb testing.TB, n *ops.Node) *ops.Planned {
	tb.Helper()
	r := ops.NewRegistry()
	r.ClaimOpset("", 21)
	Register(r)
	impl, err := r.Bind(n)
	if err != nil {
		tb.Fatalf("bind %s: %v", n.OpType, err)
	}
	if impl.Planned == nil {
		tb.Fatalf("%s has no planned form", n.OpType)
	}
	return impl.Planned
}

// ramp returns a float32 tensor of shape s holding 0, 1, 2, ….
func ramp(s ...int) *tensor.Tensor {
	x := tensor.New(tensor.Float32, s...)
	for i := range x.Float32s() {
		x.Float32s()[i] = float32(i)
	}
	return x
}

// rampI64 returns an int64 tensor of shape s holding 0, 1, 2, ….
func rampI64(s ...int) *tensor.Tensor {
	x := tensor.New(tensor.Int64, s...)
	for i := range x.Int64s() {
		x.Int64s()[i] = int64(i)
	}
	return x
}

// rampHalf returns a float16 tensor of shape s holding 0, 0.5, 1, ….
func rampHalf(s ...int) *tensor.Tensor {
	x := tensor.New(tensor.Float16, s...)
	for i := range tensor.Data[tensor.Float16Bits](x) {
		tensor.Data[tensor.Float16Bits](x)[i] = tensor.ToFloat16(float32(i) / 2)
	}
	return x
}

type plannedCase struct {
	name string
	n    *ops.Node
	in   []*tensor.Tensor
}

// plannedCases covers every planned operator of the family on float32 or
// int64 data, with the layouts real models use.
func plannedCases() []plannedCase {
	f := func(v ...float32) *tensor.Tensor { return tensor.From(v, len(v)) }
	return []plannedCase{
		{"Reshape", node("Reshape", 14, 2, 1), []*tensor.Tensor{ramp(1, 128, 768), i64(0, 0, 12, 64)}},
		{"Flatten", node("Flatten", 13, 1, 1, aInt("axis", 1)), []*tensor.Tensor{ramp(2, 3, 4)}},
		{"Squeeze", node("Squeeze", 13, 2, 1), []*tensor.Tensor{ramp(1, 3, 1, 4), i64(0, -2)}},
		{"SqueezeAll", node("Squeeze", 13, 1, 1), []*tensor.Tensor{ramp(1, 3, 1, 4)}},
		{"Unsqueeze", node("Unsqueeze", 13, 2, 1), []*tensor.Tensor{rampI64(2, 128), i64(1, 2)}},
		{"Transpose0213", node("Transpose", 13, 1, 1, aInts("perm", 0, 2, 1, 3)), []*tensor.Tensor{ramp(1, 128, 12, 64)}},
		{"Transpose0231", node("Transpose", 13, 1, 1, aInts("perm", 0, 2, 3, 1)), []*tensor.Tensor{ramp(1, 128, 12, 64)}},
		{"Transpose0132", node("Transpose", 13, 1, 1, aInts("perm", 0, 1, 3, 2)), []*tensor.Tensor{ramp(2, 12, 33, 64)}},
		{"TransposeDefault", node("Transpose", 13, 1, 1), []*tensor.Tensor{rampI64(3, 5, 7)}},
		{"Shape", node("Shape", 15, 1, 1, aInt("start", 1)), []*tensor.Tensor{ramp(2, 3, 4)}},
		{"Size", node("Size", 13, 1, 1), []*tensor.Tensor{ramp(2, 3, 4)}},
		{"GatherEmbedding", node("Gather", 13, 2, 1), []*tensor.Tensor{ramp(1000, 64), rampI64(1, 128)}},
		{"GatherScalar", node("Gather", 13, 2, 1), []*tensor.Tensor{i64(1, 128, 768), tensor.Scalar(int64(-1))}},
		{"GatherInner1", node("Gather", 13, 2, 1, aInt("axis", 1)), []*tensor.Tensor{ramp(4, 300), rampI64(299)}},
		{"Concat", node("Concat", 13, 3, 1, aInt("axis", 1)), []*tensor.Tensor{ramp(2, 3, 4), ramp(2, 1, 4), ramp(2, 5, 4)}},
		{"ConcatShape", node("Concat", 13, 3, 1, aInt("axis", 0)), []*tensor.Tensor{i64(1), i64(128), i64(12, 64)}},
		{"Slice", node("Slice", 13, 5, 1), []*tensor.Tensor{ramp(4, 10, 6), i64(1, -1), i64(9, 0), i64(1, 2), i64(2, -1)}},
		{"SliceRows", node("Slice", 13, 4, 1), []*tensor.Tensor{ramp(1, 512, 64), i64(0), i64(128), i64(1)}},
		{"Expand", node("Expand", 13, 2, 1), []*tensor.Tensor{ramp(1, 1, 1, 128), i64(1, 12, 128, 128)}},
		{"ExpandInt", node("Expand", 13, 2, 1), []*tensor.Tensor{rampI64(3, 1), i64(2, 3, 4)}},
		{"ConstantOfShape", node("ConstantOfShape", 9, 1, 1, &ir.Attribute{Name: "value", Type: ir.AttrTensor, T: tensor.From([]int64{1}, 1)}), []*tensor.Tensor{i64(2, 128)}},
		{"RangeInt", node("Range", 11, 3, 1), []*tensor.Tensor{tensor.Scalar(int64(0)), tensor.Scalar(int64(128)), tensor.Scalar(int64(1))}},
		{"RangeFloat", node("Range", 11, 3, 1), []*tensor.Tensor{tensor.Scalar(float32(0)), tensor.Scalar(float32(10)), tensor.Scalar(float32(0.5))}},
		{"Split", node("Split", 13, 2, 3, aInt("axis", -1)), []*tensor.Tensor{ramp(1, 128, 2304), i64(768, 768, 768)}},
		{"SplitEqual", node("Split", 18, 1, 2, aInt("num_outputs", 2)), []*tensor.Tensor{ramp(5, 6)}},
		{"Tile", node("Tile", 13, 2, 1), []*tensor.Tensor{ramp(2, 3, 4), i64(2, 1, 3)}},
		{"PadConstant", node("Pad", 13, 3, 1), []*tensor.Tensor{ramp(1, 3, 16, 16), i64(0, 0, 1, 2, 0, 0, 3, 1), tensor.Scalar(float32(-1))}},
		{"PadReflect", node("Pad", 13, 2, 1, aStr("mode", "reflect")), []*tensor.Tensor{ramp(1, 3, 16, 16), i64(0, 0, 2, 2, 0, 0, 2, 2)}},
		{"PadEdgeAxes", node("Pad", 18, 4, 1, aStr("mode", "edge")), []*tensor.Tensor{ramp(2, 5, 7), i64(1, 2, 3, 0), nil, i64(1, -1)}},
		{"PadV2", node("Pad", 2, 1, 1, aInts("pads", 0, 1, 1, 0), &ir.Attribute{Name: "value", Type: ir.AttrFloat, F: 7}), []*tensor.Tensor{ramp(2, 2)}},
		{"CenterCropPad", node("CenterCropPad", 18, 2, 1), []*tensor.Tensor{ramp(5, 8), i64(7, 5)}},
		{"GatherElements", node("GatherElements", 13, 2, 1, aInt("axis", 1)), []*tensor.Tensor{ramp(3, 4), shaped(i64(0, 3, -1, 2, 1, 1), 3, 2)}},
		{"GatherND", node("GatherND", 13, 2, 1), []*tensor.Tensor{ramp(4, 5, 6), shaped(i64(0, 1, 3, 4, -1, 0), 3, 2)}},
		{"GatherNDElems", node("GatherND", 13, 2, 1, aInt("batch_dims", 1)), []*tensor.Tensor{ramp(4, 5, 6), shaped(i64(0, 1, 3, 4, -1, 0, 1, 1), 4, 2)}},
		{"OneHot", node("OneHot", 11, 3, 1), []*tensor.Tensor{i64(1, -1, 5, 0), tensor.Scalar(int64(4)), f(0, 1)}},
		{"DepthToSpace", node("DepthToSpace", 13, 1, 1, aInt("blocksize", 2)), []*tensor.Tensor{ramp(1, 8, 5, 6)}},
		{"DepthToSpaceCRD", node("DepthToSpace", 13, 1, 1, aInt("blocksize", 2), aStr("mode", "CRD")), []*tensor.Tensor{ramp(1, 8, 5, 6)}},
		{"SpaceToDepth", node("SpaceToDepth", 13, 1, 1, aInt("blocksize", 2)), []*tensor.Tensor{ramp(1, 3, 8, 6)}},
		{"Trilu", node("Trilu", 14, 2, 1, aInt("upper", 0)), []*tensor.Tensor{ramp(2, 5, 5), tensor.Scalar(int64(1))}},
		{"CumSum", node("CumSum", 14, 2, 1, aInt("exclusive", 1), aInt("reverse", 1)), []*tensor.Tensor{ramp(3, 4), tensor.Scalar(int64(1))}},
		{"CumSumInt", node("CumSum", 14, 2, 1), []*tensor.Tensor{rampI64(3, 4), tensor.Scalar(int32(0))}},
		{"CumSumHalf", node("CumSum", 14, 2, 1, aInt("exclusive", 1)), []*tensor.Tensor{rampHalf(3, 4), tensor.Scalar(int64(0))}},
		{"EyeLike", node("EyeLike", 9, 1, 1, aInt("k", -1)), []*tensor.Tensor{ramp(4, 6)}},
		{"TopK", node("TopK", 11, 2, 2), []*tensor.Tensor{ramp(3, 100), i64(5)}},
		{"TopKLong", node("TopK", 11, 2, 2, aInt("axis", 0), aInt("largest", 0)), []*tensor.Tensor{ramp(1000, 2), i64(3)}},
		{"ScatterElements", node("ScatterElements", 16, 3, 1, aInt("axis", 1)), []*tensor.Tensor{ramp(3, 4), shaped(i64(0, 3, -1, 2, 1, 1), 3, 2), ramp(3, 2)}},
		{"ScatterElementsAdd", node("ScatterElements", 16, 3, 1, aStr("reduction", "add")), []*tensor.Tensor{ramp(3, 4), shaped(i64(0, 2, 1, 1), 2, 2), ramp(2, 2)}},
		{"ScatterND", node("ScatterND", 16, 3, 1), []*tensor.Tensor{ramp(4, 5), shaped(i64(1, 3), 2, 1), ramp(2, 5)}},
		{"ScatterNDMul", node("ScatterND", 16, 3, 1, aStr("reduction", "mul")), []*tensor.Tensor{ramp(4, 5), shaped(i64(1, 3, 1, 4), 2, 2), ramp(2)}},
		{"ReverseSequence", node("ReverseSequence", 10, 2, 1), []*tensor.Tensor{ramp(4, 3, 5), i64(4, 2, 0)}},
		{"CompressAxis", node("Compress", 11, 2, 1, aInt("axis", -2)), []*tensor.Tensor{ramp(3, 4, 2), tensor.From([]bool{true, false, false, true})}},
		{"CompressFlat", node("Compress", 11, 2, 1), []*tensor.Tensor{rampI64(2, 3), tensor.From([]bool{false, true, true, false, true})}},
	}
}

// TestPlannedNoAllocs checks that every planned operator infers and runs
// into preallocated outputs without allocating, once warmed up.
func TestPlannedNoAllocs(t *testing.T) {
	for _, c := range plannedCases() {
		t.Run(c.name, func(t *testing.T) {
			p := plannedOf(t, c.n)
			specs := make([]ops.OutSpec, c.n.NumOutputs())
			if err := p.Infer(c.in, specs); err != nil {
				t.Fatalf("infer: %v", err)
			}
			outs := make([]*tensor.Tensor, len(specs))
			if !p.View {
				for i, s := range specs {
					outs[i] = tensor.New(s.DType, s.Shape...)
				}
			}
			step := func() {
				if err := p.Infer(c.in, specs); err != nil {
					t.Fatalf("infer: %v", err)
				}
				if p.View {
					return
				}
				if err := p.Run(c.in, outs); err != nil {
					t.Fatalf("run: %v", err)
				}
			}
			step() // warm-up
			if a := testing.AllocsPerRun(20, step); a != 0 {
				t.Errorf("%v allocations per Infer+Run, want 0", a)
			}
		})
	}
}

// TestPlannedMatchesKernel checks that running the planned form into
// outputs full of garbage gives what the allocating kernel gives: Run must
// write every output element.
func TestPlannedMatchesKernel(t *testing.T) {
	for _, c := range plannedCases() {
		t.Run(c.name, func(t *testing.T) {
			p := plannedOf(t, c.n)
			r := ops.NewRegistry()
			r.ClaimOpset("", 21)
			Register(r)
			impl, err := r.Bind(c.n)
			if err != nil {
				t.Fatal(err)
			}
			want, err := impl.Tensor(c.in)
			if err != nil {
				t.Fatal(err)
			}
			specs := make([]ops.OutSpec, c.n.NumOutputs())
			if err := p.Infer(c.in, specs); err != nil {
				t.Fatal(err)
			}
			if p.View {
				if !specs[0].Shape.Equal(want[0].Shape()) {
					t.Fatalf("view shape %v, kernel %v", specs[0].Shape, want[0].Shape())
				}
				return
			}
			outs := make([]*tensor.Tensor, len(specs))
			for i, s := range specs {
				outs[i] = tensor.New(s.DType, s.Shape...)
				b := outs[i].Bytes()
				for j := range b {
					b[j] = 0xA5
				}
			}
			if err := p.Run(c.in, outs); err != nil {
				t.Fatal(err)
			}
			for i := range outs {
				if !outs[i].Shape().Equal(want[i].Shape()) || string(outs[i].Bytes()) != string(want[i].Bytes()) {
					t.Errorf("output %d differs from the kernel's", i)
				}
			}
		})
	}
}

// TestPlannedStrings runs the data-movement operators on string tensors
// through their planned form, with outputs allocated as the executor
// allocates them.
func TestPlannedStrings(t *testing.T) {
	s := tensor.FromStrings([]string{"a", "b", "c", "d", "e", "f"}, 2, 3)
	cases := []struct {
		n    *ops.Node
		in   []*tensor.Tensor
		want []string
	}{
		{node("Transpose", 13, 1, 1), []*tensor.Tensor{s}, []string{"a", "d", "b", "e", "c", "f"}},
		{node("Gather", 13, 2, 1, aInt("axis", 1)), []*tensor.Tensor{s, i64(2, 0)}, []string{"c", "a", "f", "d"}},
		{node("Slice", 13, 3, 1), []*tensor.Tensor{s, i64(1), i64(2)}, []string{"d", "e", "f"}},
		{node("Tile", 13, 2, 1), []*tensor.Tensor{s, i64(1, 2)}, []string{"a", "b", "c", "a", "b", "c", "d", "e", "f", "d", "e", "f"}},
		{node("Pad", 13, 2, 1), []*tensor.Tensor{s, i64(0, 1, 0, 0)}, []string{"", "a", "b", "c", "", "d", "e", "f"}},
		{node("Concat", 13, 2, 1, aInt("axis", 0)), []*tensor.Tensor{s, s}, []string{"a", "b", "c", "d", "e", "f", "a", "b", "c", "d", "e", "f"}},
	}
	for _, c := range cases {
		p := plannedOf(t, c.n)
		specs := make([]ops.OutSpec, 1)
		if err := p.Infer(c.in, specs); err != nil {
			t.Fatalf("%s: %v", c.n.OpType, err)
		}
		out := tensor.New(specs[0].DType, specs[0].Shape...)
		if err := p.Run(c.in, []*tensor.Tensor{out}); err != nil {
			t.Fatalf("%s: %v", c.n.OpType, err)
		}
		if got := strings.Join(out.Strings(), ","); got != strings.Join(c.want, ",") {
			t.Errorf("%s: got %s, want %s", c.n.OpType, got, strings.Join(c.want, ","))
		}
	}
}

// TestPlannedInferErrors checks that Infer reports bad shapes and indices
// as errors, never panics.
func TestPlannedInferErrors(t *testing.T) {
	cases := []plannedCase{
		{"ReshapeCount", node("Reshape", 14, 2, 1), []*tensor.Tensor{ramp(6), i64(4, -1)}},
		{"ReshapeTwoInfer", node("Reshape", 14, 2, 1), []*tensor.Tensor{ramp(6), i64(-1, -1)}},
		{"ReshapeMissing", node("Reshape", 14, 2, 1), []*tensor.Tensor{ramp(6)}},
		{"FlattenAxis", node("Flatten", 13, 1, 1, aInt("axis", 4)), []*tensor.Tensor{ramp(2, 3)}},
		{"SqueezeNotOne", node("Squeeze", 13, 2, 1), []*tensor.Tensor{ramp(2, 3), i64(0)}},
		{"UnsqueezeRepeat", node("Unsqueeze", 13, 2, 1), []*tensor.Tensor{ramp(2, 3), i64(0, 0)}},
		{"TransposeRank", node("Transpose", 13, 1, 1, aInts("perm", 1, 0)), []*tensor.Tensor{ramp(2, 3, 4)}},
		{"TransposePerm", node("Transpose", 13, 1, 1, aInts("perm", 1, 1)), []*tensor.Tensor{ramp(2, 3)}},
		{"GatherIndex", node("Gather", 13, 2, 1), []*tensor.Tensor{ramp(2, 3), i64(2)}},
		{"GatherNegIndex", node("Gather", 13, 2, 1), []*tensor.Tensor{ramp(2, 3), i64(0, -3)}},
		{"GatherFloatIndex", node("Gather", 13, 2, 1), []*tensor.Tensor{ramp(2, 3), ramp(1)}},
		{"ConcatShapes", node("Concat", 13, 2, 1, aInt("axis", 0)), []*tensor.Tensor{ramp(2, 3), ramp(2, 4)}},
		{"ConcatTypes", node("Concat", 13, 2, 1, aInt("axis", 0)), []*tensor.Tensor{ramp(2, 3), rampI64(2, 3)}},
		{"SliceStep", node("Slice", 13, 5, 1), []*tensor.Tensor{ramp(3), i64(0), i64(1), i64(0), i64(0)}},
		{"SliceAxes", node("Slice", 13, 4, 1), []*tensor.Tensor{ramp(3), i64(0), i64(1), i64(1)}},
		{"ExpandShapes", node("Expand", 13, 2, 1), []*tensor.Tensor{ramp(3), i64(2)}},
		{"ExpandNegative", node("Expand", 13, 2, 1), []*tensor.Tensor{ramp(3), i64(-2, 3)}},
		{"ConstantOfShapeHuge", node("ConstantOfShape", 9, 1, 1), []*tensor.Tensor{i64(1000000, 1000000, 1000000)}},
		{"ConstantOfShapeNegative", node("ConstantOfShape", 9, 1, 1), []*tensor.Tensor{i64(2, -1)}},
		{"RangeHuge", node("Range", 11, 3, 1), []*tensor.Tensor{tensor.Scalar(float32(0)), tensor.Scalar(float32(1e30)), tensor.Scalar(float32(1e-30))}},
		{"RangeZeroDelta", node("Range", 11, 3, 1), []*tensor.Tensor{tensor.Scalar(int64(0)), tensor.Scalar(int64(5)), tensor.Scalar(int64(0))}},
		{"SplitSum", node("Split", 13, 2, 2), []*tensor.Tensor{ramp(5), i64(2, 2)}},
		{"SplitCount", node("Split", 13, 2, 2), []*tensor.Tensor{ramp(5), i64(5)}},
		{"TileHuge", node("Tile", 13, 2, 1), []*tensor.Tensor{ramp(3), i64(1 << 40)}},
		{"TileCount", node("Tile", 13, 2, 1), []*tensor.Tensor{ramp(3), i64(1, 2)}},
		{"PadCount", node("Pad", 13, 2, 1), []*tensor.Tensor{ramp(3), i64(1)}},
		{"PadCrop", node("Pad", 13, 2, 1), []*tensor.Tensor{ramp(3), i64(-2, -2)}},
		{"PadReflectEmpty", node("Pad", 13, 2, 1, aStr("mode", "reflect")), []*tensor.Tensor{ramp(3), i64(-3, 1)}},
		{"GatherElementsIndex", node("GatherElements", 13, 2, 1), []*tensor.Tensor{ramp(3), i64(3)}},
		{"GatherElementsShape", node("GatherElements", 13, 2, 1), []*tensor.Tensor{ramp(2, 2), shaped(i64(0, 0, 0), 1, 3)}},
		{"GatherNDIndex", node("GatherND", 13, 2, 1), []*tensor.Tensor{ramp(4, 5), shaped(i64(1, 5), 1, 2)}},
		{"GatherNDTuple", node("GatherND", 13, 2, 1), []*tensor.Tensor{ramp(4, 5), shaped(i64(1, 2, 3), 1, 3)}},
		{"OneHotDepth", node("OneHot", 11, 3, 1), []*tensor.Tensor{i64(1), tensor.Scalar(int64(0)), i64(0, 1)}},
		{"DepthToSpaceChannels", node("DepthToSpace", 13, 1, 1, aInt("blocksize", 2)), []*tensor.Tensor{ramp(1, 6, 2, 2)}},
		{"SpaceToDepthDims", node("SpaceToDepth", 13, 1, 1, aInt("blocksize", 2)), []*tensor.Tensor{ramp(1, 1, 3, 2)}},
		{"TriluRank", node("Trilu", 14, 1, 1), []*tensor.Tensor{ramp(3)}},
		{"CumSumAxis", node("CumSum", 14, 2, 1), []*tensor.Tensor{ramp(3), tensor.Scalar(int64(1))}},
		{"EyeLikeRank", node("EyeLike", 9, 1, 1), []*tensor.Tensor{ramp(3)}},
		{"TopKTooMany", node("TopK", 11, 2, 2), []*tensor.Tensor{ramp(3), i64(4)}},
		{"ScatterElementsIndex", node("ScatterElements", 16, 3, 1), []*tensor.Tensor{ramp(3), i64(3), ramp(1)}},
		{"ScatterElementsTypes", node("ScatterElements", 16, 3, 1), []*tensor.Tensor{ramp(3), i64(1), i64(1)}},
		{"ScatterNDIndex", node("ScatterND", 13, 3, 1), []*tensor.Tensor{ramp(3), shaped(i64(3), 1, 1), ramp(1)}},
		{"ScatterNDUpdates", node("ScatterND", 13, 3, 1), []*tensor.Tensor{ramp(3), shaped(i64(1), 1, 1), ramp(2)}},
		{"ReverseSequenceLens", node("ReverseSequence", 10, 2, 1), []*tensor.Tensor{ramp(4, 3), i64(5, 1, 1)}},
		{"CenterCropPadCount", node("CenterCropPad", 18, 2, 1), []*tensor.Tensor{ramp(4, 3), i64(5)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := plannedOf(t, c.n)
			specs := make([]ops.OutSpec, c.n.NumOutputs())
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						err = fmt.Errorf("panic: %v", r)
					}
				}()
				err = p.Infer(c.in, specs)
			}()
			if err == nil || strings.HasPrefix(err.Error(), "panic") {
				t.Errorf("want an error, got %v", err)
			}
		})
	}
}

// shaped returns a view of t with shape s, for building test inputs.
func shaped(t *tensor.Tensor, s ...int) *tensor.Tensor {
	return fixShape(t, s)
}
