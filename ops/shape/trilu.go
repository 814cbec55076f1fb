package shape

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func bindTrilu(n *ops.Node) (ops.Kernel, error) {
	upper, err := n.Int("upper", 1)
	if err != nil {
		return nil, fmt.Errorf("Trilu: %w", err)
	}
	read := func(in []*tensor.Tensor) (x *tensor.Tensor, k int64, err error) {
		if x, err = need("Trilu", in, 0); err != nil {
			return nil, 0, err
		}
		if kt := input(in, 1); kt != nil {
			if k, err = intScalar("Trilu", "k", kt); err != nil {
				return nil, 0, err
			}
		}
		if x.Rank() < 2 {
			return nil, 0, fmt.Errorf("Trilu: input must have rank ≥ 2, got %v", x.Shape())
		}
		return x, k, nil
	}
	return n.Plan(&ops.Planned{
		Infer: inferLikeInput(read),
		Run: func(in, out []*tensor.Tensor) error {
			x, k, err := read(in)
			if err != nil {
				return err
			}
			y := out[0]
			copyElems(y, 0, x, 0, x.Len())
			r := x.Rank()
			rows, cols := x.Shape()[r-2], x.Shape()[r-1]
			// Beyond ±(rows+cols) every k gives the same result; clamp so the
			// index arithmetic cannot overflow.
			lim := int64(rows + cols + 1)
			k = min(max(k, -lim), lim)
			mats := prod(x.Shape()[:r-2])
			for b := range mats {
				for i := range rows {
					row := (b*rows + i) * cols
					// Keep j with j-i >= k (upper) or j-i <= k (lower).
					diag := int64(i) + k
					if upper != 0 {
						// zero j < i+k
						z := int(min(max(diag, 0), int64(cols)))
						fillFrom(y, row, z, nil, 0)
					} else {
						// zero j > i+k
						s := int(min(max(diag+1, 0), int64(cols)))
						fillFrom(y, row+s, cols-s, nil, 0)
					}
				}
			}
			return nil
		},
	})
}

func bindReverseSequence(n *ops.Node) (ops.Kernel, error) {
	ta, err := n.Int("time_axis", 0)
	if err != nil {
		return nil, fmt.Errorf("ReverseSequence: %w", err)
	}
	ba, err := n.Int("batch_axis", 1)
	if err != nil {
		return nil, fmt.Errorf("ReverseSequence: %w", err)
	}
	if !(ta == 0 && ba == 1 || ta == 1 && ba == 0) {
		return nil, fmt.Errorf("ReverseSequence: time_axis %d and batch_axis %d must be 0 and 1", ta, ba)
	}
	read := func(in []*tensor.Tensor) (x *tensor.Tensor, lens ints, err error) {
		if x, err = need("ReverseSequence", in, 0); err != nil {
			return nil, lens, err
		}
		lt, err := need("ReverseSequence", in, 1)
		if err != nil {
			return nil, lens, err
		}
		if x.Rank() < 2 {
			return nil, lens, fmt.Errorf("ReverseSequence: input must have rank ≥ 2, got %v", x.Shape())
		}
		if lens, err = intList("ReverseSequence", "sequence_lens", lt); err != nil {
			return nil, lens, err
		}
		s := x.Shape()
		T, B := s[ta], s[ba]
		if lens.Len() != B {
			return nil, lens, fmt.Errorf("ReverseSequence: %d sequence lengths for batch size %d", lens.Len(), B)
		}
		for i := range B {
			if l := lens.At(i); l < 0 || l > int64(T) {
				return nil, lens, fmt.Errorf("ReverseSequence: sequence length %d out of range [0, %d]", l, T)
			}
		}
		return x, lens, nil
	}
	return n.Plan(&ops.Planned{
		Infer: inferLikeInput(read),
		Run: func(in, out []*tensor.Tensor) error {
			x, lens, err := read(in)
			if err != nil {
				return err
			}
			y := out[0]
			s := x.Shape()
			T, B := s[ta], s[ba]
			inner := prod(s[2:])
			for b := range B {
				L := int(lens.At(b))
				for t := range T {
					st := t
					if t < L {
						st = L - 1 - t
					}
					var d, sp int
					if ta == 0 {
						d, sp = (t*B+b)*inner, (st*B+b)*inner
					} else {
						d, sp = (b*T+t)*inner, (b*T+st)*inner
					}
					copyElems(y, d, x, sp, inner)
				}
			}
			return nil
		},
	})
}
