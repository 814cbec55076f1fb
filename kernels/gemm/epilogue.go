package gemm

import "github.com/sinter-ml/sinter/kernels/elementwise"

// Activation is a function applied to every output element as it is stored.
type Activation uint8

// Activations. Parameters come from Epilogue.Alpha and Epilogue.Beta.
const (
	ActNone      Activation = iota
	ActRelu                 // max(x, 0)
	ActClip                 // min(max(x, Alpha), Beta)
	ActLeakyRelu            // x if x ≥ 0 else Alpha·x
	ActSigmoid              // 1/(1+e^-x)
	ActTanh                 // tanh(x)
	ActGelu                 // x·Φ(x) (erf form)
	ActGeluTanh             // tanh approximation of Gelu
)

// Epilogue is applied to each output element once its sum is complete, while
// the tile is still in cache:
//
//	c[i,j] = Act(alpha·op(A)·op(B)[i,j] + beta·c[i,j] + Bias[j or i] + Residual[i·LDR+j])
type Epilogue struct {
	Bias       []float32 // length N (per column), or M when BiasPerRow; nil for none
	BiasPerRow bool
	Residual   []float32 // M×N with row stride LDR; nil for none
	LDR        int
	Act        Activation
	Alpha      float32 // LeakyRelu slope, Clip minimum
	Beta       float32 // Clip maximum
}

func (e *Epilogue) empty() bool {
	return e == nil || (e.Bias == nil && e.Residual == nil && e.Act == ActNone)
}

// apply finishes c[0:n], which is row i, columns [j0, j0+n) of the output.
func (e *Epilogue) apply(c []float32, i, j0 int) {
	if e.Bias != nil {
		if e.BiasPerRow {
			bv := e.Bias[i]
			for j := range c {
				c[j] += bv
			}
		} else {
			bias := e.Bias[j0 : j0+len(c)]
			for j := range c {
				c[j] += bias[j]
			}
		}
	}
	if e.Residual != nil {
		res := e.Residual[i*e.LDR+j0 : i*e.LDR+j0+len(c)]
		for j := range c {
			c[j] += res[j]
		}
	}
	Activate(e.Act, e.Alpha, e.Beta, c)
}

// epiGo finishes columns [j0, n) of rows×n of c (row stride ldc) as apply
// does for a bias (mode 0: none, 1: bias[j], 2: bias[i]) and Relu or no
// activation, in one pass: x = c + bias, then max(x, 0).
func epiGo(c []float32, ldc, rows, j0, n int, bias []float32, mode int, relu bool) {
	for i := range rows {
		row := c[i*ldc+j0 : i*ldc+n]
		switch mode {
		case 1:
			b := bias[j0:n]
			b = b[:len(row)]
			for j, v := range row {
				row[j] = v + b[j]
			}
		case 2:
			bv := bias[i]
			for j, v := range row {
				row[j] = v + bv
			}
		}
		if relu {
			for j, v := range row {
				row[j] = max(v, 0)
			}
		}
	}
}

// Activate applies act in place.
func Activate(act Activation, alpha, beta float32, x []float32) {
	switch act {
	case ActNone:
	case ActRelu:
		for i, v := range x {
			x[i] = max(v, 0)
		}
	case ActClip:
		for i, v := range x {
			x[i] = min(max(v, alpha), beta)
		}
	case ActLeakyRelu:
		for i, v := range x {
			if v < 0 {
				x[i] = alpha * v
			}
		}
	case ActSigmoid:
		elementwise.Sigmoid(x, x)
	case ActTanh:
		elementwise.Tanh(x, x)
	case ActGelu:
		elementwise.Gelu(x, x)
	case ActGeluTanh:
		const s = 0.7978845608028654 // √(2/π)
		var buf [256]float32
		for i := 0; i < len(x); i += len(buf) {
			xs := x[i:min(i+len(buf), len(x))]
			t := buf[:len(xs)]
			for j, v := range xs {
				t[j] = s * (v + 0.044715*v*v*v)
			}
			elementwise.Tanh(t, t)
			for j, v := range xs {
				xs[j] = 0.5 * v * (1 + t[j])
			}
		}
	default:
		panic("gemm: unknown activation")
	}
}
