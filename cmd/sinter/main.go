// Command sinter runs, benchmarks, inspects and converts models (ONNX,
// XGBoost, LightGBM, scikit-learn) with Sinter.
//
//	sinter run MODEL [-i [NAME=]FILE]... [-o DIR] [--threads N] [--format npy|pb]
//	sinter bench MODEL [-i [NAME=]FILE]... [--threads N] [--iters N] [--warmup N] [--batch N] [--json] [--cpuprofile FILE] [--memprofile FILE]
//	sinter inspect MODEL [-i [NAME=]FILE]... [--dot FILE] [--batch N]
//	sinter convert MODEL OUT.onnx
//	sinter version
//
// Every command that reads MODEL takes --type (auto, onnx, xgboost,
// lightgbm, sklearn) and --output (prediction, margin, prob, leaf: what a
// tree model returns). Inputs are .npy files, ONNX TensorProto .pb files or
// .csv files (a 2-D table). Flags may come before or after MODEL. On failure sinter
// prints one line, "sinter: <error>", on stderr and exits with status 2 for
// a usage error or 1 for anything else.
package main

import (
	"errors"
	"fmt"
	"github.com/sinter-ml/sinter/kernels"
	"io"
	"os"
	goruntime "runtime"
	"runtime/debug"
	"strings"
)

// version is the release version, set with -ldflags "-X main.version=v1.2.3".
var version = "dev"

const usage = `usage:
  sinter run MODEL [-i [NAME=]FILE]... [-o DIR] [--threads N] [--format npy|pb]
  sinter bench MODEL [-i [NAME=]FILE]... [--threads N] [--iters N] [--warmup N] [--batch N] [--json] [--cpuprofile FILE] [--memprofile FILE]
  sinter inspect MODEL [-i [NAME=]FILE]... [--dot FILE] [--batch N]
  sinter convert MODEL OUT.onnx     (tree models become ONNX-ML)
  sinter version
Model flags: --type auto|onnx|xgboost|lightgbm|sklearn, --output prediction|margin|prob|leaf

Inputs (-i) are .npy, ONNX TensorProto .pb, or .csv (2-D float) files;
unnamed ones bind to the model's inputs in graph order.
run writes one file per graph output to DIR (default .) as <output name>.npy or .pb.
bench without -i synthesizes inputs (symbolic first dim = --batch, other symbolic dims = 1).
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// usageError marks an error in how sinter was invoked (exit status 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// errHelp asks for the usage text on stdout and exit status 0.
var errHelp = errors.New("help requested")

// run executes the command line args (without the program name) and returns
// the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	err := dispatch(args, stdout)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errHelp):
		fmt.Fprint(stdout, usage)
		return 0
	}
	msg := strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
	fmt.Fprintf(stderr, "sinter: %s\n", msg)
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

func dispatch(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usagef("missing command: want run, bench, inspect, convert or version (sinter help for usage)")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return cmdRun(rest, stdout)
	case "bench":
		return cmdBench(rest, stdout)
	case "inspect":
		return cmdInspect(rest, stdout)
	case "convert":
		return cmdConvert(rest, stdout)
	case "version":
		if len(rest) > 0 {
			return usagef("version takes no arguments")
		}
		fmt.Fprintln(stdout, versionLine())
		fmt.Fprintln(stdout, "kernels:", kernels.Name())
		return nil
	case "help", "-h", "-help", "--help":
		return errHelp
	}
	return usagef("unknown command %q: want run, bench, inspect, convert or version", cmd)
}

// versionLine reports the release, the VCS revision when the binary was
// built from a checkout, the Go version and the platform.
func versionLine() string {
	v := version
	if info, ok := debug.ReadBuildInfo(); ok {
		var rev, dirty string
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "+dirty"
				}
			}
		}
		if v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			v += " (" + rev + dirty + ")"
		}
	}
	return fmt.Sprintf("sinter %s %s %s/%s", v, goruntime.Version(), goruntime.GOOS, goruntime.GOARCH)
}
