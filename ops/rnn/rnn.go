package rnn

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

type cellKind int

const (
	cellRNN cellKind = iota
	cellGRU
	cellLSTM
)

// gates is the number of gate blocks in W and R.
func (c cellKind) gates() int { return [...]int{1, 3, 4}[c] }

// numActs is the number of activation functions per direction.
func (c cellKind) numActs() int { return [...]int{1, 2, 3}[c] }

func (c cellKind) defaultActs() []string {
	return [...][]string{{"Tanh"}, {"Sigmoid", "Tanh"}, {"Sigmoid", "Tanh", "Tanh"}}[c]
}

// spec is a bound recurrent node's attributes.
type spec struct {
	cell        cellKind
	hidden      int // 0: infer from R
	dirs        int
	reverse     bool // single direction, processed back to front
	acts        [][]act
	clip        float64 // ≤ 0 or +Inf: no clipping
	lbr         bool    // GRU linear_before_reset
	inputForget bool    // LSTM
	layout      int
	nout        int
	want        [3]bool // which of Y, Y_h, Y_c the node uses
}

func bind(n *ops.Node, cell cellKind) (ops.Kernel, error) {
	s := &spec{cell: cell, dirs: 1, nout: n.NumOutputs(), clip: math.Inf(1)}
	hs, err := n.Int("hidden_size", 0)
	if err != nil {
		return nil, err
	}
	if hs < 0 || hs > tensor.MaxElements {
		return nil, fmt.Errorf("hidden_size %d is invalid", hs)
	}
	s.hidden = int(hs)
	for i := range s.want {
		s.want[i] = n.HasOutput(i)
	}
	if s.nout > 3 || (cell != cellLSTM && s.nout > 2) {
		return nil, fmt.Errorf("too many outputs (%d)", s.nout)
	}
	dir, err := n.String("direction", "forward")
	if err != nil {
		return nil, err
	}
	switch dir {
	case "forward":
	case "reverse":
		s.reverse = true
	case "bidirectional":
		s.dirs = 2
	default:
		return nil, fmt.Errorf("unknown direction %q", dir)
	}
	if n.Has("clip") {
		c, err := n.Float("clip", 0)
		if err != nil {
			return nil, err
		}
		if c <= 0 {
			return nil, fmt.Errorf("clip %v must be positive", c)
		}
		s.clip = float64(c)
	}
	if cell == cellGRU && n.Opset >= 3 {
		v, err := n.Int("linear_before_reset", 0)
		if err != nil {
			return nil, err
		}
		s.lbr = v != 0
	}
	if cell == cellLSTM {
		v, err := n.Int("input_forget", 0)
		if err != nil {
			return nil, err
		}
		s.inputForget = v != 0
	}
	if n.Opset >= 14 {
		v, err := n.Int("layout", 0)
		if err != nil {
			return nil, err
		}
		if v != 0 && v != 1 {
			return nil, fmt.Errorf("layout %d must be 0 or 1", v)
		}
		s.layout = int(v)
	}
	names, err := n.Strings("activations")
	if err != nil {
		return nil, err
	}
	alphas, err := n.Floats("activation_alpha")
	if err != nil {
		return nil, err
	}
	betas, err := n.Floats("activation_beta")
	if err != nil {
		return nil, err
	}
	per := cell.numActs()
	if len(names) == 0 {
		for range s.dirs {
			names = append(names, cell.defaultActs()...)
		}
	} else if len(names) == per && s.dirs == 2 {
		names = append(names, names...)
		alphas = append(alphas, alphas...)
		betas = append(betas, betas...)
	}
	if len(names) != per*s.dirs {
		return nil, fmt.Errorf("%d activations given, want %d", len(names), per*s.dirs)
	}
	all, err := parseActs(names, alphas, betas)
	if err != nil {
		return nil, err
	}
	for d := range s.dirs {
		s.acts = append(s.acts, all[d*per:(d+1)*per])
	}
	k := newKernel(n, s)
	return n.Plan(&ops.Planned{Infer: k.infer, Run: k.run})
}

func (s *spec) input(in []*tensor.Tensor, i int) *tensor.Tensor {
	if i < len(in) {
		return in[i]
	}
	return nil
}

// dims are the validated sizes of one run.
type dims struct {
	seq, batch, input, hidden int
}

