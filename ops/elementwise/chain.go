package elementwise

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// ElementwiseChain (sinter domain, version 1) applies a chain of float32
// elementwise steps to its one input in a single pass over memory: the
// tensor is cut into blocks of chainBlock elements and every step runs over
// a block, while it sits in L1, before the next block is read; within a
// block, each run of cheap steps (Mul(x, k) → Add(·, b) → Relu, say) is
// applied element by element in registers (chain_lanes.go). The compiler's
// fuse-elementwise-chain pass makes it from nodes that would otherwise each
// stream the whole tensor through the caches and load and store every
// element once per step.
//
// Attributes:
//
//	steps    strings, one per step: the step's operator (below)
//	params   floats, two per step: the step's parameters p0, p1
//	swapped  ints, one per step (optional): 1 when a binary step's
//	         constant is its first operand (c − x rather than x − c)
//	rank     int (optional): the output's least rank; the input's shape is
//	         padded with leading 1s up to it, as broadcasting against the
//	         binary steps' constants pads it
//
// Steps, each with the ONNX operator's float32 semantics:
//
//	Abs … Mish (plainUnary), Gelu, GeluTanh   no parameters
//	LeakyRelu, Elu, Celu, ThresholdedRelu     p0 = alpha
//	HardSigmoid                               p0 = alpha, p1 = beta
//	Selu                                      p0 = alpha, p1 = gamma
//	Shrink                                    p0 = lambd, p1 = bias
//	Clip                                      p0 = min, p1 = max (±Inf: open)
//	Add, Sub, Mul, Div, Max, Min              p0 = the constant c
//	Pow                                       x^p0 (never swapped)
//
// Invariant: the result is bit-identical to running the steps as separate
// operators. Runs of cheap steps go through the lane interpreter
// (chain_lanes.go), which computes each element with its operator's exact
// float32 expression. Every other step calls the very kernel its
// operator's float32 path runs (unary32, clip32, powRun32); the result of
// those kernels at element i depends only on x[i] and on whether i lies in
// the tensor's last n mod 16 elements (which the vector kernels leave to
// their Go twins), as long as every call starts at a multiple of 256
// elements and ends at one or at the tensor's end: the operators' pool
// chunks (fastChunk) and the chain's blocks both do. A one-element constant
// gives the same values whether the standalone operator broadcasts it
// (x op c per element) or, for one-element x, computes c op x directly,
// provided it is not NaN (whose payload could then differ), which the
// compiler ensures.
//
// The output may be the input's storage (InPlace): every step reads x[i]
// before writing y[i] and nothing after, and steps after the first work in
// place on the block anyway.

// chainBlock is the number of elements the chain takes through all its
// steps at a time: 4 KiB of float32, which stays in L1 between steps. It
// is a multiple of 256 (see the invariant above) and divides fastChunk, so
// the pool's chunks cut no block.
const chainBlock = 1024

// stepKind says which kernel a chain step calls.
type stepKind uint8

const (
	stepUnary  stepKind = iota // f(y, x)
	stepBinary                 // binScalar(k, y, x, c, swap)
	stepClip                   // clip32(y, x, c, hi)
	stepPow                    // powRun32(y, x, p)
)

// chainStep is one bound step of a chain.
type chainStep struct {
	kind stepKind
	f    func(dst, x []float32)
	k    binKind
	c    float32 // the binary constant, or Clip's lower bound
	hi   float32 // Clip's upper bound
	p    float64 // Pow's exponent
	swap bool    // the constant is the first operand
	u    unaryKind
}

// chain is a bound ElementwiseChain: immutable, shared by concurrent runs.
// Its steps are grouped into segments: each maximal run of lane steps
// (laneOf) becomes one segment the lane interpreter applies per element
// in registers; every other step is a segment of its own, applied by its
// block kernel.
type chain struct {
	segs []chainSeg
	rank int
}

// chainSeg is a run of lane steps (lanes not empty) or one block step.
type chainSeg struct {
	lanes []laneStep
	step  chainStep
}

// chainBinary maps the binary step names to their kinds.
var chainBinary = map[string]binKind{"Add": bAdd, "Sub": bSub, "Mul": bMul, "Div": bDiv, "Max": bMax, "Min": bMin}

// chainUnary returns the unary operator step name computes with
// parameters p0 and p1 (see the step table above).
func chainUnary(name string, p0, p1 float64) (unaryOp, bool) {
	for _, u := range plainUnary {
		if u.op == name {
			return unaryOp{kind: u.kind}, true
		}
	}
	switch name {
	case "Gelu":
		return unaryOp{kind: uGelu}, true
	case "GeluTanh":
		return unaryOp{kind: uGeluTanh}, true
	case "LeakyRelu":
		return unaryOp{kind: uLeakyRelu, alpha: p0}, true
	case "Elu":
		return unaryOp{kind: uElu, alpha: p0}, true
	case "Celu":
		return unaryOp{kind: uCelu, alpha: p0}, p0 != 0
	case "ThresholdedRelu":
		return unaryOp{kind: uThresholdedRelu, alpha: p0}, true
	case "HardSigmoid":
		return unaryOp{kind: uHardSigmoid, alpha: p0, beta: p1}, true
	case "Shrink":
		return unaryOp{kind: uShrink, alpha: p0, beta: p1}, true
	case "Selu":
		return unaryOp{kind: uSelu, alpha: p0, gamma: p1}, true
	}
	return unaryOp{}, false
}

