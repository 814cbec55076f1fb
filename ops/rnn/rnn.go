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
	return s.run, nil
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

func (s *spec) run(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	x, w, r := s.input(in, 0), s.input(in, 1), s.input(in, 2)
	if x == nil || w == nil || r == nil {
		return nil, fmt.Errorf("inputs X, W and R are required")
	}
	dt := x.DType()
	for i, t := range in {
		if i < numInputs && t != nil && i != inSeqLens && t.DType() != dt {
			return nil, fmt.Errorf("input %d is %v, X is %v", i, t.DType(), dt)
		}
	}
	if x.Rank() != 3 || w.Rank() != 3 || r.Rank() != 3 {
		return nil, fmt.Errorf("X, W and R must have rank 3, have %v, %v, %v", x.Shape(), w.Shape(), r.Shape())
	}
	var d dims
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
	G, H := s.cell.gates(), d.hidden
	if !w.Shape().Equal(tensor.Shape{s.dirs, G * H, d.input}) {
		return nil, fmt.Errorf("W has shape %v, want %v", w.Shape(), tensor.Shape{s.dirs, G * H, d.input})
	}
	if !r.Shape().Equal(tensor.Shape{s.dirs, G * H, H}) {
		return nil, fmt.Errorf("R has shape %v, want %v", r.Shape(), tensor.Shape{s.dirs, G * H, H})
	}
	if b := s.input(in, 3); b != nil && !b.Shape().Equal(tensor.Shape{s.dirs, 2 * G * H}) {
		return nil, fmt.Errorf("B has shape %v, want %v", b.Shape(), tensor.Shape{s.dirs, 2 * G * H})
	}
	stateShape := tensor.Shape{s.dirs, d.batch, H}
	if s.layout == 1 {
		stateShape = tensor.Shape{d.batch, s.dirs, H}
	}
	if h := s.input(in, 5); h != nil && !h.Shape().Equal(stateShape) {
		return nil, fmt.Errorf("initial_h has shape %v, want %v", h.Shape(), stateShape)
	}
	if s.cell == cellLSTM {
		if c := s.input(in, 6); c != nil && !c.Shape().Equal(stateShape) {
			return nil, fmt.Errorf("initial_c has shape %v, want %v", c.Shape(), stateShape)
		}
		if p := s.input(in, 7); p != nil && !p.Shape().Equal(tensor.Shape{s.dirs, 3 * H}) {
			return nil, fmt.Errorf("P has shape %v, want %v", p.Shape(), tensor.Shape{s.dirs, 3 * H})
		}
	}
	lens := make([]int, d.batch)
	for i := range lens {
		lens[i] = d.seq
	}
	if sl := s.input(in, 4); sl != nil {
		v, err := ops.Int64s(sl)
		if err != nil {
			return nil, fmt.Errorf("sequence_lens: %w", err)
		}
		if len(v) != d.batch {
			return nil, fmt.Errorf("sequence_lens has %d entries, batch is %d", len(v), d.batch)
		}
		for i, l := range v {
			if l < 0 || l > int64(d.seq) {
				return nil, fmt.Errorf("sequence_lens[%d] = %d out of range [0, %d]", i, l, d.seq)
			}
			lens[i] = int(l)
		}
	}
	yShape := tensor.Shape{d.seq, s.dirs, d.batch, H}
	if s.layout == 1 {
		yShape = tensor.Shape{d.batch, d.seq, s.dirs, H}
	}
	shapes := []tensor.Shape{yShape, stateShape, stateShape}
	switch dt {
	case tensor.Float32:
		outs := compute(s, d, lens, inputsOf[float32](in))
		return pack(s, outs, shapes, func(v []float32, sh tensor.Shape) *tensor.Tensor { return tensor.From(v, sh...) }), nil
	case tensor.Float64:
		outs := compute(s, d, lens, inputsOf[float64](in))
		return pack(s, outs, shapes, func(v []float64, sh tensor.Shape) *tensor.Tensor { return tensor.From(v, sh...) }), nil
	case tensor.Float16, tensor.BFloat16:
		outs := compute(s, d, lens, widenInputs(in))
		return pack(s, outs, shapes, func(v []float32, sh tensor.Shape) *tensor.Tensor { return narrow(dt, v, sh) }), nil
	}
	return nil, fmt.Errorf("unsupported input type %v", dt)
}

// pack wraps the computed outputs, leaving omitted ones nil.
func pack[T any](s *spec, outs [3][]T, shapes []tensor.Shape, mk func([]T, tensor.Shape) *tensor.Tensor) []*tensor.Tensor {
	res := make([]*tensor.Tensor, s.nout)
	for i := range res {
		if i < len(outs) && outs[i] != nil {
			res[i] = mk(outs[i], shapes[i])
		}
	}
	return res
}
