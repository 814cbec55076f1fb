package compiler

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/sinter-ml/sinter/internal/freelist"
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// Program is a compiled graph. It is immutable and safe for concurrent Run
// calls: every run gets its own frame of value slots.
type Program struct {
	name    string
	nslots  int
	inputs  []Input
	outputs []Output
	consts  []constSlot
	steps   []step
	// hiddenSlots[i] receives the i-th hidden (captured outer) value.
	hiddenSlots []int
	// passes records what each optimisation pass changed (nil: not optimised).
	passes []PassStat
	// shapes are the compiled main graph's inferred value shapes.
	shapes Shapes

	// planning: runs go through memory plans (an optimised main graph).
	planning bool
	// valueOutputs is set once a run finds a graph output that is not a
	// tensor: Run then skips the planned executor.
	valueOutputs atomic.Bool
	plans        planCache
	// uframes holds runUnplanned's frames between runs.
	uframes freelist.List[uframe]
	// outIndex[s] is the index of the graph output held in slot s, or -1.
	outIndex []int
}

// Passes reports the optimisation passes run and how many changes each
// made; nil when the program was compiled without optimisation.
func (p *Program) Passes() []PassStat { return p.passes }

// Input is a graph input. Default is its initializer when the graph gives
// one (the caller may then omit it).
type Input struct {
	Info    *ir.ValueInfo
	Default *tensor.Tensor
	slot    int
}

// Output is a graph output.
type Output struct {
	Info *ir.ValueInfo
	slot int
}

type constSlot struct {
	slot  int
	value ops.Value
}

// step is one bound node: in and out are slot numbers (-1: omitted), and
// release lists slots whose last reader is this step, cleared after it so
// dead intermediates can be collected.
type step struct {
	node    *ir.Node
	label   string
	impl    ops.Impl
	in, out []int
	release []int
}

// Inputs returns the graph's inputs in order (including those with defaults).
func (p *Program) Inputs() []Input { return p.inputs }

// Outputs returns the graph's outputs in order.
func (p *Program) Outputs() []Output { return p.outputs }

// StepOps counts the compiled steps by operator ("FusedConv", or
// "domain.Op" outside the default domain), so tools can show what fusion
// produced.
func (p *Program) StepOps() map[string]int {
	m := map[string]int{}
	for _, st := range p.steps {
		name := st.node.OpType
		if st.node.Domain != "" {
			name = st.node.Domain + "." + name
		}
		m[name]++
	}
	return m
}

// NumSteps is the number of kernel calls one run makes.
func (p *Program) NumSteps() int { return len(p.steps) }

// InputNames implements ops.Subgraph.
func (p *Program) InputNames() []string {
	names := make([]string, len(p.inputs))
	for i, in := range p.inputs {
		names[i] = in.Info.Name
	}
	return names
}

// OutputNames implements ops.Subgraph.
func (p *Program) OutputNames() []string {
	names := make([]string, len(p.outputs))
	for i, o := range p.outputs {
		names[i] = o.Info.Name
	}
	return names
}

// planLifetimes fills each step's release list. Graph outputs, inputs,
// constants and hidden values are never released.
func (p *Program) planLifetimes() {
	keep := make([]bool, p.nslots)
	for _, o := range p.outputs {
		keep[o.slot] = true
	}
	last := make([]int, p.nslots)
	for i := range last {
		last[i] = -1
	}
	for i, st := range p.steps {
		for _, s := range st.in {
			if s >= 0 {
				last[s] = i
			}
		}
		for _, s := range st.out {
			if s >= 0 && last[s] < i {
				last[s] = i // written but never read: release right away
			}
		}
	}
	for _, in := range p.inputs {
		keep[in.slot] = true
	}
	for _, c := range p.consts {
		keep[c.slot] = true
	}
	for _, s := range p.hiddenSlots {
		keep[s] = true
	}
	for s, i := range last {
		if i >= 0 && !keep[s] {
			p.steps[i].release = append(p.steps[i].release, s)
		}
	}
}

// Run executes the program (and implements ops.Subgraph). inputs binds the
// graph inputs in order; a nil entry (or a short slice) takes the input's
// default, if it has one. hidden binds the captured outer values of a
// subgraph and is nil for a main graph. Outputs never alias the program's
// constants.
func (p *Program) Run(inputs, hidden []ops.Value) ([]ops.Value, error) {
	if p.planning && !p.valueOutputs.Load() && len(hidden) == 0 && len(inputs) <= len(p.inputs) {
		if res, err, ok := p.runPlanned(inputs); ok {
			return res, err
		}
	}
	return p.runUnplanned(inputs, hidden)
}

// runPlanned serves Run through the planned executor when every input is a
// tensor; ok is false when it cannot (then nothing was run, or a graph
// output turned out not to be a tensor and Run must start over unplanned).
func (p *Program) runPlanned(inputs []ops.Value) (res []ops.Value, err error, ok bool) {
	ts := make([]*tensor.Tensor, len(inputs))
	for i, v := range inputs {
		switch x := v.(type) {
		case *tensor.Tensor:
			ts[i] = x
		case nil:
		default:
			return nil, nil, false
		}
	}
	dst := make([]*tensor.Tensor, len(p.outputs))
	if err := p.RunInto(ts, dst); err != nil {
		if errors.Is(err, ErrValueOutput) {
			p.valueOutputs.Store(true)
			return nil, nil, false
		}
		return nil, err, true
	}
	res = make([]ops.Value, len(dst))
	for i, t := range dst {
		res[i] = t
	}
	return res, nil, true
}

