package rnn

import (
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// Input positions.
const (
	inX = iota
	inW
	inR
	inB
	inSeqLens
	inH
	inC
	inP
	numInputs
)

// inputsOf returns the float storage of each present input (nil for absent
// ones and for sequence_lens).
func inputsOf[T float32 | float64](in []*tensor.Tensor) [numInputs][]T {
	var out [numInputs][]T
	for i := range out {
		if i < len(in) && in[i] != nil && i != inSeqLens {
			out[i] = tensor.Data[T](in[i])
		}
	}
	return out
}

// widenInputs decodes half-precision inputs to float32.
func widenInputs(in []*tensor.Tensor) [numInputs][]float32 {
	var out [numInputs][]float32
	for i := range out {
		if i < len(in) && in[i] != nil && i != inSeqLens {
			out[i] = widen(in[i])
		}
	}
	return out
}

func widen(t *tensor.Tensor) []float32 {
	out := make([]float32, t.Len())
	switch t.DType() {
	case tensor.Float16:
		for i, v := range tensor.Data[tensor.Float16Bits](t) {
			out[i] = v.Float32()
		}
	case tensor.BFloat16:
		for i, v := range tensor.Data[tensor.BFloat16Bits](t) {
			out[i] = v.Float32()
		}
	}
	return out
}

func dot[T ops.Float](a, b []T) float64 {
	var s float64
	b = b[:len(a)]
	for i, v := range a {
		s += float64(v) * float64(b[i])
	}
	return s
}

// compute runs every direction of the recurrence in float64 and returns
// Y, Y_h and Y_c (nil where not wanted): the path of float64 and
// half-precision inputs, and the reference the float32 path is tested
// against.
//
// Batch entries are independent, so each is run through its own sequence
// length in turn; the input projection X·Wᵀ of all time steps is computed up
// front, leaving only the recurrent product in the sequential loop.
func compute[T ops.Float](s *spec, d dims, lens []int, in [numInputs][]T) [3][]T {
	S, B, I, H := d.seq, d.batch, d.input, d.hidden
	G := s.cell.gates()
	GH := G * H
	D := s.dirs
	var y, yh, yc []T
	if s.want[0] {
		y = make([]T, S*D*B*H)
	}
	yh = make([]T, D*B*H)
	if s.cell == cellLSTM {
		yc = make([]T, D*B*H)
	}
	xw := make([]float64, S*GH)
	a := make([]float64, GH)
	h := make([]float64, H)
	c := make([]float64, H)
	hn := make([]float64, H)
	rh := make([]float64, H)
	bias := make([]float64, 2*GH)
	peep := make([]float64, 3*H)
	clip := func(v float64) float64 {
		if v > s.clip {
			return s.clip
		}
		if v < -s.clip {
			return -s.clip
		}
		return v
	}
	// Offsets of (t, b) in X and Y, and of b's state, for the layout.
	xOff := func(t, b int) int {
		if s.layout == 0 {
			return (t*B + b) * I
		}
		return (b*S + t) * I
	}
	stOff := func(dir, b int) int {
		if s.layout == 0 {
			return (dir*B + b) * H
		}
		return (b*D + dir) * H
	}
	yOff := func(t, dir, b int) int {
		if s.layout == 0 {
			return ((t*D+dir)*B + b) * H
		}
		return ((b*S+t)*D + dir) * H
	}
	for dir := 0; dir < D; dir++ {
		W := in[inW][dir*GH*I : (dir+1)*GH*I]
		R := in[inR][dir*GH*H : (dir+1)*GH*H]
		for i := range bias {
			bias[i] = 0
		}
		if in[inB] != nil {
			for i, v := range in[inB][dir*2*GH : (dir+1)*2*GH] {
				bias[i] = float64(v)
			}
		}
		for i := range peep {
			peep[i] = 0
		}
		if s.cell == cellLSTM && in[inP] != nil {
			for i, v := range in[inP][dir*3*H : (dir+1)*3*H] {
				peep[i] = float64(v)
			}
		}
		f := s.acts[dir]
		reverse := s.reverse || dir == 1
		for b := 0; b < B; b++ {
			n := lens[b]
			// Input projection for this batch entry's steps.
			for t := 0; t < n; t++ {
				x := in[inX][xOff(t, b) : xOff(t, b)+I]
				row := xw[t*GH : (t+1)*GH]
				for j := range row {
					row[j] = dot(x, W[j*I:(j+1)*I])
				}
			}
			so := stOff(dir, b)
			for i := range h {
				h[i], c[i] = 0, 0
			}
			if in[inH] != nil {
				for i, v := range in[inH][so : so+H] {
					h[i] = float64(v)
				}
			}
			if s.cell == cellLSTM && in[inC] != nil {
				for i, v := range in[inC][so : so+H] {
					c[i] = float64(v)
				}
			}
			for step := 0; step < n; step++ {
				t := step
				if reverse {
					t = n - 1 - step
				}
				xr := xw[t*GH : (t+1)*GH]
				switch s.cell {
				case cellRNN:
					for j := 0; j < H; j++ {
						v := xr[j] + bias[j] + bias[GH+j] + dotF(h, R[j*H:(j+1)*H])
						hn[j] = f[0].apply(clip(v))
					}
				case cellGRU:
					// z and r gates.
					for j := 0; j < 2*H; j++ {
						a[j] = f[0].apply(clip(xr[j] + bias[j] + bias[GH+j] + dotF(h, R[j*H:(j+1)*H])))
					}
					z, r := a[:H], a[H:2*H]
					if !s.lbr {
						for k := range rh {
							rh[k] = r[k] * h[k]
						}
					}
					for j := 0; j < H; j++ {
						Rh := R[(2*H+j)*H : (2*H+j+1)*H]
						var v float64
						if s.lbr {
							v = xr[2*H+j] + bias[2*H+j] + r[j]*(dotF(h, Rh)+bias[GH+2*H+j])
						} else {
							v = xr[2*H+j] + bias[2*H+j] + bias[GH+2*H+j] + dotF(rh, Rh)
						}
						g := f[1].apply(clip(v))
						hn[j] = (1-z[j])*g + z[j]*h[j]
					}
				case cellLSTM:
					for j := 0; j < GH; j++ {
						a[j] = xr[j] + bias[j] + bias[GH+j] + dotF(h, R[j*H:(j+1)*H])
					}
					for j := 0; j < H; j++ {
						ig := f[0].apply(clip(a[j] + peep[j]*c[j]))
						var fg float64
						if s.inputForget {
							fg = 1 - ig
						} else {
							fg = f[0].apply(clip(a[2*H+j] + peep[2*H+j]*c[j]))
						}
						cg := f[1].apply(clip(a[3*H+j]))
						cn := fg*c[j] + ig*cg
						og := f[0].apply(clip(a[H+j] + peep[H+j]*cn))
						c[j] = cn
						hn[j] = og * f[2].apply(cn)
					}
				}
				copy(h, hn)
				if y != nil {
					yo := yOff(t, dir, b)
					for i, v := range h {
						y[yo+i] = T(v)
					}
				}
			}
			for i := 0; i < H; i++ {
				yh[so+i] = T(h[i])
				if yc != nil {
					yc[so+i] = T(c[i])
				}
			}
		}
	}
	var out [3][]T
	out[0] = y
	if s.want[1] {
		out[1] = yh
	}
	if s.want[2] {
		out[2] = yc
	}
	return out
}

// dotF is the dot product of a float64 state with a weight row.
func dotF[T ops.Float](h []float64, w []T) float64 {
	var s float64
	w = w[:len(h)]
	for i, v := range h {
		s += v * float64(w[i])
	}
	return s
}
