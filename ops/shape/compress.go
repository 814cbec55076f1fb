package shape

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// The operators here have output shapes that depend on the values of
// their (large) inputs, so they have no planned form: a plan could not
// size their outputs before running them.

func bindCompress(n *ops.Node) (ops.Kernel, error) {
	hasAxis := n.Has("axis")
	axis, err := n.Int("axis", 0)
	if err != nil {
		return nil, fmt.Errorf("Compress: %w", err)
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("Compress", in, 0)
		if err != nil {
			return nil, err
		}
		ct, err := need("Compress", in, 1)
		if err != nil {
			return nil, err
		}
		if ct.DType() != tensor.Bool || ct.Rank() != 1 {
			return nil, fmt.Errorf("Compress: condition must be a 1-D bool tensor, got %v", ct)
		}
		cond := ct.Bools()
		src := x
		ax := 0
		if hasAxis {
			if ax, err = ops.NormAxis(axis, x.Rank()); err != nil {
				return nil, fmt.Errorf("Compress: %w", err)
			}
		} else if src, err = x.Reshape(x.Len()); err != nil {
			return nil, fmt.Errorf("Compress: %w", err)
		}
		outer, D, inner := split3(src.Shape(), ax)
		var sel []int
		for i, c := range cond {
			if !c {
				continue
			}
			if i >= D {
				return nil, fmt.Errorf("Compress: condition selects index %d of an axis of size %d", i, D)
			}
			sel = append(sel, i)
		}
		os := src.Shape().Clone()
		os[ax] = len(sel)
		out, err := alloc("Compress", x.DType(), os)
		if err != nil {
			return nil, err
		}
		J := len(sel)
		for o := 0; o < outer; o++ {
			for j, s := range sel {
				copyElems(out, (o*J+j)*inner, src, (o*D+s)*inner, inner)
			}
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func bindNonZero(n *ops.Node) (ops.Kernel, error) {
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("NonZero", in, 0)
		if err != nil {
			return nil, err
		}
		nz, err := nonZeroMask(x)
		if err != nil {
			return nil, fmt.Errorf("NonZero: %w", err)
		}
		shape := x.Shape()
		if len(shape) == 0 {
			shape = tensor.Shape{1}
		}
		var pos []int
		for i, b := range nz {
			if b {
				pos = append(pos, i)
			}
		}
		r, cnt := len(shape), len(pos)
		out := tensor.New(tensor.Int64, r, cnt)
		o := out.Int64s()
		st := ops.Strides(shape)
		for j, p := range pos {
			for a := 0; a < r; a++ {
				o[a*cnt+j] = int64(p / st[a])
				p %= st[a]
			}
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// nonZeroMask reports, per element, whether it is non-zero (a non-empty
// string; for floats, anything but ±0).
func nonZeroMask(x *tensor.Tensor) ([]bool, error) {
	out := make([]bool, x.Len())
	switch x.DType() {
	case tensor.String:
		for i, s := range x.Strings() {
			out[i] = s != ""
		}
	case tensor.Float32:
		for i, v := range x.Float32s() {
			out[i] = v != 0
		}
	case tensor.Float64:
		for i, v := range x.Float64s() {
			out[i] = v != 0
		}
	case tensor.Float16, tensor.BFloat16:
		b := x.Bytes()
		for i := range out {
			out[i] = b[2*i]|b[2*i+1]&0x7f != 0
		}
	default:
		sz := x.DType().Size()
		if sz == 0 {
			return nil, fmt.Errorf("unsupported dtype %v", x.DType())
		}
		b := x.Bytes()
		for i := range out {
			for _, c := range b[i*sz : (i+1)*sz] {
				if c != 0 {
					out[i] = true
					break
				}
			}
		}
	}
	return out, nil
}
