package conv

import (
	"fmt"
	"sync"

	"github.com/sinter-ml/sinter/kernels/gemm"
	"github.com/sinter-ml/sinter/kernels/parallel"
)

// TransposeParams describe a 2-D transposed convolution (ONNX ConvTranspose)
// over NCHW tensors: x is N×C×H×W, w is C×(OC/Group)×KH×KW, y is N×OC×OH×OW
// with OH = (H−1)·StrideH − PadT − PadB + DilationH·(KH−1) + 1 + OutPadH.
type TransposeParams struct {
	Params
	OutPadH, OutPadW int
}

// OutH is the output height.
func (p *TransposeParams) OutH() int {
	return (p.H-1)*p.StrideH - p.PadT - p.PadB + p.DilationH*(p.KH-1) + 1 + p.OutPadH
}

// OutW is the output width.
func (p *TransposeParams) OutW() int {
	return (p.W-1)*p.StrideW - p.PadL - p.PadR + p.DilationW*(p.KW-1) + 1 + p.OutPadW
}

var colsPool = sync.Pool{New: func() any { return new([]float32) }}

// ConvTranspose computes y = act(convT(x, w) + bias + residual): per image
// and group, cols = W_gᵀ·X_g (a GEMM), then col2im adds each column into the
// output window it came from.
func ConvTranspose(o Options, p TransposeParams, x, w, bias, y []float32) error {
	p.norm()
	if p.N < 0 || p.C <= 0 || p.H <= 0 || p.W <= 0 || p.OC <= 0 || p.KH <= 0 || p.KW <= 0 ||
		p.Group < 1 || p.C%p.Group != 0 || p.OC%p.Group != 0 || p.OutPadH < 0 || p.OutPadW < 0 ||
		p.PadT < 0 || p.PadL < 0 || p.PadB < 0 || p.PadR < 0 || p.StrideH < 1 || p.StrideW < 1 ||
		p.DilationH < 1 || p.DilationW < 1 {
		return fmt.Errorf("%w: %+v", ErrParams, p)
	}
	oh, ow := p.OutH(), p.OutW()
	if oh <= 0 || ow <= 0 {
		return fmt.Errorf("%w: empty output", ErrParams)
	}
	cg, ocg := p.C/p.Group, p.OC/p.Group
	hw, ohw, kk := p.H*p.W, oh*ow, p.KH*p.KW
	rows := ocg * kk
	switch {
	case len(x) < p.N*p.C*hw, len(w) < p.C*rows, bias != nil && len(bias) < p.OC,
		len(y) < p.N*p.OC*ohw, o.Residual != nil && len(o.Residual) < p.N*p.OC*ohw:
		return fmt.Errorf("%w: a buffer is too short", ErrParams)
	}
	pool := o.Pool
	if pool == nil {
		pool = parallel.Default()
	}
	bufp := colsPool.Get().(*[]float32)
	defer colsPool.Put(bufp)
	if cap(*bufp) < rows*hw {
		*bufp = make([]float32, rows*hw)
	}
	cols := (*bufp)[:rows*hw]
	for n := range p.N {
		for g := range p.Group {
			xg := x[(n*p.C+g*cg)*hw : (n*p.C+(g+1)*cg)*hw]
			wg := w[g*cg*rows : (g+1)*cg*rows]
			gemm.SgemmWith(gemm.Options{Pool: pool}, true, false, rows, hw, cg, 1, wg, rows, xg, hw, 0, cols, hw)
			yoff := (n*p.OC + g*ocg) * ohw
			pool.Run(ocg, func(_, oc int) {
				yc := y[yoff+oc*ohw : yoff+(oc+1)*ohw]
				var b float32
				if bias != nil {
					b = bias[g*ocg+oc]
				}
				for i := range yc {
					yc[i] = b
				}
				for kh := range p.KH {
					for kw := range p.KW {
						col := cols[(oc*kk+kh*p.KW+kw)*hw:][:hw]
						for ih := range p.H {
							oy := ih*p.StrideH - p.PadT + kh*p.DilationH
							if oy < 0 || oy >= oh {
								continue
							}
							yr := yc[oy*ow : (oy+1)*ow]
							cr := col[ih*p.W : (ih+1)*p.W]
							ox := -p.PadL + kw*p.DilationW
							for iw, v := range cr {
								if x := ox + iw*p.StrideW; uint(x) < uint(ow) {
									yr[x] += v
								}
							}
						}
					}
				}
				if o.Residual != nil {
					res := o.Residual[yoff+oc*ohw : yoff+(oc+1)*ohw]
					for i := range yc {
						yc[i] += res[i]
					}
				}
				gemm.Activate(o.Act, o.Alpha, o.Beta, yc)
			})
		}
	}
	return nil
}
