package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/sinter-ml/sinter/compiler"
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/kernels"
	"github.com/sinter-ml/sinter/runtime"
)

// cmdInspect: sinter inspect MODEL [-i [NAME=]FILE]... [--dot FILE] [--batch N]
func cmdInspect(args []string, stdout io.Writer) error {
	fs := newFlagSet("inspect")
	mf := addModelFlags(fs)
	var specs stringList
	fs.Var(&specs, "i", "input `[NAME=]FILE` the memory plan is recorded with; inputs not given are synthesized")
	dot := fs.String("dot", "", "write the compiled graph to `FILE` in Graphviz dot format")
	batch := fs.Int("batch", 1, "first dim of the synthesized inputs the memory plan is recorded with, when symbolic")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	model, err := oneModel("inspect", pos)
	if err != nil {
		return err
	}
	opts, err := mf.options()
	if err != nil {
		return err
	}
	s, err := runtime.Open(model, opts...)
	if err != nil {
		return err
	}
	defer s.Close()
	if *dot != "" {
		f, err := os.Create(*dot)
		if err != nil {
			return err
		}
		if err := s.Program().WriteDot(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	// One run records the memory plan to report: on the given inputs, or
	// on synthesized ones (symbolic dims 1, the first --batch), which a
	// model with fixed-size windows may reject.
	var planErr error
	if *batch < 1 {
		return usagef("inspect: --batch %d: want ≥ 1", *batch)
	}
	files, err := bindInputs(specs, s.Inputs())
	if err != nil {
		return err
	}
	inputs, err := loadInputs(files, s.Inputs(), true, *batch)
	if err == nil {
		_, err = s.Run(inputs)
	}
	planErr = err
	if err := describe(stdout, model, s.Model(), s.Inputs(), s.Outputs(), s.Program()); err != nil {
		return err
	}
	return describePlan(stdout, s.Program(), planErr)
}

// describePlan prints the memory plans a program has recorded and the
// operators that still allocate per run.
func describePlan(w io.Writer, prog *compiler.Program, runErr error) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	stats := prog.PlanStats()
	switch {
	case prog.Passes() == nil:
		fmt.Fprintf(tw, "memory plan	none (optimisation off): each run allocates its intermediates\n")
	case runErr != nil:
		fmt.Fprintf(tw, "memory plan	not recorded: a run on synthesized inputs failed: %v\n", runErr)
	case len(stats) == 0:
		fmt.Fprintf(tw, "memory plan	none: the graph's outputs are not all tensors\n")
	}
	for _, st := range stats {
		saved := ""
		if st.NaiveBytes > 0 {
			saved = fmt.Sprintf(", %.0f%% of the naive %s", 100*float64(st.ArenaBytes)/float64(st.NaiveBytes), formatBytes(int64(st.NaiveBytes)))
		}
		inPlace := ""
		if st.InPlace > 0 {
			inPlace = fmt.Sprintf(" (%d written in place)", st.InPlace)
		}
		fmt.Fprintf(tw, "memory plan	%s: arena %s for %d values%s%s\n", st.Signature, formatBytes(int64(st.ArenaBytes)), st.Values, inPlace, saved)
	}
	if sh := prog.Shapes(); len(sh) > 0 {
		full := 0
		for _, d := range sh {
			if fullyKnown(d) {
				full++
			}
		}
		fmt.Fprintf(tw, "shapes inferred	%d values, %d with every dim known or symbolic\n", len(sh), full)
	}
	if prog.Passes() != nil {
		un := prog.UnplannedOps()
		if len(un) == 0 {
			fmt.Fprintf(tw, "allocating steps	none\n")
		} else {
			names := make([]string, 0, len(un))
			total := 0
			for name, n := range un {
				names = append(names, name)
				total += n
			}
			sort.Strings(names)
			fmt.Fprintf(tw, "allocating steps	%d (no planned kernel yet)\n", total)
			for _, name := range names {
				fmt.Fprintf(tw, "  %s\t%d\n", name, un[name])
			}
		}
	}
	return tw.Flush()
}

// describe prints the summary inspect shows: metadata, inputs to feed and
// outputs with types, operator counts (subgraphs included), opsets,
// initializers, fusions and memory plan.
func describe(w io.Writer, path string, m *ir.Model, inputs, outputs []*ir.ValueInfo, prog *compiler.Program) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	g := m.Graph
	fmt.Fprintf(tw, "model\t%s\n", path)
	if m.ProducerName != "" {
		fmt.Fprintf(tw, "producer\t%s\n", strings.TrimSpace(m.ProducerName+" "+m.ProducerVersion))
	}
	fmt.Fprintf(tw, "ir_version\t%d\n", m.IRVersion)
	fmt.Fprintf(tw, "opsets\t%s\n", formatOpsets(m.Opsets))
	if g.Name != "" {
		fmt.Fprintf(tw, "graph\t%s\n", g.Name)
	}
	fmt.Fprintf(tw, "inputs\t%d\n", len(inputs))
	for _, v := range inputs {
		fmt.Fprintf(tw, "  %s\t%s\n", v.Name, formatType(v.Type))
	}
	fmt.Fprintf(tw, "outputs\t%d\n", len(outputs))
	for _, v := range outputs {
		fmt.Fprintf(tw, "  %s\t%s\n", v.Name, formatType(v.Type))
	}
	counts := map[string]int{}
	total, nested := countOps(g, counts, 0)
	if nested > 0 {
		fmt.Fprintf(tw, "nodes\t%d (%d in subgraphs)\n", total, nested)
	} else {
		fmt.Fprintf(tw, "nodes\t%d\n", total)
	}
	ops := make([]string, 0, len(counts))
	for op := range counts {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		fmt.Fprintf(tw, "  %s\t%d\n", op, counts[op])
	}
	var bytes int64
	for _, in := range g.Initializers {
		bytes += tensorBytes(in)
	}
	fmt.Fprintf(tw, "initializers\t%d (%s)\n", len(g.Initializers), formatBytes(bytes))
	if len(m.Functions) > 0 {
		fmt.Fprintf(tw, "functions\t%d\n", len(m.Functions))
	}
	if prog != nil {
		fmt.Fprintf(tw, "kernels\t%s\n", kernels.Name())
		fmt.Fprintf(tw, "compiled steps\t%d\n", prog.NumSteps())
		stepOps := prog.StepOps()
		names := make([]string, 0, len(stepOps))
		for name := range stepOps {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			fmt.Fprintf(tw, "  %s\t%d\n", name, stepOps[name])
		}
		if passes := prog.Passes(); passes != nil {
			fmt.Fprintf(tw, "passes\t\n")
			for _, p := range passes {
				fmt.Fprintf(tw, "  %s\t%d changes\n", p.Name, p.Changes)
			}
		} else {
			fmt.Fprintf(tw, "passes\tnone (optimisation off)\n")
		}
	}
	fmt.Fprintf(tw, "fusions applied\t%d\n", fusions(prog))
	return tw.Flush()
}