func (p *Program) runUnplanned(inputs, hidden []ops.Value) ([]ops.Value, error) {
	if len(inputs) > len(p.inputs) {
		return nil, fmt.Errorf("graph %q takes %d inputs, got %d", p.name, len(p.inputs), len(inputs))
	}
	if len(hidden) < len(p.hiddenSlots) {
		return nil, fmt.Errorf("graph %q needs %d captured values, got %d", p.name, len(p.hiddenSlots), len(hidden))
	}
	uf := p.uframes.Get()
	defer p.putUFrame(uf)
	if len(uf.vals) != p.nslots {
		uf.vals = make([]ops.Value, p.nslots)
	}
	frame := uf.vals
	for i, s := range p.hiddenSlots {
		frame[s] = hidden[i]
	}
	for _, c := range p.consts {
		frame[c.slot] = c.value
	}
	for i, in := range p.inputs {
		var v ops.Value
		if i < len(inputs) {
			v = inputs[i]
		}
		if isNil(v) {
			if in.Default == nil {
				return nil, fmt.Errorf("graph %q: input %q is required", p.name, in.Info.Name)
			}
			continue
		}
		if err := checkInput(in.Info, v); err != nil {
			return nil, fmt.Errorf("graph %q: input %q: %w", p.name, in.Info.Name, err)
		}
		frame[in.slot] = v
	}

	for si := range p.steps {
		st := &p.steps[si]
		if st.impl.Tensor != nil {
			targs := uf.targs[:0]
			for k, s := range st.in {
				if s < 0 {
					targs = append(targs, nil)
					continue
				}
				switch v := frame[s].(type) {
				case *tensor.Tensor:
					targs = append(targs, v)
				case nil:
					targs = append(targs, nil)
				default:
					return nil, fmt.Errorf("%s: input %d is a %s, want a tensor", st.label, k, kindOf(v))
				}
			}
			uf.targs = targs
			res, err := st.impl.Tensor(targs)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", st.label, err)
			}
			if len(res) < len(st.out) {
				return nil, fmt.Errorf("%s: kernel returned %d outputs, node declares %d", st.label, len(res), len(st.out))
			}
			for i, s := range st.out {
				if s < 0 {
					continue
				}
				if res[i] == nil {
					return nil, fmt.Errorf("%s: kernel did not produce output %d (%q)", st.label, i, st.node.Outputs[i])
				}
				frame[s] = res[i]
			}
		} else {
			if cap(uf.vargs) < len(st.in) {
				uf.vargs = make([]ops.Value, len(st.in))
			}
			vargs := uf.vargs[:len(st.in)]
			for k, s := range st.in {
				vargs[k] = nil
				if s >= 0 {
					vargs[k] = frame[s]
				}
			}
			outs, err := st.impl.Value(vargs)
			clear(vargs)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", st.label, err)
			}
			if len(outs) < len(st.out) {
				return nil, fmt.Errorf("%s: kernel returned %d outputs, node declares %d", st.label, len(outs), len(st.out))
			}
			for i, s := range st.out {
				if s < 0 {
					continue
				}
				if isNil(outs[i]) {
					return nil, fmt.Errorf("%s: kernel did not produce output %d (%q)", st.label, i, st.node.Outputs[i])
				}
				frame[s] = outs[i]
			}
		}
		for _, s := range st.release {
			frame[s] = nil
		}
	}

	res := make([]ops.Value, len(p.outputs))
	for i, o := range p.outputs {
		v := frame[o.slot]
		if isNil(v) {
			return nil, fmt.Errorf("graph %q: output %q was not computed", p.name, o.Info.Name)
		}
		res[i] = v
	}
	for _, c := range p.consts {
		for i, o := range p.outputs {
			if o.slot == c.slot {
				if t, ok := res[i].(*tensor.Tensor); ok && t == c.value {
					res[i] = t.Clone()
				}
			}
		}
	}
	return res, nil
}

// uframe is runUnplanned's per-run memory: value slots and a step's
// tensor arguments, reused through Program.uframes.
type uframe struct {
	vals  []ops.Value
	targs []*tensor.Tensor
	vargs []ops.Value
}

// putUFrame makes f free for a later run, dropping its references to the
// run's values.
func (p *Program) putUFrame(f *uframe) {
	clear(f.vals)
	clear(f.targs[:cap(f.targs)])
	p.uframes.Put(f)
}

// checkInput verifies a value against the declared type where it is known:
// kind, element type and static dims.
func checkInput(info *ir.ValueInfo, v ops.Value) error {
	ty := info.Type
	if ty == nil {
		return nil
	}
	t, ok := v.(*tensor.Tensor)
	if ty.Kind != ir.KindTensor {
		return nil
	}
	if !ok {
		return fmt.Errorf("got a %s, want a tensor", kindOf(v))
	}
	if ty.Elem != tensor.Undefined && t.DType() != ty.Elem {
		return fmt.Errorf("got %v, want %v", t.DType(), ty.Elem)
	}
	if ty.HasShape {
		if len(ty.Shape) != t.Rank() {
			return fmt.Errorf("got shape %v, want rank %d", t.Shape(), len(ty.Shape))
		}
		for i, d := range ty.Shape {
			if d.Known && int64(t.Shape()[i]) != d.Value {
				return fmt.Errorf("got shape %v, dim %d must be %d", t.Shape(), i, d.Value)
			}
		}
	}
	return nil
}

func isNil(v ops.Value) bool {
	switch x := v.(type) {
	case nil:
		return true
	case *tensor.Tensor:
		return x == nil
	case *ops.Sequence:
		return x == nil
	}
	return false
}

func kindOf(v ops.Value) string {
	switch v.(type) {
	case *tensor.Tensor:
		return "tensor"
	case *ops.Sequence:
		return "sequence"
	case ops.None:
		return "empty optional"
	}
	return fmt.Sprintf("%T", v)
}
