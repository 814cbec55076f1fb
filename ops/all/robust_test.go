package all

import (
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// attrPool lists attribute names operators read, so random nodes reach
// their parsing and validation code rather than only the defaults.
var attrPool = []string{
	"axis", "axes", "keepdims", "perm", "pads", "strides", "kernel_shape", "dilations", "group",
	"auto_pad", "mode", "alpha", "beta", "gamma", "epsilon", "to", "direction", "hidden_size", "k",
	"largest", "sorted", "starts", "ends", "shape", "value", "split", "blocksize", "transA", "transB",
	"ceil_mode", "count_include_pad", "storage_order", "output_padding", "output_shape", "p", "size",
	"bias", "lambd", "min", "max", "batch_dims", "reduction", "exclusive", "reverse", "num_outputs",
	"select_last_index", "noop_with_empty_axes", "equation", "dtype", "seed", "mean", "scale", "high",
	"low", "sample_size", "detect_negative", "detect_positive", "fmod", "tiles", "allowzero", "start",
	"end", "center_point_box", "coordinate_transformation_mode", "cubic_coeff_a", "exclude_outside",
	"nearest_mode", "extrapolation_value", "align_corners", "padding_mode", "onesided", "inverse",
	"periodic", "output_datatype", "ratio", "training_mode", "stash_type", "spatial", "momentum",
	"layout", "clip", "activations", "linear_before_reset", "input_forget", "scales", "sizes",
	"upper", "time_axis", "batch_axis", "saturate", "ignore_index", "classlabels_int64s",
	"n_targets", "nodes_modes", "nodes_featureids", "case_change_action", "stopwords", "pool_int64s",
	"ngram_counts", "ngram_indexes", "max_gram_length", "min_gram_length", "max_skip_count",
}

func randomAttr(rng *rand.Rand, name string) *ir.Attribute {
	a := &ir.Attribute{Name: name}
	smallInt := func() int64 {
		if rng.IntN(20) == 0 {
			return []int64{1 << 40, -1 << 40, 1<<63 - 1, -1 << 63}[rng.IntN(4)]
		}
		return int64(rng.IntN(9) - 3)
	}
	switch rng.IntN(6) {
	case 0:
		a.Type, a.I = ir.AttrInt, smallInt()
	case 1:
		a.Type, a.F = ir.AttrFloat, []float32{0, 1, -1, 0.5, 1e30, float32(rng.NormFloat64())}[rng.IntN(6)]
	case 2:
		a.Type = ir.AttrInts
		for i := rng.IntN(7); i > 0; i-- {
			a.Ints = append(a.Ints, smallInt())
		}
	case 3:
		a.Type = ir.AttrFloats
		for i := rng.IntN(5); i > 0; i-- {
			a.Floats = append(a.Floats, float32(rng.NormFloat64()))
		}
	case 4:
		a.Type = ir.AttrString
		a.S = []byte([]string{"", "SAME_UPPER", "VALID", "linear", "nearest", "constant", "reflect", "forward", "bidirectional", "mean", "sum", "ij,jk->ik", "NOTSET", "cubic", "LOWER"}[rng.IntN(15)])
	case 5:
		a.Type = ir.AttrTensor
		a.T = randomTensor(rng)
	}
	return a
}

func randomTensor(rng *rand.Rand) *tensor.Tensor {
	rank := rng.IntN(5)
	shape := make([]int, rank)
	for i := range shape {
		shape[i] = rng.IntN(4)
	}
	dt := []tensor.DType{tensor.Float32, tensor.Int64, tensor.Int32, tensor.Bool, tensor.Float64, tensor.Uint8, tensor.Float16, tensor.String}[rng.IntN(8)]
	t := tensor.New(dt, shape...)
	switch dt {
	case tensor.Float32:
		for i := range t.Float32s() {
			t.Float32s()[i] = float32(rng.NormFloat64() * 3)
		}
	case tensor.Int64:
		for i := range t.Int64s() {
			t.Int64s()[i] = int64(rng.IntN(9) - 4)
		}
	case tensor.Int32:
		for i := range t.Int32s() {
			t.Int32s()[i] = int32(rng.IntN(9) - 4)
		}
	}
	return t
}

// TestNoOperatorPanics binds every registered operator, at every version
// where its implementation changes, to random nodes — random arity,
// attributes of random kinds and values, random inputs of random dtypes
// and shapes (empty ones included) — and runs it. Errors are fine; a panic
// is a bug.
func TestNoOperatorPanics(t *testing.T) {
	reg := Registry()
	var st stats
	trials := 200
	if testing.Short() {
		trials = 10
	}
	for _, info := range reg.List() {
		for _, since := range info.Sinces {
			if since > info.Max {
				continue
			}
			rng := rand.New(rand.NewPCG(uint64(since), uint64(len(info.Op))))
			for trial := 0; trial < trials; trial++ {
				node := &ir.Node{OpType: info.Op, Domain: info.Domain}
				nin := rng.IntN(5)
				in := make([]*tensor.Tensor, nin)
				consts := make([]*tensor.Tensor, nin)
				for i := range in {
					node.Inputs = append(node.Inputs, fmt.Sprintf("i%d", i))
					if rng.IntN(8) > 0 {
						in[i] = randomTensor(rng)
						if rng.IntN(2) == 0 {
							consts[i] = in[i]
						}
					} else {
						node.Inputs[i] = ""
					}
				}
				for i := rng.IntN(4); i >= 0; i-- {
					node.Outputs = append(node.Outputs, fmt.Sprintf("o%d", i))
				}
				for i := rng.IntN(4); i > 0; i-- {
					node.Attrs = append(node.Attrs, randomAttr(rng, attrPool[rng.IntN(len(attrPool))]))
				}
				check(t, reg, node, since, in, consts, &st)
			}
		}
	}
	t.Logf("%d random nodes: %d bound, %d ran without error", st.tried, st.bound, st.ran)
}

type stats struct{ tried, bound, ran int }

func check(t *testing.T, reg *ops.Registry, node *ir.Node, opset int64, in, consts []*tensor.Tensor, st *stats) {
	t.Helper()
	st.tried++
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s %s opset %d panicked: %v\ninputs: %v\nattrs: %s\n%s",
				node.Domain, node.OpType, opset, r, in, describeAttrs(node.Attrs), debug.Stack())
		}
	}()
	impl, err := reg.Bind(&ops.Node{Node: node, Opset: opset, Consts: consts, InputTypes: make([]*ir.Type, len(in))})
	if err != nil {
		return
	}
	st.bound++
	if impl.Tensor != nil {
		if _, err := impl.Tensor(in); err == nil {
			st.ran++
		}
		return
	}
	vals := make([]ops.Value, len(in))
	for i, x := range in {
		if x != nil {
			vals[i] = x
		}
	}
	if _, err := impl.Value(vals); err == nil {
		st.ran++
	}
}

func describeAttrs(attrs []*ir.Attribute) string {
	s := ""
	for _, a := range attrs {
		switch a.Type {
		case ir.AttrInt:
			s += fmt.Sprintf("%s=%d ", a.Name, a.I)
		case ir.AttrFloat:
			s += fmt.Sprintf("%s=%g ", a.Name, a.F)
		case ir.AttrInts:
			s += fmt.Sprintf("%s=%v ", a.Name, a.Ints)
		case ir.AttrFloats:
			s += fmt.Sprintf("%s=%v ", a.Name, a.Floats)
		case ir.AttrString:
			s += fmt.Sprintf("%s=%q ", a.Name, a.S)
		case ir.AttrTensor:
			s += fmt.Sprintf("%s=%v ", a.Name, a.T)
		}
	}
	return s
}
