package nn

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func bindDet(n *ops.Node) (ops.Kernel, error) {
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 1 {
			return nil, fmt.Errorf("Det needs input X")
		}
		if err := needFloat("X", in[0]); err != nil {
			return nil, err
		}
		x := in[0]
		xs := x.Shape()
		if len(xs) < 2 || xs[len(xs)-1] != xs[len(xs)-2] {
			return nil, fmt.Errorf("Det: input must be [*, M, M], has shape %v", xs)
		}
		m := xs[len(xs)-1]
		os := append(tensor.Shape{}, xs[:len(xs)-2]...)
		nb := os.NumElements()
		v := asF64(x)
		out := make([]float64, nb)
		a := make([]float64, m*m)
		for b := range out {
			copy(a, v[b*m*m:(b+1)*m*m])
			out[b] = luDet(a, m)
		}
		return []*tensor.Tensor{newFloat(x.DType(), os, out)}, nil
	}, nil
}

// luDet returns the determinant of the m×m matrix a (overwritten) by LU
// decomposition with partial pivoting.
func luDet(a []float64, m int) float64 {
	det := 1.0
	for c := 0; c < m; c++ {
		p := c
		for r := c + 1; r < m; r++ {
			if math.Abs(a[r*m+c]) > math.Abs(a[p*m+c]) {
				p = r
			}
		}
		if a[p*m+c] == 0 {
			return 0
		}
		if p != c {
			for j := 0; j < m; j++ {
				a[p*m+j], a[c*m+j] = a[c*m+j], a[p*m+j]
			}
			det = -det
		}
		piv := a[c*m+c]
		det *= piv
		for r := c + 1; r < m; r++ {
			f := a[r*m+c] / piv
			if f == 0 {
				continue
			}
			for j := c + 1; j < m; j++ {
				a[r*m+j] -= f * a[c*m+j]
			}
		}
	}
	return det
}
