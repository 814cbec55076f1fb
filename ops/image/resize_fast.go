package image

import (
	"github.com/sinter-ml/sinter/internal/freelist"
	"github.com/sinter-ml/sinter/tensor"
)

// nearestGrain is roughly how many output elements one task of the
// float32 nearest fast path copies.
const nearestGrain = 1 << 15

// nearestTask resizes whole N·C planes of a float32 NCHW tensor whose two
// spatial axes are resized by nearest-neighbour sampling: the per-axis
// source index tables come from the general path's axis plans, so the
// result is the general path's element for element.
type nearestTask struct {
	src, dst     []float32
	h, w, oh, ow int
	hIdx, wIdx   []int
	hOOB, wOOB   []bool
	anyWOOB      bool
	rep          int // > 0: every input column repeated rep times in order
	fill         float32
	planes       int
}

var nearestTasks freelist.List[nearestTask]

func (t *nearestTask) Range(lo, hi int) {
	for pl := lo; pl < hi; pl++ {
		t.plane(t.src[pl*t.h*t.w:(pl+1)*t.h*t.w], t.dst[pl*t.oh*t.ow:(pl+1)*t.oh*t.ow])
	}
}

func (t *nearestTask) plane(src, dst []float32) {
	ow := t.ow
	for oy := 0; oy < t.oh; oy++ {
		d := dst[oy*ow : (oy+1)*ow]
		if oy > 0 && t.hOOB[oy] == t.hOOB[oy-1] && (t.hOOB[oy] || t.hIdx[oy] == t.hIdx[oy-1]) {
			copy(d, dst[(oy-1)*ow:oy*ow])
			continue
		}
		if t.hOOB[oy] {
			for i := range d {
				d[i] = t.fill
			}
			continue
		}
		s := src[t.hIdx[oy]*t.w : (t.hIdx[oy]+1)*t.w]
		switch {
		case t.rep == 1:
			copy(d, s)
		case t.rep == 2:
			for i, v := range s {
				d[2*i], d[2*i+1] = v, v
			}
		case t.rep > 2:
			r := t.rep
			for i, v := range s {
				e := d[i*r : (i+1)*r]
				for k := range e {
					e[k] = v
				}
			}
		case t.anyWOOB:
			for i, k := range t.wIdx {
				if t.wOOB[i] {
					d[i] = t.fill
				} else {
					d[i] = s[k]
				}
			}
		default:
			for i, k := range t.wIdx {
				d[i] = s[k]
			}
		}
	}
}

// gatherFloat32NCHW is gather's fast path for float32 4-D inputs whose
// two leading axes are unchanged: it fills out and reports true, or
// reports false (having written nothing) when the case does not apply.
func (c *resizeConfig) gatherFloat32NCHW(x, out *tensor.Tensor, plans []*axisPlan) bool {
	if x.DType() != tensor.Float32 || len(plans) != 4 || !plans[0].identity || !plans[1].identity {
		return false
	}
	ph, pw := plans[2], plans[3]
	if ph.taps != 1 || pw.taps != 1 {
		return false
	}
	in := x.Shape()
	os := out.Shape()
	t := nearestTasks.Get()
	*t = nearestTask{
		src: x.Float32s(), dst: out.Float32s(),
		h: in[2], w: in[3], oh: os[2], ow: os[3],
		hIdx: ph.idx, wIdx: pw.idx, hOOB: ph.oob, wOOB: pw.oob,
		anyWOOB: pw.anyOOB,
		rep:     pw.rep,
		fill:    float32(c.extrapolation),
		planes:  in[0] * in[1],
	}
	pool := c.pool
	pool.RunRanges(t.planes, nearestGrain/max(t.oh*t.ow, 1), t)
	*t = nearestTask{}
	nearestTasks.Put(t)
	return true
}

// interpTask resizes whole N·C planes of a float32 NCHW tensor whose two
// spatial axes are interpolated (linear or cubic), with the general
// path's axis plans and exactly its float64 arithmetic: each pass starts
// every output element at zero and adds w·s for the plan's nonzero taps in
// order, the axes are passed in the general path's order, and the result
// is rounded to float32 once at the end.
type interpTask struct {
	src, dst     []float32
	h, w, oh, ow int
	ph, pw       *axisPlan
	hFirst       bool
	fill         float32
	anyOOB       bool
	planes       int
}

var interpTasks freelist.List[interpTask]

// Range resizes planes [lo, hi) with one plane's worth of scratch from the
// pool: Range runs concurrently on the pool's helpers, each with its own.
func (t *interpTask) Range(lo, hi int) {
	n := t.h*t.ow + t.ow
	if t.hFirst {
		n = t.w + t.ow
	}
	sc := getFloat64s(n)
	for pl := lo; pl < hi; pl++ {
		t.plane(t.src[pl*t.h*t.w:(pl+1)*t.h*t.w], t.dst[pl*t.oh*t.ow:(pl+1)*t.oh*t.ow], sc.buf)
	}
	putFloat64s(sc)
}