// parseChain reads and checks an ElementwiseChain node's attributes.
func parseChain(n *ops.Node) (*chain, error) {
	names, err := n.Strings("steps")
	if err != nil {
		return nil, err
	}
	params, err := n.Floats("params")
	if err != nil {
		return nil, err
	}
	swapped, err := n.Ints("swapped")
	if err != nil {
		return nil, err
	}
	rank, err := n.Int("rank", 0)
	if err != nil {
		return nil, err
	}
	switch {
	case len(names) == 0:
		return nil, fmt.Errorf("no steps")
	case len(params) != 2*len(names):
		return nil, fmt.Errorf("%d params for %d steps, want two per step", len(params), len(names))
	case swapped != nil && len(swapped) != len(names):
		return nil, fmt.Errorf("%d swapped flags for %d steps", len(swapped), len(names))
	case rank < 0 || rank > 64:
		return nil, fmt.Errorf("rank %d out of range", rank)
	}
	c := &chain{rank: int(rank)}
	for i, name := range names {
		p0, p1 := params[2*i], params[2*i+1]
		s := chainStep{swap: swapped != nil && swapped[i] != 0}
		if k, ok := chainBinary[name]; ok {
			s.kind, s.k, s.c = stepBinary, k, p0
		} else if s.swap {
			return nil, fmt.Errorf("step %d (%s) takes no swapped operand", i, name)
		} else {
			switch name {
			case "Clip":
				s.kind, s.c, s.hi = stepClip, p0, p1
			case "Pow":
				s.kind, s.p = stepPow, float64(p0)
			default:
				op, ok := chainUnary(name, float64(p0), float64(p1))
				if !ok {
					return nil, fmt.Errorf("step %d: unknown or invalid step %q", i, name)
				}
				s.kind, s.f, s.u = stepUnary, unary32(op), op.kind
			}
		}
		l, ok := laneOf(s)
		switch n := len(c.segs); {
		case !ok:
			c.segs = append(c.segs, chainSeg{step: s})
		case n > 0 && len(c.segs[n-1].lanes) > 0:
			c.segs[n-1].lanes = append(c.segs[n-1].lanes, l)
		default:
			c.segs = append(c.segs, chainSeg{lanes: []laneStep{l}})
		}
	}
	return c, nil
}

func bindChain(n *ops.Node) (ops.Kernel, error) {
	c, err := parseChain(n)
	if err != nil {
		return nil, fmt.Errorf("ElementwiseChain: %w", err)
	}
	pool := n.Pool
	return n.Plan(&ops.Planned{
		InPlace: 1 << 0,
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if err := need(in, 1); err != nil {
				return err
			}
			x := in[0]
			if x.DType() != tensor.Float32 {
				return fmt.Errorf("ElementwiseChain: input type %v is not float32", x.DType())
			}
			s := out[0].Shape[:0]
			for range c.rank - x.Rank() {
				s = append(s, 1)
			}
			out[0].Shape = append(s, x.Shape()...)
			out[0].DType = tensor.Float32
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			w := newWork(chainWork)
			w.ch, w.o, w.a = c, out[0].Float32s(), in[0].Float32s()
			w.run(pool, len(w.o))
			return nil
		},
	})
}

// chainWork runs w.ch over the elements [lo, hi) of w.a into w.o, block by
// block; lo is a multiple of fastChunk, so blocks start at multiples of
// chainBlock whatever the split.
func chainWork(w *work, lo, hi int) {
	for b := lo; b < hi; b += chainBlock {
		e := min(b+chainBlock, hi)
		w.ch.apply(w.o[b:e], w.a[b:e])
	}
}

// apply runs every segment over one block: x into y, then y in place.
func (c *chain) apply(y, x []float32) {
	for i := range c.segs {
		sg := &c.segs[i]
		if len(sg.lanes) > 0 {
			runLanes(y, x, sg.lanes)
			x = y
			continue
		}
		switch s := &sg.step; s.kind {
		case stepUnary:
			s.f(y, x)
		case stepBinary:
			binScalar(s.k, y, x, s.c, s.swap)
		case stepClip:
			clip32(y, x, s.c, s.hi)
		case stepPow:
			powRun32(y, x, s.p)
		}
		x = y
	}
}
