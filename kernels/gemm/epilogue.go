package gemm

import (
	"math"
	"unsafe"

	"github.com/sinter-ml/sinter/internal/cpu"
	"github.com/sinter-ml/sinter/kernels/elementwise"
)

// Activation is a function applied to every output element as it is stored.
type Activation uint8

// Activations. Parameters come from Epilogue.Alpha and Epilogue.Beta. In
// HardSigmoid and HardSwish the product is rounded to float32 before the
// addition (never fused), and HardSwish's 1/6 is float32(1.0/6), so
// HardSwish is x·HardSigmoid(x) with Alpha = float32(1.0/6), Beta = 0.5.
const (
	ActNone        Activation = iota
	ActRelu                   // max(x, 0)
	ActClip                   // min(max(x, Alpha), Beta)
	ActLeakyRelu              // x if x ≥ 0 else Alpha·x
	ActSigmoid                // 1/(1+e^-x)
	ActTanh                   // tanh(x)
	ActGelu                   // x·Φ(x) (erf form)
	ActGeluTanh               // tanh approximation of Gelu
	ActHardSigmoid            // max(0, min(1, Alpha·x + Beta))
	ActHardSwish              // x·max(0, min(1, x·(1/6) + 0.5)); ignores Alpha and Beta
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
	Alpha      float32 // LeakyRelu slope, Clip minimum, HardSigmoid slope
	Beta       float32 // Clip maximum, HardSigmoid offset
}

func (e *Epilogue) empty() bool {
	return e == nil || (e.Bias == nil && e.Residual == nil && e.Act == ActNone)
}

// apply finishes c[0:n], which is row i, columns [j0, j0+n) of the output.
func (e *Epilogue) apply(c []float32, i, j0 int) {
	if e.Bias != nil {
		var mode int
		var bias []float32
		if e.BiasPerRow {
			mode, bias = 2, e.Bias[i:i+1]
		} else {
			mode, bias = 1, e.Bias[j0:j0+len(c)]
		}
		nv := epiVector(c, len(c), 1, len(c), bias, mode, false)
		epiGo(c, len(c), 1, nv, len(c), bias, mode, false)
	}
	if e.Residual != nil {
		res := e.Residual[i*e.LDR+j0 : i*e.LDR+j0+len(c)]
		elementwise.Binary(elementwise.OpAdd, c, c, res)
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

// Activate applies act in place, with alpha and beta as Epilogue.Alpha and
// Epilogue.Beta. Every tier computes the same bits as the Go loops below
// for Relu, Clip, LeakyRelu, HardSigmoid and HardSwish.
func Activate(act Activation, alpha, beta float32, x []float32) {
	switch act {
	case ActNone:
	case ActRelu, ActClip, ActLeakyRelu, ActHardSigmoid, ActHardSwish:
		done := actVector(act, alpha, beta, x)
		activateGo(act, alpha, beta, x[done:])
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

// activateGo is the generic twin of the activation kernels (act one of
// Relu, Clip, LeakyRelu, HardSigmoid, HardSwish). Products are rounded to
// float32 before they are added, so no build fuses them.
func activateGo(act Activation, alpha, beta float32, x []float32) {
	switch act {
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
	case ActHardSigmoid:
		for i, v := range x {
			x[i] = max(0, min(1, float32(alpha*v)+beta))
		}
	case ActHardSwish:
		for i, v := range x {
			x[i] = v * max(0, min(1, float32(v*(1.0/6))+0.5))
		}
	}
}

// Kinds of the activation kernels (their kind argument).
const (
	kindClip        = iota // min(max(x, alpha), beta) as Go computes it, for alpha ≠ +0 and beta ≠ −0, neither NaN
	kindClipZero           // kindClip for alpha = +0
	kindLeaky              // x < 0 ? alpha·x : x
	kindHardSigmoid        // max(0, min(1, alpha·x + beta))
	kindHardSwish          // x·max(0, min(1, alpha·x + beta)), alpha = float32(1/6), beta = 1/2
)

// actKernel is a tier's activation kernel: fn(x, n, kind, alpha, beta)
// applies kind to x[0:n] in place, n a positive multiple of lanes.
type actKernel struct {
	lanes int
	fn    func(x *float32, n, kind int, alpha, beta float32)
}

var actKernels [cpu.NumTiers]actKernel

// actKind returns the kernel kind (and parameters) computing act, or false
// when the kernels cannot match activateGo bit for bit.
func actKind(act Activation, alpha, beta float32) (kind int, a, b float32, ok bool) {
	switch act {
	case ActRelu:
		return kindClipZero, 0, float32(math.Inf(1)), true
	case ActClip:
		// The kernels' max and min return x on a NaN or a tie of zeros
		// (see kindClip); Go's return NaN and order −0 below +0. They agree
		// except for a NaN bound, beta = −0, and alpha = +0, which the
		// kernel fixes by adding +0 after the max.
		switch {
		case alpha != alpha || beta != beta || (beta == 0 && math.Signbit(float64(beta))):
			return 0, 0, 0, false
		case alpha == 0 && !math.Signbit(float64(alpha)):
			return kindClipZero, alpha, beta, true
		}
		return kindClip, alpha, beta, true
	case ActLeakyRelu:
		return kindLeaky, alpha, beta, true
	case ActHardSigmoid:
		return kindHardSigmoid, alpha, beta, true
	case ActHardSwish:
		return kindHardSwish, 1.0 / 6, 0.5, true
	}
	return 0, 0, 0, false
}

// actVector runs the vector part of Activate for the activations of
// activateGo, returning how many leading elements it did.
func actVector(act Activation, alpha, beta float32, x []float32) int {
	k := actKernels[cpu.Current()]
	if k.fn == nil || len(x) < k.lanes {
		return 0
	}
	kind, alpha, beta, ok := actKind(act, alpha, beta)
	if !ok {
		return 0
	}
	n := len(x) - len(x)%k.lanes
	k.fn(unsafe.SliceData(x), n, kind, alpha, beta)
	return n
}

// epiActKernel is a tier's fused bias and activation kernel:
// fn(c, ldc, rows, n, bias, mode, kind, alpha, beta) finishes rows×n of c
// (n a positive multiple of lanes) as epiGo does for the bias (mode 0, 1,
// 2) followed by the activation kind, each element exactly as epiGo and
// activateGo compute it.
type epiActKernel struct {
	lanes int
	fn    func(c *float32, ldc, rows, n int, bias *float32, mode, kind int, alpha, beta float32)
}

var epiActKernels [cpu.NumTiers]epiActKernel

// finishAct finishes rows×n of c (row stride ldc) with a bias (mode 0:
// none, 1: bias[j], 2: bias[i]) and act, one of activateGo's, as
// Epilogue.apply does without a residual: in one pass where a kernel
// applies.
func finishAct(c []float32, ldc, rows, n int, bias []float32, mode int, act Activation, alpha, beta float32) {
	nv := 0
	if k := epiActKernels[cpu.Current()]; k.fn != nil && n >= k.lanes {
		if kind, a, b, ok := actKind(act, alpha, beta); ok {
			nv = n - n%k.lanes
			var bp *float32
			if mode != 0 {
				bp = &bias[0]
			}
			k.fn(&c[0], ldc, rows, nv, bp, mode, kind, a, b)
		}
	}
	if nv == n {
		return
	}
	epiGo(c, ldc, rows, nv, n, bias, mode, false)
	for i := range rows {
		row := c[i*ldc+nv : i*ldc+n]
		if nv == 0 {
			Activate(act, alpha, beta, row)
		} else {
			activateGo(act, alpha, beta, row)
		}
	}
}