// accumulate32 and accumulate64 set d to output index j of p sampled from
// rows of src stride apart, as the general interpolate does.
func accumulate32(d []float64, p *axisPlan, j int, src []float32, stride int) {
	for i := range d {
		d[i] = 0
	}
	for k := 0; k < p.taps; k++ {
		w := p.w[j*p.taps+k]
		if w == 0 {
			continue
		}
		s := src[p.idx[j*p.taps+k]*stride:]
		for i := range d {
			d[i] += w * float64(s[i])
		}
	}
}

func accumulate64(d []float64, p *axisPlan, j int, src []float64, stride int) {
	for i := range d {
		d[i] = 0
	}
	for k := 0; k < p.taps; k++ {
		w := p.w[j*p.taps+k]
		if w == 0 {
			continue
		}
		s := src[p.idx[j*p.taps+k]*stride:]
		for i := range d {
			d[i] += w * s[i]
		}
	}
}

// rowW32 and rowW64 interpolate one row along W into d.
func rowW32(d []float64, p *axisPlan, s []float32) {
	T := p.taps
	for j := range d {
		acc := 0.0
		for k := 0; k < T; k++ {
			w := p.w[j*T+k]
			if w == 0 {
				continue
			}
			acc += w * float64(s[p.idx[j*T+k]])
		}
		d[j] = acc
	}
}

func rowW64(d []float64, p *axisPlan, s []float64) {
	T := p.taps
	for j := range d {
		acc := 0.0
		for k := 0; k < T; k++ {
			w := p.w[j*T+k]
			if w == 0 {
				continue
			}
			acc += w * s[p.idx[j*T+k]]
		}
		d[j] = acc
	}
}

func (t *interpTask) plane(src, dst []float32, buf []float64) {
	ow := t.ow
	if t.hFirst {
		tmp, row := buf[:t.w], buf[t.w:t.w+ow]
		for y := 0; y < t.oh; y++ {
			d := dst[y*ow : (y+1)*ow]
			if t.ph.identity {
				s := src[y*t.w : (y+1)*t.w]
				for i, v := range s {
					tmp[i] = float64(v)
				}
			} else {
				accumulate32(tmp, t.ph, y, src, t.w)
			}
			if t.pw.identity {
				for i, v := range tmp {
					d[i] = float32(v)
				}
			} else {
				rowW64(row, t.pw, tmp)
				for i, v := range row {
					d[i] = float32(v)
				}
			}
		}
	} else {
		tmp, row := buf[:t.h*ow], buf[t.h*ow:t.h*ow+ow]
		for y := 0; y < t.h; y++ {
			rowW32(tmp[y*ow:(y+1)*ow], t.pw, src[y*t.w:(y+1)*t.w])
		}
		for y := 0; y < t.oh; y++ {
			d := dst[y*ow : (y+1)*ow]
			if t.ph.identity {
				copy(row, tmp[y*ow:(y+1)*ow])
			} else {
				accumulate64(row, t.ph, y, tmp, ow)
			}
			for i, v := range row {
				d[i] = float32(v)
			}
		}
	}
	if t.anyOOB {
		for y := 0; y < t.oh; y++ {
			d := dst[y*ow : (y+1)*ow]
			for x := range d {
				if t.ph.oob[y] || t.pw.oob[x] {
					d[x] = t.fill
				}
			}
		}
	}
}

// interpolateFloat32NCHW is interpolate's fast path for float32 4-D
// inputs whose two leading axes are unchanged: it fills out (every
// element) and reports true, or reports false (having written nothing)
// when the case does not apply.
func (c *resizeConfig) interpolateFloat32NCHW(x, out *tensor.Tensor, plans []*axisPlan) bool {
	if x.DType() != tensor.Float32 || len(plans) != 4 || !plans[0].identity || !plans[1].identity {
		return false
	}
	in := x.Shape()
	outShape := out.Shape()
	t := interpTasks.Get()
	*t = interpTask{
		src: x.Float32s(), dst: out.Float32s(),
		h: in[2], w: in[3], oh: outShape[2], ow: outShape[3],
		ph: plans[2], pw: plans[3],
		// The general path passes shrinking axes first, then growing ones.
		hFirst: !(outShape[3] <= in[3] && outShape[2] > in[2]),
		fill:   float32(c.extrapolation),
		anyOOB: plans[2].anyOOB || plans[3].anyOOB,
		planes: in[0] * in[1],
	}
	pool := c.pool
	pool.RunRanges(t.planes, nearestGrain/(max(t.oh*t.ow, 1)*4), t)
	*t = interpTask{}
	interpTasks.Put(t)
	return true
}
