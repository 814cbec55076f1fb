package reduce

import (
	"fmt"
	"math"

	kew "github.com/sinter-ml/sinter/kernels/elementwise"
	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

type smMode int

const (
	smSoftmax smMode = iota
	smLog
	smHard
)

func registerSoftmax(r *ops.Registry) {
	for _, op := range []struct {
		name string
		mode smMode
	}{{"Softmax", smSoftmax}, {"LogSoftmax", smLog}, {"Hardmax", smHard}} {
		mode := op.mode
		r.RegisterVersions("", op.name, []int64{1, 11, 13}, func(n *ops.Node) (ops.Kernel, error) {
			return bindSoftmax(n, mode)
		})
	}
}

// softmaxer is a bound Softmax, LogSoftmax or Hardmax node.
type softmaxer struct {
	mode   smMode
	legacy bool // before opset 13: the input is coerced to 2-D at axis
	axis   int64
	pool   *parallel.Pool
}

func bindSoftmax(n *ops.Node, mode smMode) (ops.Kernel, error) {
	s := &softmaxer{mode: mode, legacy: n.Opset < 13, pool: n.Pool}
	def := int64(-1)
	if s.legacy {
		def = 1
	}
	var err error
	if s.axis, err = n.Int("axis", def); err != nil {
		return nil, err
	}
	return n.Plan(&ops.Planned{Infer: s.infer, Run: s.run})
}

// extents views shape as [outer, mid, inner] with mid the extent
// normalised over.
func (s *softmaxer) extents(shape tensor.Shape) (outer, mid, inner int, err error) {
	if !s.legacy {
		ax, err := ops.NormAxis(s.axis, len(shape))
		if err != nil {
			return 0, 0, 0, err
		}
		outer, mid, inner = extents(shape, ax)
		return outer, mid, inner, nil
	}
	// Coerce to 2-D [a0*…*a(k-1), ak*…*a(n-1)].
	r := int64(len(shape))
	if s.axis < -r || s.axis > r {
		return 0, 0, 0, fmt.Errorf("axis %d out of range for rank %d", s.axis, r)
	}
	a := s.axis
	if a < 0 {
		a += r
	}
	outer, mid, inner = 1, 1, 1
	for i, d := range shape {
		if int64(i) < a {
			outer *= d
		} else {
			mid *= d
		}
	}
	return outer, mid, inner, nil
}

func (s *softmaxer) infer(in []*tensor.Tensor, out []ops.OutSpec) error {
	if err := needInputs(in, 1); err != nil {
		return err
	}
	x := in[0]
	if _, _, _, err := s.extents(x.Shape()); err != nil {
		return err
	}
	if !x.DType().IsFloat() {
		return fmt.Errorf("unsupported input type %v", x.DType())
	}
	out[0].DType = x.DType()
	out[0].Shape = append(out[0].Shape[:0], x.Shape()...)
	return nil
}

func (s *softmaxer) run(in, out []*tensor.Tensor) error {
	x, y := in[0], out[0]
	outer, mid, inner, err := s.extents(x.Shape())
	if err != nil {
		return err
	}
	switch x.DType() {
	case tensor.Float32:
		xs, ys := x.Float32s(), y.Float32s()
		if inner == 1 && s.mode != smHard {
			// Contiguous rows (the last axis, or the legacy 2-D
			// coercion): per row kernels/elementwise's vectorised
			// Softmax, or logSoftmaxRow on its vector Max, Exp and Sum;
			// rows split over the pool when there are enough.
			if len(xs) > 0 && mid > 0 {
				runRows(s.pool, softmaxRows, xs, ys, outer, mid, 0, s.mode)
			}
			return nil
		}
		softmax(s.mode, xs, ys, outer, mid, inner)
	case tensor.Float64:
		softmax(s.mode, x.Float64s(), y.Float64s(), outer, mid, inner)
	case tensor.Float16, tensor.BFloat16:
		sc := scratches.Get()
		w := sc.widen(0, x)
		o := sc.half(1, len(w))
		softmax(s.mode, w, o, outer, mid, inner)
		tensor.StoreHalf(y, o)
		scratches.Put(sc)
	default:
		return fmt.Errorf("unsupported input type %v", x.DType())
	}
	return nil
}

// softmaxRows normalises rows [lo, hi) of j.x into j.y.
func softmaxRows(j *rowJob, lo, hi int) {
	f := kew.Softmax
	if j.mode == smLog {
		f = logSoftmaxRow
	}
	w := j.width
	for r := lo; r < hi; r++ {
		f(j.y[r*w:(r+1)*w], j.x[r*w:(r+1)*w])
	}
}

// logSoftmaxRow sets dst = x − m − log(Σ exp(x − m)) with m the maximum of
// the non-empty row x, using dst for the exponentials (so that, unlike
// kernels/elementwise.LogSoftmax, it needs no scratch).
func logSoftmaxRow(dst, x []float32) {
	m := kew.Max(x)
	for i, v := range x {
		dst[i] = v - m
	}
	kew.Exp(dst, dst)
	off := m + float32(math.Log(float64(kew.Sum(dst))))
	for i, v := range x {
		dst[i] = v - off
	}
}

// softmax normalises along the mid extent of in viewed as [outer, mid, inner],
// writing every element of out. Each block of mid rows is walked row by
// row, keeping per-column running maxima and sums, so memory is read
// sequentially even when inner > 1.
func softmax[T ops.Float](mode smMode, in, out []T, outer, mid, inner int) {
	if len(in) == 0 || mid == 0 {
		return
	}
	if mode == smHard {
		hardmax(in, out, outer, mid, inner)
		return
	}
	exp := math.Exp
	if _, ok := any(in).([]float32); ok {
		exp = exp32
	}
	sc := scratches.Get()
	defer scratches.Put(sc)
	sc.f64 = growSlice(sc.f64, 2*inner)
	mx, sum := sc.f64[:inner], sc.f64[inner:]
	for o := 0; o < outer; o++ {
		blk := in[o*mid*inner : (o+1)*mid*inner]
		oblk := out[o*mid*inner : (o+1)*mid*inner]
		for i := range mx {
			mx[i] = math.Inf(-1)
			sum[i] = 0
		}
		for m := 0; m < mid; m++ {
			for i, v := range blk[m*inner : (m+1)*inner] {
				if f := float64(v); f > mx[i] || f != f {
					mx[i] = f
				}
			}
		}
		for i := range mx {
			if math.IsInf(mx[i], -1) {
				mx[i] = 0 // all -inf: avoid -inf - -inf
			}
		}
		if mode == smLog {
			for m := 0; m < mid; m++ {
				for i, v := range blk[m*inner : (m+1)*inner] {
					sum[i] += exp(float64(v) - mx[i])
				}
			}
			for i := range sum {
				sum[i] = mx[i] + math.Log(sum[i])
			}
			for m := 0; m < mid; m++ {
				row := oblk[m*inner : (m+1)*inner]
				for i, v := range blk[m*inner : (m+1)*inner] {
					row[i] = T(float64(v) - sum[i])
				}
			}
			continue
		}
		if inner == 1 {
			// Contiguous row: write e^(x-max), then scale by 1/sum.
			var s float64
			m := mx[0]
			for j, v := range blk {
				e := exp(float64(v) - m)
				s += e
				oblk[j] = T(e)
			}
			r := 1 / s
			for j, v := range oblk {
				oblk[j] = T(float64(v) * r)
			}
			continue
		}
		for m := 0; m < mid; m++ {
			row := oblk[m*inner : (m+1)*inner]
			for i, v := range blk[m*inner : (m+1)*inner] {
				e := exp(float64(v) - mx[i])
				sum[i] += e
				row[i] = T(e)
			}
		}
		for i := range sum {
			sum[i] = 1 / sum[i]
		}
		for m := 0; m < mid; m++ {
			row := oblk[m*inner : (m+1)*inner]
			for i, v := range row {
				row[i] = T(float64(v) * sum[i])
			}
		}
	}
}

// hardmax sets out to 1 at the first maximum of each mid extent of in
// viewed as [outer, mid, inner] (a NaN counts as the maximum) and to 0
// elsewhere.
func hardmax[T ops.Float](in, out []T, outer, mid, inner int) {
	clear(out)
	for o := 0; o < outer; o++ {
		base := o * mid * inner
		for i := 0; i < inner; i++ {
			best := 0
			for m := 1; m < mid; m++ {
				if better(in[base+m*inner+i], in[base+best*inner+i], true, false) {
					best = m
				}
			}
			out[base+best*inner+i] = 1
		}
	}
}
