package runtime_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sinter-ml/sinter/compiler"
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/runtime"
	"github.com/sinter-ml/sinter/tensor"
)

// TestInferredShapesHoldOnZoo checks the compiler's symbolic shape
// inference against real runs: every value of every zoo model the
// optimised program has a shape for is made a graph output of the
// unoptimised model, which is run on the case's inputs. Known dims must
// equal the run's, and each symbol must stand for one extent throughout the
// model (a product symbol such as "batch*seq" for the product of its
// factors' extents).
func TestInferredShapesHoldOnZoo(t *testing.T) {
	total, full, symTotal, symFull := 0, 0, 0, 0
	for _, c := range zooCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			s, err := runtime.Open(filepath.Join(zooDir, c.Model))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			in := make([]ops.Value, len(c.Inputs))
			for i, f := range c.Inputs {
				in[i] = readNpy(t, f)
			}
			n, k := checkInferredShapes(t, s.Model(), in)
			total, full = total+n, full+k
			// Again with every input dim a symbol of its own, as an
			// exporter's dynamic axes would make them.
			m := *s.Model()
			g := *m.Graph
			g.Inputs = make([]*ir.ValueInfo, len(m.Graph.Inputs))
			for i, v := range m.Graph.Inputs {
				c := *v
				if v.Type != nil && v.Type.Kind == ir.KindTensor && v.Type.HasShape {
					ty := *v.Type
					ty.Shape = make([]ir.Dim, len(v.Type.Shape))
					for k := range ty.Shape {
						ty.Shape[k] = ir.Dim{Param: "in" + strconv.Itoa(i) + "_" + strconv.Itoa(k)}
					}
					c.Type = &ty
				}
				g.Inputs[i] = &c
			}
			m.Graph = &g
			n, k = checkInferredShapes(t, &m, in)
			symTotal, symFull = symTotal+n, symFull+k
		})
	}
	t.Logf("declared inputs: %d intermediate values checked, %d with every dim known or symbolic", total, full)
	t.Logf("symbolic inputs: %d intermediate values checked, %d with every dim known or symbolic", symTotal, symFull)
}

// checkInferredShapes compiles m (optimised), runs its unoptimised form
// with every value the optimised program has a shape for made an output,
// and checks each against its run. It returns how many values it checked
// and how many of those had every dim known or symbolic.
func checkInferredShapes(t *testing.T, m *ir.Model, in []ops.Value) (checked, full int) {
	t.Helper()
	s, err := runtime.NewSession(m)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	shapes := s.Program().Shapes()
	g := *m.Graph
	g.Outputs = append([]*ir.ValueInfo(nil), g.Outputs...)
	seen := map[string]bool{}
	for _, o := range g.Outputs {
		seen[o.Name] = true
	}
	var probes []string
	for _, n := range g.Nodes {
		for _, o := range n.Outputs {
			if _, ok := shapes[o]; ok && o != "" && !seen[o] {
				seen[o] = true
				probes = append(probes, o)
				g.Outputs = append(g.Outputs, &ir.ValueInfo{Name: o})
			}
		}
	}
	probe := *m
	probe.Graph = &g
	ps, err := runtime.NewSession(&probe, runtime.WithOptimization(false))
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	out, err := ps.RunValues(in)
	if err != nil {
		t.Fatal(err)
	}
	bind := map[string]int64{}
	check := func(name string, got tensor.Shape) {
		want := shapes[name]
		if len(want) != len(got) {
			t.Errorf("%s: inferred %s, ran %v", name, compiler.FormatShape(want), got)
			return
		}
		for i, d := range want {
			if !symbolHolds(d, int64(got[i]), bind) {
				t.Errorf("%s: inferred %s, ran %v (symbols %v)", name, compiler.FormatShape(want), got, bind)
				return
			}
		}
	}
	// Bind the inputs' symbols first, then check every value.
	for i, v := range s.Inputs() {
		if _, ok := shapes[v.Name]; ok {
			check(v.Name, in[i].(*tensor.Tensor).Shape())
		}
	}
	for i, name := range probes {
		x, ok := out[len(m.Graph.Outputs)+i].(*tensor.Tensor)
		if !ok {
			continue
		}
		check(name, x.Shape())
		checked++
		if fullyKnown(shapes[name]) {
			full++
		}
	}
	return checked, full
}

// symbolHolds checks dim d against an extent seen in a run, binding d's
// symbol on first sight.
func symbolHolds(d ir.Dim, got int64, bind map[string]int64) bool {
	switch {
	case d.Known:
		return d.Value == got
	case d.Param == "":
		return true
	}
	if v, ok := bind[d.Param]; ok {
		return v == got
	}
	if f := strings.Split(d.Param, "*"); len(f) > 1 {
		prod := int64(1)
		for _, s := range f {
			if v, err := strconv.ParseInt(s, 10, 64); err == nil {
				prod *= v
			} else if v, ok := bind[s]; ok {
				prod *= v
			} else {
				bind[d.Param] = got
				return true
			}
		}
		return prod == got
	}
	bind[d.Param] = got
	return true
}

func fullyKnown(dims []ir.Dim) bool {
	for _, d := range dims {
		if !d.Known && d.Param == "" {
			return false
		}
	}
	return true
}