// check validates a run's inputs as the operator requires and returns its
// sizes. It reads sequence_lens' values but allocates nothing unless it
// fails.
func (s *spec) check(in []*tensor.Tensor) (dims, error) {
	var d dims
	x, w, r := s.input(in, inX), s.input(in, inW), s.input(in, inR)
	if x == nil || w == nil || r == nil {
		return d, fmt.Errorf("inputs X, W and R are required")
	}
	dt := x.DType()
	if !dt.IsFloat() {
		return d, fmt.Errorf("unsupported input type %v", dt)
	}
	for i, t := range in {
		if i < numInputs && t != nil && i != inSeqLens && t.DType() != dt {
			return d, fmt.Errorf("input %d is %v, X is %v", i, t.DType(), dt)
		}
	}
	if x.Rank() != 3 || w.Rank() != 3 || r.Rank() != 3 {
		return d, fmt.Errorf("X, W and R must have rank 3, have %v, %v, %v", x.Shape(), w.Shape(), r.Shape())
	}
	xs := x.Shape()
	if s.layout == 0 {
		d.seq, d.batch = xs[0], xs[1]
	} else {
		d.batch, d.seq = xs[0], xs[1]
	}
	d.input = xs[2]
	d.hidden = s.hidden
	if d.hidden == 0 {
		d.hidden = r.Shape()[2]
	}
	G, H, D := s.cell.gates(), d.hidden, s.dirs
	if ws := w.Shape(); ws[0] != D || ws[1] != G*H || ws[2] != d.input {
		return d, fmt.Errorf("W has shape %v, want %v", ws, tensor.Shape{D, G * H, d.input})
	}
	if rs := r.Shape(); rs[0] != D || rs[1] != G*H || rs[2] != H {
		return d, fmt.Errorf("R has shape %v, want %v", rs, tensor.Shape{D, G * H, H})
	}
	if b := s.input(in, inB); b != nil {
		if bs := b.Shape(); len(bs) != 2 || bs[0] != D || bs[1] != 2*G*H {
			return d, fmt.Errorf("B has shape %v, want %v", bs, tensor.Shape{D, 2 * G * H})
		}
	}
	if h := s.input(in, inH); h != nil && !s.isState(h.Shape(), d) {
		return d, fmt.Errorf("initial_h has shape %v, want %v", h.Shape(), s.stateShape(d))
	}
	if s.cell == cellLSTM {
		if c := s.input(in, inC); c != nil && !s.isState(c.Shape(), d) {
			return d, fmt.Errorf("initial_c has shape %v, want %v", c.Shape(), s.stateShape(d))
		}
		if p := s.input(in, inP); p != nil {
			if ps := p.Shape(); len(ps) != 2 || ps[0] != D || ps[1] != 3*H {
				return d, fmt.Errorf("P has shape %v, want %v", ps, tensor.Shape{D, 3 * H})
			}
		}
	}
	if sl := s.input(in, inSeqLens); sl != nil {
		if sl.Len() != d.batch {
			return d, fmt.Errorf("sequence_lens has %d entries, batch is %d", sl.Len(), d.batch)
		}
		for i := range d.batch {
			l, err := seqLen(sl, i)
			if err != nil {
				return d, err
			}
			if l < 0 || l > int64(d.seq) {
				return d, fmt.Errorf("sequence_lens[%d] = %d out of range [0, %d]", i, l, d.seq)
			}
		}
	}
	return d, nil
}

// seqLen reads entry i of sequence_lens.
func seqLen(sl *tensor.Tensor, i int) (int64, error) {
	switch sl.DType() {
	case tensor.Int32:
		return int64(sl.Int32s()[i]), nil
	case tensor.Int64:
		return sl.Int64s()[i], nil
	}
	return 0, fmt.Errorf("sequence_lens: expected an int32 or int64 tensor, got %v", sl.DType())
}

// lengths fills lens with each batch entry's sequence length (the whole
// sequence when sequence_lens is omitted); check has validated them.
func (s *spec) lengths(in []*tensor.Tensor, d dims, lens []int) {
	sl := s.input(in, inSeqLens)
	for i := range lens {
		lens[i] = d.seq
		if sl != nil {
			l, _ := seqLen(sl, i)
			lens[i] = int(l)
		}
	}
}

// stateShape is the shape of initial_h, initial_c, Y_h and Y_c.
func (s *spec) stateShape(d dims) tensor.Shape {
	if s.layout == 1 {
		return tensor.Shape{d.batch, s.dirs, d.hidden}
	}
	return tensor.Shape{s.dirs, d.batch, d.hidden}
}

// isState reports whether sh is the state shape, without allocating.
func (s *spec) isState(sh tensor.Shape, d dims) bool {
	if len(sh) != 3 || sh[2] != d.hidden {
		return false
	}
	if s.layout == 1 {
		return sh[0] == d.batch && sh[1] == s.dirs
	}
	return sh[0] == s.dirs && sh[1] == d.batch
}

// infer reports Y ([seq, dirs, batch, hidden], or [batch, seq, dirs,
// hidden] with layout 1), Y_h and Y_c (the state shape).
func (k *kernel) infer(in []*tensor.Tensor, out []ops.OutSpec) error {
	s := k.s
	d, err := s.check(in)
	if err != nil {
		return err
	}
	dt := in[inX].DType()
	for i := range out {
		out[i].DType = dt
		switch {
		case i == 0 && s.layout == 0:
			out[i].Shape = append(out[i].Shape[:0], d.seq, s.dirs, d.batch, d.hidden)
		case i == 0:
			out[i].Shape = append(out[i].Shape[:0], d.batch, d.seq, s.dirs, d.hidden)
		case s.layout == 0:
			out[i].Shape = append(out[i].Shape[:0], s.dirs, d.batch, d.hidden)
		default:
			out[i].Shape = append(out[i].Shape[:0], d.batch, s.dirs, d.hidden)
		}
	}
	return nil
}

func (k *kernel) run(in, out []*tensor.Tensor) error {
	s := k.s
	d, err := s.check(in)
	if err != nil {
		return err
	}
	dt := in[inX].DType()
	if dt == tensor.Float32 {
		k.run32(in, out, d)
		return nil
	}
	// Other float types: the float64 reference recurrence.
	lens := make([]int, d.batch)
	s.lengths(in, d, lens)
	switch dt {
	case tensor.Float64:
		res := compute(s, d, lens, inputsOf[float64](in))
		for i, t := range out {
			if t != nil && i < len(res) {
				copy(t.Float64s(), res[i])
			}
		}
	default: // float16, bfloat16
		res := compute(s, d, lens, widenInputs(in))
		for i, t := range out {
			if t != nil && i < len(res) {
				tensor.StoreHalf(t, res[i])
			}
		}
	}
	return nil
}
