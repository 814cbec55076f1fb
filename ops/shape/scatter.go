package shape

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func reductionAttr(op string, n *ops.Node) (string, error) {
	red, err := n.String("reduction", "none")
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	switch red {
	case "none", "add", "mul", "max", "min":
		return red, nil
	}
	return "", fmt.Errorf("%s: unknown reduction %q", op, red)
}

func bindScatterElements(op string) ops.BindFunc {
	return func(n *ops.Node) (ops.Kernel, error) {
		axis, err := n.Int("axis", 0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		red, err := reductionAttr(op, n)
		if err != nil {
			return nil, err
		}
		return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			x, err := need(op, in, 0)
			if err != nil {
				return nil, err
			}
			it, err := need(op, in, 1)
			if err != nil {
				return nil, err
			}
			ut, err := need(op, in, 2)
			if err != nil {
				return nil, err
			}
			if !ut.Shape().Equal(it.Shape()) {
				return nil, fmt.Errorf("%s: updates shape %v differs from indices shape %v", op, ut.Shape(), it.Shape())
			}
			ax, err := ops.NormAxis(axis, x.Rank())
			if err != nil {
				return nil, fmt.Errorf("%s: %w", op, err)
			}
			idx, err := indexValues(op, it)
			if err != nil {
				return nil, err
			}
			dst, err := elementsIndex(op, x.Shape(), it.Shape(), idx, ax)
			if err != nil {
				return nil, err
			}
			out := x.Clone()
			if err := scatterInto(op, out, dst, ut, red); err != nil {
				return nil, err
			}
			return []*tensor.Tensor{out}, nil
		}, nil
	}
}

func bindScatterND(n *ops.Node) (ops.Kernel, error) {
	red, err := reductionAttr("ScatterND", n)
	if err != nil {
		return nil, err
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("ScatterND", in, 0)
		if err != nil {
			return nil, err
		}
		it, err := need("ScatterND", in, 1)
		if err != nil {
			return nil, err
		}
		ut, err := need("ScatterND", in, 2)
		if err != nil {
			return nil, err
		}
		if it.DType() != tensor.Int64 && it.DType() != tensor.Int32 {
			return nil, fmt.Errorf("ScatterND: indices must be int64, got %v", it.DType())
		}
		idx, err := indexValues("ScatterND", it)
		if err != nil {
			return nil, err
		}
		offs, sl, err := ndIndex("ScatterND", x.Shape(), it.Shape(), idx, 0)
		if err != nil {
			return nil, err
		}
		is := it.Shape()
		k := is[len(is)-1]
		want := append(is[:len(is)-1:len(is)-1], x.Shape()[k:]...)
		if !ut.Shape().Equal(want) {
			return nil, fmt.Errorf("ScatterND: updates shape %v, want %v", ut.Shape(), want)
		}
		dst := make([]int, 0, len(offs)*sl)
		for _, off := range offs {
			for j := 0; j < sl; j++ {
				dst = append(dst, off+j)
			}
		}
		out := x.Clone()
		if err := scatterInto("ScatterND", out, dst, ut, red); err != nil {
			return nil, err
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// scatterInto combines upd[i] into out[dst[i]] for each i, in order.
func scatterInto(op string, out *tensor.Tensor, dst []int, upd *tensor.Tensor, red string) error {
	if upd.DType() != out.DType() {
		return fmt.Errorf("%s: updates dtype %v differs from data dtype %v", op, upd.DType(), out.DType())
	}
	if red == "none" {
		m, err := moverOf(op, out, upd)
		if err != nil {
			return err
		}
		m.put(out, dst, upd)
		return nil
	}
	switch out.DType() {
	case tensor.Float32:
		reduceInto(tensor.Data[float32](out), dst, tensor.Data[float32](upd), red)
	case tensor.Float64:
		reduceInto(tensor.Data[float64](out), dst, tensor.Data[float64](upd), red)
	case tensor.Int8:
		reduceInto(tensor.Data[int8](out), dst, tensor.Data[int8](upd), red)
	case tensor.Int16:
		reduceInto(tensor.Data[int16](out), dst, tensor.Data[int16](upd), red)
	case tensor.Int32:
		reduceInto(tensor.Data[int32](out), dst, tensor.Data[int32](upd), red)
	case tensor.Int64:
		reduceInto(tensor.Data[int64](out), dst, tensor.Data[int64](upd), red)
	case tensor.Uint8:
		reduceInto(tensor.Data[uint8](out), dst, tensor.Data[uint8](upd), red)
	case tensor.Uint16:
		reduceInto(tensor.Data[uint16](out), dst, tensor.Data[uint16](upd), red)
	case tensor.Uint32:
		reduceInto(tensor.Data[uint32](out), dst, tensor.Data[uint32](upd), red)
	case tensor.Uint64:
		reduceInto(tensor.Data[uint64](out), dst, tensor.Data[uint64](upd), red)
	case tensor.Float16:
		d, u := tensor.Data[tensor.Float16Bits](out), tensor.Data[tensor.Float16Bits](upd)
		for i, j := range dst {
			d[j] = tensor.ToFloat16(combine(d[j].Float32(), u[i].Float32(), red))
		}
	case tensor.BFloat16:
		d, u := tensor.Data[tensor.BFloat16Bits](out), tensor.Data[tensor.BFloat16Bits](upd)
		for i, j := range dst {
			d[j] = tensor.ToBFloat16(combine(d[j].Float32(), u[i].Float32(), red))
		}
	case tensor.Bool:
		d, u := out.Bools(), upd.Bools()
		for i, j := range dst {
			if red == "add" || red == "max" {
				d[j] = d[j] || u[i]
			} else {
				d[j] = d[j] && u[i]
			}
		}
	default:
		return fmt.Errorf("%s: reduction %q is not defined for %v", op, red, out.DType())
	}
	return nil
}

func reduceInto[T ops.Numeric](d []T, dst []int, u []T, red string) {
	for i, j := range dst {
		d[j] = combine(d[j], u[i], red)
	}
}

func combine[T ops.Numeric](a, b T, red string) T {
	switch red {
	case "add":
		return a + b
	case "mul":
		return a * b
	case "max":
		return max(a, b)
	case "min":
		return min(a, b)
	}
	return b
}
