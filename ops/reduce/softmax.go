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

func bindSoftmax(n *ops.Node, mode smMode) (ops.Kernel, error) {
	legacy := n.Opset < 13
	def := int64(-1)
	if legacy {
		def = 1
	}
	axis, err := n.Int("axis", def)
	if err != nil {
		return nil, err
	}
	pool := n.Pool
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := needInputs(in, 1); err != nil {
			return nil, err
		}
		x := in[0]
		shape := x.Shape()
		var outer, mid, inner int
		if legacy {
			// Coerce to 2-D [a0*…*a(k-1), ak*…*a(n-1)].
			r := int64(len(shape))
			if axis < -r || axis > r {
				return nil, fmt.Errorf("axis %d out of range for rank %d", axis, r)
			}
			a := axis
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
		} else {
			ax, err := ops.NormAxis(axis, len(shape))
			if err != nil {
				return nil, err
			}
			outer, mid, inner = extents(shape, ax)
		}
		if x.DType() == tensor.Float32 && inner == 1 && mode != smHard {
			return []*tensor.Tensor{softmaxRows32(pool, mode, x, outer, mid)}, nil
		}
		y, err := softmaxTensor(x, mode, outer, mid, inner)
		if err != nil {
			return nil, err
		}
		return []*tensor.Tensor{y}, nil
	}, nil
}

func softmaxTensor(x *tensor.Tensor, mode smMode, outer, mid, inner int) (*tensor.Tensor, error) {
	switch dt := x.DType(); dt {
	case tensor.Float32:
		y := tensor.New(dt, x.Shape()...)
		softmax(mode, x.Float32s(), y.Float32s(), outer, mid, inner)
		return y, nil
	case tensor.Float64:
		y := tensor.New(dt, x.Shape()...)
		softmax(mode, x.Float64s(), y.Float64s(), outer, mid, inner)
		return y, nil
	case tensor.Float16, tensor.BFloat16:
		w := widen(x)
		out := make([]float32, len(w))
		softmax(mode, w, out, outer, mid, inner)
		return narrow(dt, out, x.Shape()), nil
	default:
		return nil, fmt.Errorf("unsupported input type %v", dt)
	}
}

// softmax normalises along the mid extent of in viewed as [outer, mid, inner].
// Each block of mid rows is walked row by row, keeping per-column running
// maxima and sums, so memory is read sequentially even when inner > 1.
func softmax[T ops.Float](mode smMode, in, out []T, outer, mid, inner int) {
	if len(in) == 0 || mid == 0 {
		return
	}
	if mode == smHard {
		idx := make([]int64, inner)
		for o := 0; o < outer; o++ {
			base := o * mid * inner
			argFind(argSpec{max: true, outer: 1, mid: mid, inner: inner}, in[base:base+mid*inner], idx)
			for i, m := range idx {
				out[base+int(m)*inner+i] = 1
			}
		}
		return
	}
	exp := math.Exp
	if _, ok := any(in).([]float32); ok {
		exp = exp32
	}
	mx := make([]float64, inner)
	sum := make([]float64, inner)
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

// softmaxRows32 is the float32 fast path for contiguous rows (the last
// axis, or the legacy 2-D coercion): kernels/elementwise's vectorised
// Softmax or LogSoftmax per row, rows split over pool.
func softmaxRows32(pool *parallel.Pool, mode smMode, x *tensor.Tensor, rows, width int) *tensor.Tensor {
	y := tensor.New(tensor.Float32, x.Shape()...)
	xs, ys := x.Float32s(), y.Float32s()
	if width == 0 || rows == 0 {
		return y
	}
	f := kew.Softmax
	if mode == smLog {
		f = kew.LogSoftmax
	}
	run := func(lo, hi int) {
		for r := lo; r < hi; r++ {
			f(ys[r*width:(r+1)*width], xs[r*width:(r+1)*width])
		}
	}
	per := max(1, (1<<14)/width) // rows per task
	if pool == nil || pool.Threads() == 1 || rows <= per {
		run(0, rows)
		return y
	}
	pool.Run((rows+per-1)/per, func(_, t int) { run(t*per, min((t+1)*per, rows)) })
	return y
}
