package nn

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func bindDet(n *ops.Node) (ops.Kernel, error) {
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if len(in) < 1 {
				return fmt.Errorf("Det needs input X")
			}
			if err := needFloat("X", in[0]); err != nil {
				return err
			}
			xs := in[0].Shape()
			if len(xs) < 2 || xs[len(xs)-1] != xs[len(xs)-2] {
				return fmt.Errorf("Det: input must be [*, M, M], has shape %v", xs)
			}
			out[0].DType, out[0].Shape = in[0].DType(), append(out[0].Shape[:0], xs[:len(xs)-2]...)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			x, y := in[0], out[0]
			m := x.Shape()[x.Rank()-1]
			s := floatScratches.Get()
			a := s.float64s(m * m)
			for b := range y.Len() {
				loadMatrix(a, x, b*m*m)
				storeFloat(y, b, luDet(a, m))
			}
			floatScratches.Put(s)
			return nil
		},
	})
}

// loadMatrix sets a to the len(a) elements of the floating-point tensor t
// from off on, as float64.
func loadMatrix(a []float64, t *tensor.Tensor, off int) {
	switch t.DType() {
	case tensor.Float64:
		copy(a, t.Float64s()[off:])
	case tensor.Float32:
		for i, v := range t.Float32s()[off : off+len(a)] {
			a[i] = float64(v)
		}
	case tensor.Float16:
		for i, v := range tensor.Data[tensor.Float16Bits](t)[off : off+len(a)] {
			a[i] = float64(v.Float32())
		}
	case tensor.BFloat16:
		for i, v := range tensor.Data[tensor.BFloat16Bits](t)[off : off+len(a)] {
			a[i] = float64(v.Float32())
		}
	}
}

// storeFloat sets element i of the floating-point tensor t to v, rounded
// to t's dtype (through float32 for the half types).
func storeFloat(t *tensor.Tensor, i int, v float64) {
	switch t.DType() {
	case tensor.Float64:
		t.Float64s()[i] = v
	case tensor.Float32:
		t.Float32s()[i] = float32(v)
	case tensor.Float16:
		tensor.Data[tensor.Float16Bits](t)[i] = tensor.ToFloat16(float32(v))
	case tensor.BFloat16:
		tensor.Data[tensor.BFloat16Bits](t)[i] = tensor.ToBFloat16(float32(v))
	}
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
