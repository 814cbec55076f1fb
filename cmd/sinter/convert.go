package main

import (
	"fmt"
	"io"
	"os"

	"github.com/sinter-ml/sinter/formats/onnx"
	"github.com/sinter-ml/sinter/formats/onnxml"
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/runtime"
)

// cmdConvert: sinter convert MODEL OUT.onnx [--type T] [--output K]
//
// Writes MODEL as a standard ONNX file: tree models become ONNX-ML
// tree-ensemble nodes (plus standard nodes for what ONNX-ML cannot say
// directly) that ONNX Runtime loads and agrees with; ONNX models are
// re-encoded as they are.
func cmdConvert(args []string, stdout io.Writer) error {
	fs := newFlagSet("convert")
	mf := addModelFlags(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("convert: want MODEL OUT.onnx, got %d arguments", len(pos))
	}
	opts, err := mf.options()
	if err != nil {
		return err
	}
	m, release, err := runtime.ReadModel(pos[0], opts...)
	if err != nil {
		return err
	}
	defer release()
	out := m
	if hasCanonicalTrees(m.Graph) {
		if out, err = onnxml.Export(m); err != nil {
			return err
		}
	}
	b, err := onnx.Encode(out)
	if err != nil {
		return err
	}
	if err := os.WriteFile(pos[1], b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d nodes, %d bytes\n", pos[1], len(out.Graph.Nodes), len(b))
	return nil
}

// hasCanonicalTrees reports whether g holds Sinter's own tree-ensemble op,
// which only Sinter runs and so must be exported as ONNX-ML.
func hasCanonicalTrees(g *ir.Graph) bool {
	for _, n := range g.Nodes {
		if n.Domain == "sinter.ml" {
			return true
		}
	}
	return false
}
