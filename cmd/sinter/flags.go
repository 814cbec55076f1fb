package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/sinter-ml/sinter/runtime"
)

// newFlagSet returns a flag set that reports errors to its caller instead of
// printing them.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseArgs parses args with fs, allowing flags before, between and after
// positional arguments (Go's flag package stops at the first positional).
// Everything after "--" is positional. Errors are usage errors; -h asks for
// help.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, usageError{fmt.Errorf("%s: %w", fs.Name(), err)}
		}
		rest := fs.Args()
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// oneModel returns the single positional MODEL argument.
func oneModel(cmd string, pos []string) (string, error) {
	switch len(pos) {
	case 0:
		return "", usagef("%s: missing MODEL", cmd)
	case 1:
		return pos[0], nil
	}
	return "", usagef("%s: want one MODEL, got %d arguments: %s", cmd, len(pos), strings.Join(pos, " "))
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(s string) error {
	if s == "" {
		return errors.New("empty value")
	}
	*l = append(*l, s)
	return nil
}

// modelFlags are the flags every command that loads a model takes.
type modelFlags struct {
	typ    *string
	output *string
}

func addModelFlags(fs *flag.FlagSet) modelFlags {
	return modelFlags{
		typ:    fs.String("type", "auto", "model `format`: auto, onnx, xgboost, lightgbm or sklearn"),
		output: fs.String("output", "prediction", "tree models: `prediction`, margin, prob or leaf"),
	}
}

// options turns the flags into session options; bad values are usage errors.
func (m modelFlags) options() ([]runtime.Option, error) {
	typ, err := runtime.ParseModelType(*m.typ)
	if err != nil {
		return nil, usageError{err}
	}
	out, err := runtime.ParseTreeOutput(*m.output)
	if err != nil {
		return nil, usageError{err}
	}
	return []runtime.Option{runtime.WithModelType(typ), runtime.WithTreeOutput(out)}, nil
}
