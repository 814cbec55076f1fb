package shape

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// bindCenterCropPad binds CenterCropPad-18: each listed axis (all axes by
// default) is centre-cropped or zero-padded to the size in input shape;
// when the difference is odd the extra element is cropped or padded at
// the end.
func bindCenterCropPad(n *ops.Node) (ops.Kernel, error) {
	axes, err := n.Ints("axes")
	if err != nil {
		return nil, fmt.Errorf("CenterCropPad: %w", err)
	}
	// read returns the data and writes its pads per axis into pb and pe,
	// which have room for its rank.
	read := func(in []*tensor.Tensor, pb, pe []int64) (*tensor.Tensor, error) {
		x, err := need("CenterCropPad", in, 0)
		if err != nil {
			return nil, err
		}
		st, err := need("CenterCropPad", in, 1)
		if err != nil {
			return nil, err
		}
		sizes, err := intList("CenterCropPad", "shape", st)
		if err != nil {
			return nil, err
		}
		r := x.Rank()
		na := len(axes)
		if axes == nil {
			na = r
		}
		if sizes.Len() != na {
			return nil, fmt.Errorf("CenterCropPad: shape has %d entries for %d axes", sizes.Len(), na)
		}
		clear(pb)
		clear(pe)
		var buf [stackRank]int
		norm := buf[:0]
		if axes == nil {
			for a := range r {
				norm = append(norm, a)
			}
		} else if norm, err = normAxes("CenterCropPad: axes", intsOf(axes), r, norm); err != nil {
			return nil, err
		}
		for i, a := range norm {
			size := sizes.At(i)
			if size < 0 || size > tensor.MaxElements {
				return nil, fmt.Errorf("CenterCropPad: invalid size %d", size)
			}
			d := size - int64(x.Shape()[a])
			// Crop (d < 0) or pad (d > 0) by |d|, the smaller half first.
			abs := max(d, -d)
			b, e := abs/2, abs-abs/2
			if d < 0 {
				b, e = -b, -e
			}
			pb[a], pe[a] = b, e
		}
		return x, nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			x, err := need("CenterCropPad", in, 0)
			if err != nil {
				return err
			}
			var bBuf, eBuf [stackRank]int64
			pb, pe := scratch64(bBuf[:], x.Rank()), scratch64(eBuf[:], x.Rank())
			if _, err := read(in, pb, pe); err != nil {
				return err
			}
			out[0].DType = x.DType()
			if out[0].Shape, err = padShape(out[0].Shape[:0], x.Shape(), pb, pe, "constant"); err != nil {
				return fmt.Errorf("CenterCropPad: %w", err)
			}
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			var bBuf, eBuf [stackRank]int64
			x := in[0]
			pb, pe := scratch64(bBuf[:], x.Rank()), scratch64(eBuf[:], x.Rank())
			if _, err := read(in, pb, pe); err != nil {
				return err
			}
			return pad(x, out[0], pb, pe, "constant", padValue{})
		},
	})
}
