package main

import (
	"fmt"
	"io"

	"github.com/sinter-ml/sinter/runtime"
)

// cmdRun: sinter run MODEL [-i [NAME=]FILE]... [-o DIR] [--threads N] [--format npy|pb]
func cmdRun(args []string, stdout io.Writer) error {
	fs := newFlagSet("run")
	mf := addModelFlags(fs)
	var specs stringList
	fs.Var(&specs, "i", "input `[NAME=]FILE` (.npy, .pb or .csv); repeatable")
	dir := fs.String("o", ".", "output `DIR`")
	threads := fs.Int("threads", 0, "kernel threads (0: GOMAXPROCS)")
	format := fs.String("format", "npy", "output format: npy or pb")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	model, err := oneModel("run", pos)
	if err != nil {
		return err
	}
	if *format != "npy" && *format != "pb" {
		return usagef("run: --format %q: want npy or pb", *format)
	}
	if *threads < 0 {
		return usagef("run: --threads %d: want ≥ 0", *threads)
	}

	opts, err := mf.options()
	if err != nil {
		return err
	}
	s, err := runtime.Open(model, append(opts, runtime.WithThreads(*threads))...)
	if err != nil {
		return err
	}
	defer s.Close()
	files, err := bindInputs(specs, s.Inputs())
	if err != nil {
		return err
	}
	inputs, err := loadInputs(files, s.Inputs(), false, 0)
	if err != nil {
		return err
	}
	outs, err := s.Run(inputs)
	if err != nil {
		return err
	}
	names := make([]string, len(s.Outputs()))
	for i, o := range s.Outputs() {
		names[i] = o.Name
	}
	if len(outs) != len(names) {
		return fmt.Errorf("model returned %d outputs for %d graph outputs", len(outs), len(names))
	}
	paths, err := writeOutputs(*dir, *format, names, outs)
	if err != nil {
		return err
	}
	for i, p := range paths {
		fmt.Fprintf(stdout, "%s %v%v -> %s\n", names[i], outs[i].DType(), outs[i].Shape(), p)
	}
	return nil
}
