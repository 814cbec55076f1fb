package shape

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func view(op string, x *tensor.Tensor, s tensor.Shape) ([]*tensor.Tensor, error) {
	v, err := x.Reshape(s...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return []*tensor.Tensor{v}, nil
}

// reshapeTarget resolves a Reshape shape request against the input shape.
func reshapeTarget(in tensor.Shape, req []int64, allowZero bool) (tensor.Shape, error) {
	out := make(tensor.Shape, len(req))
	infer := -1
	known := 1
	for i, d := range req {
		switch {
		case d == -1:
			if infer >= 0 {
				return nil, fmt.Errorf("Reshape: more than one -1 in shape %v", req)
			}
			infer = i
			continue
		case d == 0 && !allowZero:
			if i >= len(in) {
				return nil, fmt.Errorf("Reshape: 0 at index %d of shape %v copies a dim the input (%v) lacks", i, req, in)
			}
			out[i] = in[i]
		case d < 0:
			return nil, fmt.Errorf("Reshape: invalid dim %d in shape %v", d, req)
		case d > tensor.MaxElements:
			return nil, fmt.Errorf("Reshape: dim %d too large", d)
		default:
			out[i] = int(d)
		}
		if out[i] != 0 && known > tensor.MaxElements/out[i] {
			return nil, fmt.Errorf("Reshape: shape %v too large", req)
		}
		known *= out[i]
	}
	total := in.NumElements()
	if infer >= 0 {
		if known == 0 || total%known != 0 {
			return nil, fmt.Errorf("Reshape: cannot infer -1 reshaping %v to %v", in, req)
		}
		out[infer] = total / known
	}
	if out.NumElements() != total {
		return nil, fmt.Errorf("Reshape: cannot reshape %v (%d elements) to %v", in, total, out)
	}
	return out, nil
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
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("Reshape", in, 0)
		if err != nil {
			return nil, err
		}
		req := attrShape
		if req == nil {
			st, err := need("Reshape", in, 1)
			if err != nil {
				return nil, err
			}
			if req, err = intList("Reshape", "shape", st); err != nil {
				return nil, err
			}
		}
		s, err := reshapeTarget(x.Shape(), req, allow != 0)
		if err != nil {
			return nil, err
		}
		return view("Reshape", x, s)
	}, nil
}

func bindFlatten(n *ops.Node) (ops.Kernel, error) {
	axis, err := n.Int("axis", 1)
	if err != nil {
		return nil, fmt.Errorf("Flatten: %w", err)
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("Flatten", in, 0)
		if err != nil {
			return nil, err
		}
		r := int64(x.Rank())
		a := axis
		if a < 0 {
			a += r
		}
		if a < 0 || a > r {
			return nil, fmt.Errorf("Flatten: axis %d out of range for rank %d", axis, r)
		}
		s := x.Shape()
		return view("Flatten", x, tensor.Shape{prod(s[:a]), prod(s[a:])})
	}, nil
}

func bindSqueeze(n *ops.Node) (ops.Kernel, error) {
	attrAxes, err := n.Ints("axes")
	if err != nil {
		return nil, fmt.Errorf("Squeeze: %w", err)
	}
	fromInput := n.Opset >= 13
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("Squeeze", in, 0)
		if err != nil {
			return nil, err
		}
		axes := attrAxes
		if fromInput {
			axes = nil
			if t := input(in, 1); t != nil {
				if axes, err = intList("Squeeze", "axes", t); err != nil {
					return nil, err
				}
			}
		}
		s := x.Shape()
		drop := make([]bool, len(s))
		if axes == nil {
			for i, d := range s {
				drop[i] = d == 1
			}
		} else {
			norm, err := normAxes("Squeeze", axes, len(s))
			if err != nil {
				return nil, err
			}
			for _, a := range norm {
				if s[a] != 1 {
					return nil, fmt.Errorf("Squeeze: axis %d of shape %v is not 1", a, s)
				}
				drop[a] = true
			}
		}
		out := tensor.Shape{}
		for i, d := range s {
			if !drop[i] {
				out = append(out, d)
			}
		}
		return view("Squeeze", x, out)
	}, nil
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
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("Unsqueeze", in, 0)
		if err != nil {
			return nil, err
		}
		axes := attrAxes
		if fromInput {
			t, err := need("Unsqueeze", in, 1)
			if err != nil {
				return nil, err
			}
			if axes, err = intList("Unsqueeze", "axes", t); err != nil {
				return nil, err
			}
		}
		r := x.Rank() + len(axes)
		norm, err := normAxes("Unsqueeze", axes, r)
		if err != nil {
			return nil, err
		}
		ins := make([]bool, r)
		for _, a := range norm {
			ins[a] = true
		}
		out := make(tensor.Shape, r)
		j := 0
		for i := range out {
			if ins[i] {
				out[i] = 1
			} else {
				out[i] = x.Shape()[j]
				j++
			}
		}
		return view("Unsqueeze", x, out)
	}, nil
}