// countOps adds g's operators, and those of its subgraphs, to counts keyed
// by op type (with the domain for non-core ops); it returns the node total
// and how many of those sit in subgraphs.
func countOps(g *ir.Graph, counts map[string]int, depth int) (total, nested int) {
	if g == nil || depth > 64 {
		return 0, 0
	}
	for _, n := range g.Nodes {
		key := n.OpType
		if n.Domain != ir.DefaultDomain {
			key = n.Domain + "." + n.OpType
		}
		counts[key]++
		total++
		if depth > 0 {
			nested++
		}
		for _, a := range n.Attrs {
			subs := a.Graphs
			if a.G != nil {
				subs = append([]*ir.Graph{a.G}, subs...)
			}
			for _, sg := range subs {
				t, ns := countOps(sg, counts, depth+1)
				total += t
				nested += ns
			}
		}
	}
	return total, nested
}

func tensorBytes(in *ir.Initializer) int64 {
	if in.Tensor == nil {
		return 0
	}
	if s := in.Tensor.Strings(); s != nil {
		var n int64
		for _, x := range s {
			n += int64(len(x))
		}
		return n
	}
	return int64(len(in.Tensor.Bytes()))
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%d bytes, %.1f GiB", n, float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%d bytes, %.1f MiB", n, float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d bytes, %.1f KiB", n, float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func formatOpsets(opsets map[string]int64) string {
	if len(opsets) == 0 {
		return "none"
	}
	domains := make([]string, 0, len(opsets))
	for d := range opsets {
		domains = append(domains, d)
	}
	sort.Strings(domains)
	parts := make([]string, len(domains))
	for i, d := range domains {
		name := d
		if d == ir.DefaultDomain {
			name = "ai.onnx"
		}
		parts[i] = fmt.Sprintf("%s %d", name, opsets[d])
	}
	return strings.Join(parts, ", ")
}

// formatType renders a value type: float32[batch,4], seq(int64[?]),
// map(string,float32[]), or "?" when unknown.
func formatType(t *ir.Type) string {
	if t == nil {
		return "?"
	}
	switch t.Kind {
	case ir.KindTensor, ir.KindSparseTensor:
		s := t.Elem.String()
		if t.Kind == ir.KindSparseTensor {
			s = "sparse " + s
		}
		if !t.HasShape {
			return s + "[…]"
		}
		dims := make([]string, len(t.Shape))
		for i, d := range t.Shape {
			switch {
			case d.Known:
				dims[i] = fmt.Sprint(d.Value)
			case d.Param != "":
				dims[i] = d.Param
			default:
				dims[i] = "?"
			}
		}
		return s + "[" + strings.Join(dims, ",") + "]"
	case ir.KindSequence:
		return "seq(" + formatType(t.Inner) + ")"
	case ir.KindOptional:
		return "optional(" + formatType(t.Inner) + ")"
	case ir.KindMap:
		return "map(" + t.Elem.String() + "," + formatType(t.Inner) + ")"
	}
	return "?"
}

// fusions totals the changes of the fusion passes ("fuse-…").
func fusions(prog *compiler.Program) int {
	n := 0
	if prog != nil {
		for _, p := range prog.Passes() {
			if strings.HasPrefix(p.Name, "fuse-") {
				n += p.Changes
			}
		}
	}
	return n
}

// fullyKnown reports whether every dim is a size or a symbol.
func fullyKnown(dims []ir.Dim) bool {
	for _, d := range dims {
		if !d.Known && d.Param == "" {
			return false
		}
	}
	return true
}
