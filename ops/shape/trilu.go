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
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("Trilu", in, 0)
		if err != nil {
			return nil, err
		}
		var k int64
		if kt := input(in, 1); kt != nil {
			if k, err = intScalar("Trilu", "k", kt); err != nil {
				return nil, err
			}
		}
		r := x.Rank()
		if r < 2 {
			return nil, fmt.Errorf("Trilu: input must have rank ≥ 2, got %v", x.Shape())
		}
		rows, cols := x.Shape()[r-2], x.Shape()[r-1]
		// Beyond ±(rows+cols) every k gives the same result; clamp so the
		// index arithmetic cannot overflow.
		lim := int64(rows + cols + 1)
		k = min(max(k, -lim), lim)
		out := x.Clone()
		m, err := moverOf("Trilu", out)
		if err != nil {
			return nil, err
		}
		mats := prod(x.Shape()[:r-2])
		for b := 0; b < mats; b++ {
			for i := 0; i < rows; i++ {
				row := (b*rows + i) * cols
				// Keep j with j-i >= k (upper) or j-i <= k (lower).
				diag := int64(i) + k
				if upper != 0 {
					// zero j < i+k
					z := min(max(diag, 0), int64(cols))
					m.fill(out, row, int(z), nil)
				} else {
					// zero j > i+k
					s := min(max(diag+1, 0), int64(cols))
					m.fill(out, row+int(s), cols-int(s), nil)
				}
			}
		}
		return []*tensor.Tensor{out}, nil
	}, nil
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
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("ReverseSequence", in, 0)
		if err != nil {
			return nil, err
		}
		lt, err := need("ReverseSequence", in, 1)
		if err != nil {
			return nil, err
		}
		if x.Rank() < 2 {
			return nil, fmt.Errorf("ReverseSequence: input must have rank ≥ 2, got %v", x.Shape())
		}
		lens, err := intList("ReverseSequence", "sequence_lens", lt)
		if err != nil {
			return nil, err
		}
		s := x.Shape()
		T, B := s[ta], s[ba]
		if len(lens) != B {
			return nil, fmt.Errorf("ReverseSequence: %d sequence lengths for batch size %d", len(lens), B)
		}
		for _, l := range lens {
			if l < 0 || l > int64(T) {
				return nil, fmt.Errorf("ReverseSequence: sequence length %d out of range [0, %d]", l, T)
			}
		}
		inner := prod(s[2:])
		out, err := alloc("ReverseSequence", x.DType(), s)
		if err != nil {
			return nil, err
		}
		m, err := moverOf("ReverseSequence", out, x)
		if err != nil {
			return nil, err
		}
		for b := 0; b < B; b++ {
			L := int(lens[b])
			for t := 0; t < T; t++ {
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
				m.copy(out, d, x, sp, inner)
			}
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}
