package shape

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// The operators here only change the shape: their planned form is a view
// of input 0 (Planned.View), so they copy nothing.

// planView binds a view operator: infer appends the output shape for
// input x (in holds all the inputs) to s, the spec's emptied storage, and
// returns it.
//
// The planned executor cannot alias string tensors, so a node whose input
// is known to hold strings gets only the allocating kernel built from the
// same functions. (A string reaching a planned view through a value of
// unknown type makes the planned run fail.)
func planView(n *ops.Node, op string, infer func(x *tensor.Tensor, in []*tensor.Tensor, s tensor.Shape) (tensor.Shape, error)) (ops.Kernel, error) {
	p := &ops.Planned{
		View: true,
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			x, err := need(op, in, 0)
			if err != nil {
				return err
			}
			s, err := infer(x, in, out[0].Shape[:0])
			if err != nil {
				return err
			}
			if s.NumElements() != x.Len() {
				return fmt.Errorf("%s: %w: cannot reshape %v to %v", op, tensor.ErrShape, x.Shape(), s)
			}
			out[0].DType, out[0].Shape = x.DType(), s
			return nil
		},
	}
	if len(n.InputTypes) > 0 && n.InputTypes[0] != nil && n.InputTypes[0].Elem == tensor.String {
		wanted := make([]bool, n.NumOutputs())
		for i := range wanted {
			wanted[i] = n.HasOutput(i)
		}
		return ops.FromPlanned(p, wanted), nil
	}
	return n.Plan(p)
}

// reshapeTarget appends to dst the shape a Reshape request resolves to
// against the input shape.
func reshapeTarget(dst, in tensor.Shape, req ints, allowZero bool) (tensor.Shape, error) {
	infer := -1
	known := 1
	for i := range req.Len() {
		d := req.At(i)
		var v int
		switch {
		case d == -1:
			if infer >= 0 {
				return nil, fmt.Errorf("Reshape: more than one -1 in shape %v", req)
			}
			infer = i
			dst = append(dst, 0)
			continue
		case d == 0 && !allowZero:
			if i >= len(in) {
				return nil, fmt.Errorf("Reshape: 0 at index %d of shape %v copies a dim the input (%v) lacks", i, req, in)
			}
			v = in[i]
		case d < 0:
			return nil, fmt.Errorf("Reshape: invalid dim %d in shape %v", d, req)
		case d > tensor.MaxElements:
			return nil, fmt.Errorf("Reshape: dim %d too large", d)
		default:
			v = int(d)
		}
		if v != 0 && known > tensor.MaxElements/v {
			return nil, fmt.Errorf("Reshape: shape %v too large", req)
		}
		known *= v
		dst = append(dst, v)
	}
	total := in.NumElements()
	if infer >= 0 {
		if known == 0 || total%known != 0 {
			return nil, fmt.Errorf("Reshape: cannot infer -1 reshaping %v to %v", in, req)
		}
		dst[infer] = total / known
	}
	if dst.NumElements() != total {
		return nil, fmt.Errorf("Reshape: cannot reshape %v (%d elements) to %v", in, total, dst)
	}
	return dst, nil
}

func bindReshape(n *ops.Node) (ops.Kernel, error) {
	allow, err := n.Int("allowzero", 0)
	if err != nil {
		return nil, fmt.Errorf("Reshape: %w", err)
	}
	if n.Opset < 14 {
		allow = 0
	}
	var attrShape []int64
	if n.Opset < 5 {
		if attrShape, err = n.Ints("shape"); err != nil {
			return nil, fmt.Errorf("Reshape: %w", err)
		}
		if attrShape == nil {
			return nil, fmt.Errorf("Reshape: shape attribute is required")
		}
	}
	return planView(n, "Reshape", func(x *tensor.Tensor, in []*tensor.Tensor, s tensor.Shape) (tensor.Shape, error) {
		req := intsOf(attrShape)
		if attrShape == nil {
			st, err := need("Reshape", in, 1)
			if err != nil {
				return nil, err
			}
			if req, err = intList("Reshape", "shape", st); err != nil {
				return nil, err
			}
		}
		return reshapeTarget(s, x.Shape(), req, allow != 0)
	})
}

func bindFlatten(n *ops.Node) (ops.Kernel, error) {
	axis, err := n.Int("axis", 1)
	if err != nil {
		return nil, fmt.Errorf("Flatten: %w", err)
	}
	return planView(n, "Flatten", func(x *tensor.Tensor, _ []*tensor.Tensor, s tensor.Shape) (tensor.Shape, error) {
		r := int64(x.Rank())
		a := axis
		if a < 0 {
			a += r
		}
		if a < 0 || a > r {
			return nil, fmt.Errorf("Flatten: axis %d out of range for rank %d", axis, r)
		}
		xs := x.Shape()
		return append(s, prod(xs[:a]), prod(xs[a:])), nil
	})
}

func bindSqueeze(n *ops.Node) (ops.Kernel, error) {
	attrAxes, err := n.Ints("axes")
	if err != nil {
		return nil, fmt.Errorf("Squeeze: %w", err)
	}
	fromInput := n.Opset >= 13
	return planView(n, "Squeeze", func(x *tensor.Tensor, in []*tensor.Tensor, s tensor.Shape) (tensor.Shape, error) {
		axes, all := intsOf(attrAxes), attrAxes == nil
		if fromInput {
			all = true
			if t := input(in, 1); t != nil {
				var err error
				if axes, err = intList("Squeeze", "axes", t); err != nil {
					return nil, err
				}
				all = axes.Len() == 0 // an empty list counts as absent
			}
		}
		xs := x.Shape()
		if all {
			for _, d := range xs {
				if d != 1 {
					s = append(s, d)
				}
			}
			return s, nil
		}
		var buf [stackRank]int
		norm, err := normAxes("Squeeze", axes, len(xs), buf[:0])
		if err != nil {
			return nil, err
		}
		for _, a := range norm {
			if xs[a] != 1 {
				return nil, fmt.Errorf("Squeeze: axis %d of shape %v is not 1", a, xs)
			}
		}
		for i, d := range xs {
			if !hasAxis(norm, i) {
				s = append(s, d)
			}
		}
		return s, nil
	})
}

func bindUnsqueeze(n *ops.Node) (ops.Kernel, error) {
	attrAxes, err := n.Ints("axes")
	if err != nil {
		return nil, fmt.Errorf("Unsqueeze: %w", err)
	}
	fromInput := n.Opset >= 13
	if !fromInput && attrAxes == nil {
		return nil, fmt.Errorf("Unsqueeze: axes attribute is required")
	}
	return planView(n, "Unsqueeze", func(x *tensor.Tensor, in []*tensor.Tensor, s tensor.Shape) (tensor.Shape, error) {
		axes := intsOf(attrAxes)
		if fromInput {
			t, err := need("Unsqueeze", in, 1)
			if err != nil {
				return nil, err
			}
			if axes, err = intList("Unsqueeze", "axes", t); err != nil {
				return nil, err
			}
		}
		r := x.Rank() + axes.Len()
		var buf [stackRank]int
		norm, err := normAxes("Unsqueeze", axes, r, buf[:0])
		if err != nil {
			return nil, err
		}
		j := 0
		for i := range r {
			if hasAxis(norm, i) {
				s = append(s, 1)
			} else {
				s = append(s, x.Shape()[j])
				j++
			}
		}
		return s, nil
	})
}
