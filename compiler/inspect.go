package compiler

import (
	"fmt"
	"io"
	"strings"
)

// PlanStat describes one cached memory plan (see RunInto): the arena one
// run with that input signature takes, against the naive sum of every
// planned intermediate's size.
type PlanStat struct {
	// Signature lists the inputs' element types and shapes, e.g.
	// "float32[64 784]".
	Signature string
	// ArenaBytes is the arena size; NaiveBytes what the same values would
	// take without reusing the memory of dead ones.
	ArenaBytes, NaiveBytes int
	// Values is the number of intermediates placed in the arena.
	Values int
	// InPlace is how many of those write over the bytes of an input that
	// dies at their step (ops.Planned.InPlace) instead of taking their own.
	InPlace int
}

// PlanStats reports the memory plans recorded so far, oldest first (none
// before the first run, nor for a program compiled without optimisation).
func (p *Program) PlanStats() []PlanStat {
	p.plans.mu.Lock()
	defer p.plans.mu.Unlock()
	var out []PlanStat
	for _, pl := range p.plans.plans {
		st := PlanStat{ArenaBytes: pl.arenaBytes, NaiveBytes: pl.naiveBytes}
		var sig []string
		for i, dt := range pl.sig {
			if dt.Valid() {
				sig = append(sig, fmt.Sprintf("%v%v", dt, pl.sigShape[i]))
			}
		}
		st.Signature = strings.Join(sig, ", ")
		for _, offs := range pl.offset {
			for _, o := range offs {
				if o >= 0 {
					st.Values++
				}
			}
		}
		for si, k := range pl.inPlace {
			if k >= 0 && pl.offset[si][0] >= 0 {
				st.InPlace++
			}
		}
		out = append(out, st)
	}
	return out
}

// UnplannedOps counts the steps whose kernels have no planned form, by
// operator: their outputs are allocated on every run.
func (p *Program) UnplannedOps() map[string]int {
	m := map[string]int{}
	for _, st := range p.steps {
		if st.impl.Planned == nil {
			m[opName(&st)]++
		}
	}
	return m
}

func opName(st *step) string {
	if st.node.Domain != "" {
		return st.node.Domain + "." + st.node.OpType
	}
	return st.node.OpType
}

// WriteDot writes the compiled program as a Graphviz digraph: one box per
// step (fused operators show their activation), one ellipse per graph
// input and output, and an edge per value passed between them, labelled
// with its name and, where inferred, its shape.
func (p *Program) WriteDot(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %q {\n  rankdir=TB;\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=8];\n", p.name)
	producer := map[int]string{} // slot → dot node id
	for i, in := range p.inputs {
		if in.Default != nil {
			continue
		}
		id := fmt.Sprintf("in%d", i)
		fmt.Fprintf(&b, "  %s [shape=ellipse, label=%q];\n", id, in.Info.Name)
		producer[in.slot] = id
	}
	slotName := map[int]string{}
	for i := range p.steps {
		st := &p.steps[i]
		id := fmt.Sprintf("s%d", i)
		label := opName(st)
		if a := st.node.Attr("activation"); a != nil && len(a.S) > 0 {
			label += "\\n+" + string(a.S)
		}
		if a := st.node.Attr("steps"); a != nil && st.node.Domain == SinterDomain {
			steps := make([]string, len(a.Strings))
			for i, s := range a.Strings {
				steps[i] = string(s)
			}
			label += "\\n" + strings.Join(steps, "→") // an ElementwiseChain
		}
		style := ""
		if st.impl.Planned == nil {
			style = ", style=dashed" // allocates its outputs every run
		}
		fmt.Fprintf(&b, "  %s [shape=box, label=\"%s\"%s];\n", id, label, style)
		for k, s := range st.in {
			if s < 0 {
				continue
			}
			if src, ok := producer[s]; ok {
				name := ""
				if k < len(st.node.Inputs) {
					name = st.node.Inputs[k]
				} else {
					name = slotName[s]
				}
				if d, ok := p.shapes[name]; ok {
					name += "\n" + FormatShape(d)
				}
				fmt.Fprintf(&b, "  %s -> %s [label=%q];\n", src, id, name)
			}
		}
		for k, s := range st.out {
			if s >= 0 {
				producer[s] = id
				slotName[s] = st.node.Outputs[k]
			}
		}
	}
	for i, o := range p.outputs {
		id := fmt.Sprintf("out%d", i)
		fmt.Fprintf(&b, "  %s [shape=ellipse, style=bold, label=%q];\n", id, o.Info.Name)
		if src, ok := producer[o.slot]; ok {
			fmt.Fprintf(&b, "  %s -> %s;\n", src, id)
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}
