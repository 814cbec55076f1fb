package nn

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// bindDeformConv binds DeformConv-19 over 2-D images: a convolution whose
// kernel taps are displaced by learned per-position offsets (sampled
// bilinearly, zero outside the image) and optionally scaled by a mask.
func bindDeformConv(n *ops.Node) (ops.Kernel, error) {
	a, err := parseWindowAttrs(n, "DeformConv", true)
	if err != nil {
		return nil, err
	}
	og64, err := n.Int("offset_group", 1)
	if err != nil {
		return nil, err
	}
	if og64 < 1 || og64 > 1<<30 {
		return nil, fmt.Errorf("DeformConv: offset_group %d must be positive", og64)
	}
	og := int(og64)
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 3 || in[0] == nil || in[1] == nil || in[2] == nil {
			return nil, fmt.Errorf("DeformConv needs inputs X, W and offset")
		}
		x, w, off := in[0], in[1], in[2]
		var b, mask *tensor.Tensor
		if len(in) > 3 {
			b = in[3]
		}
		if len(in) > 4 {
			mask = in[4]
		}
		for i, t := range []*tensor.Tensor{x, w, off, b, mask} {
			if t != nil && !isFloat(t.DType()) {
				return nil, fmt.Errorf("DeformConv: input %d has dtype %v, want float", i, t.DType())
			}
		}
		if x.Rank() != 4 || w.Rank() != 4 {
			return nil, fmt.Errorf("DeformConv: only 2-D images are supported (X %v, W %v)", x.Shape(), w.Shape())
		}
		N, C := x.Shape()[0], x.Shape()[1]
		H, W := x.Shape()[2], x.Shape()[3]
		OC, CG, kH, kW := w.Shape()[0], w.Shape()[1], w.Shape()[2], w.Shape()[3]
		G := a.group
		if C%G != 0 || OC%G != 0 || CG != C/G {
			return nil, fmt.Errorf("DeformConv: W %v does not fit X %v with group %d", w.Shape(), x.Shape(), G)
		}
		if C%og != 0 {
			return nil, fmt.Errorf("DeformConv: %d channels do not divide into offset_group %d", C, og)
		}
		k := a.kernel
		if k == nil {
			k = []int{kH, kW}
		} else if len(k) != 2 || k[0] != kH || k[1] != kW {
			return nil, fmt.Errorf("DeformConv: kernel_shape %v does not match W %v", k, w.Shape())
		}
		g, err := a.forward([]int{H, W}, k)
		if err != nil {
			return nil, err
		}
		oH, oW := g.out[0], g.out[1]
		K := kH * kW
		if want := (tensor.Shape{N, og * 2 * K, oH, oW}); !off.Shape().Equal(want) {
			return nil, fmt.Errorf("DeformConv: offset shape %v, want %v", off.Shape(), want)
		}
		if mask != nil {
			if want := (tensor.Shape{N, og * K, oH, oW}); !mask.Shape().Equal(want) {
				return nil, fmt.Errorf("DeformConv: mask shape %v, want %v", mask.Shape(), want)
			}
		}
		if b != nil && b.Len() != OC {
			return nil, fmt.Errorf("DeformConv: B has %d elements, want %d", b.Len(), OC)
		}
		os, err := spatialShape(N, OC, g.out)
		if err != nil {
			return nil, err
		}
		xv, wv, ov := asF64(x), asF64(w), asF64(off)
		var mv, bv []float64
		if mask != nil {
			mv = asF64(mask)
		}
		if b != nil {
			bv = asF64(b)
		}
		P := oH * oW
		// col[(c·K + tap)·P + p] is the sampled, masked input of channel c
		// under kernel tap at output position p (for one image).
		col := make([]float64, C*K*P)
		y := make([]float64, N*OC*P)
		cpo := C / og
		for ni := 0; ni < N; ni++ {
			img := xv[ni*C*H*W : (ni+1)*C*H*W]
			for c := 0; c < C; c++ {
				grp := c / cpo
				plane := img[c*H*W : (c+1)*H*W]
				for t := 0; t < K; t++ {
					i, j := t/kW, t%kW
					obase := ((ni*og+grp)*2*K + 2*t) * P
					dst := col[(c*K+t)*P : (c*K+t+1)*P]
					for p := 0; p < P; p++ {
						oh, ow := p/oW, p%oW
						h := float64(oh*g.stride[0]-g.padB[0]+i*g.dil[0]) + ov[obase+p]
						ww := float64(ow*g.stride[1]-g.padB[1]+j*g.dil[1]) + ov[obase+P+p]
						v := bilinearZero(plane, H, W, h, ww)
						if mv != nil {
							v *= mv[((ni*og+grp)*K+t)*P+p]
						}
						dst[p] = v
					}
				}
			}
			for oc := 0; oc < OC; oc++ {
				grp := oc / (OC / G)
				out := y[(ni*OC+oc)*P : (ni*OC+oc+1)*P]
				if bv != nil {
					for p := range out {
						out[p] = bv[oc]
					}
				}
				for cl := 0; cl < CG; cl++ {
					c := grp*CG + cl
					for t := 0; t < K; t++ {
						wt := wv[(oc*CG+cl)*K+t]
						if wt == 0 {
							continue
						}
						src := col[(c*K+t)*P : (c*K+t+1)*P]
						for p := range out {
							out[p] += wt * src[p]
						}
					}
				}
			}
		}
		return []*tensor.Tensor{newFloat(x.DType(), os, y)}, nil
	}, nil
}

// bilinearZero samples plane (H×W) at (h, w), treating pixels outside the
// image as zero; points at or beyond one pixel outside give 0.
func bilinearZero(plane []float64, H, W int, h, w float64) float64 {
	if !(h > -1 && h < float64(H) && w > -1 && w < float64(W)) {
		return 0
	}
	h0, w0 := math.Floor(h), math.Floor(w)
	lh, lw := h-h0, w-w0
	y0, x0 := int(h0), int(w0)
	at := func(y, x int) float64 {
		if y < 0 || y >= H || x < 0 || x >= W {
			return 0
		}
		return plane[y*W+x]
	}
	return (1-lh)*(1-lw)*at(y0, x0) + (1-lh)*lw*at(y0, x0+1) +
		lh*(1-lw)*at(y0+1, x0) + lh*lw*at(y0+1, x0+1)
}
