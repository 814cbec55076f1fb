// Package conformance runs ONNX's backend test cases (a model.onnx plus
// test_data_set_*/input_N.pb and output_N.pb per case) through Sinter and
// compares the outputs with ONNX's expected values.
package conformance

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/sinter-ml/sinter/compiler"
	"github.com/sinter-ml/sinter/formats/onnx"
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
	"github.com/sinter-ml/sinter/tensor/encoding/tensorproto"
)

// Tolerances of ONNX's backend test runner.
const (
	RTol = 1e-3
	ATol = 1e-7
)

// Suites are the test-data directories that hold runnable cases.
var Suites = []string{"node", "pytorch-converted", "pytorch-operator", "simple"}

// DefaultRoot is where Debian's libonnx-testdata installs the data.
const DefaultRoot = "/usr/share/libonnx-testdata/data"

// Root returns $ONNX_TESTDATA or DefaultRoot.
func Root() string {
	if r := os.Getenv("ONNX_TESTDATA"); r != "" {
		return r
	}
	return DefaultRoot
}

// Case is one test case directory.
type Case struct {
	Suite, Name, Dir string
}

// ID is "suite/name", the key used in expectation files.
func (c Case) ID() string { return c.Suite + "/" + c.Name }

// Cases lists every case under root, sorted by ID.
func Cases(root string) ([]Case, error) {
	var out []Case
	for _, s := range Suites {
		ents, err := os.ReadDir(filepath.Join(root, s))
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			if e.IsDir() {
				out = append(out, Case{Suite: s, Name: e.Name(), Dir: filepath.Join(root, s, e.Name())})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID() < out[j].ID() })
	return out, nil
}

// ErrTimeout is returned for a case that ran longer than the limit.
var ErrTimeout = errors.New("timed out")

// RunCase runs c against reg and returns nil when every data set matches.
// A panic inside Sinter is returned as an error (it is still a bug), and a
// case running past limit is abandoned with ErrTimeout.
func RunCase(c Case, reg *ops.Registry, limit time.Duration, opts ...compiler.Option) error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("panic: %v\n%s", r, firstFrames(debug.Stack()))
			}
		}()
		done <- runCase(c, reg, opts)
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		return ErrTimeout
	}
}

func firstFrames(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	if len(lines) > 14 {
		lines = lines[:14]
	}
	return strings.Join(lines, "\n")
}

func runCase(c Case, reg *ops.Registry, opts []compiler.Option) error {
	f, err := onnx.Open(filepath.Join(c.Dir, "model.onnx"))
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	defer f.Close()
	prog, err := compiler.Compile(f.Model, reg, opts...)
	if err != nil {
		return err
	}
	var feeds []compiler.Input
	for _, in := range prog.Inputs() {
		if in.Default == nil {
			feeds = append(feeds, in)
		}
	}
	sets, _ := filepath.Glob(filepath.Join(c.Dir, "test_data_set_*"))
	if len(sets) == 0 {
		return fmt.Errorf("no test_data_set_* directory")
	}
	sort.Strings(sets)
	for _, set := range sets {
		args := make([]ops.Value, len(prog.Inputs()))
		k := 0
		for i, in := range prog.Inputs() {
			if in.Default != nil {
				continue
			}
			path := filepath.Join(set, fmt.Sprintf("input_%d.pb", k))
			k++
			if _, err := os.Stat(path); err != nil {
				continue // an omitted optional input
			}
			v, err := readValue(path, in.Info.Type)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			args[i] = v
		}
		// Twice: an optimised program records its memory plan on the
		// first run with these input shapes and runs from the plan after.
		for run := 1; run <= 2; run++ {
			got, err := prog.Run(args, nil)
			if err != nil {
				return fmt.Errorf("run %d: %w", run, err)
			}
			for i, o := range prog.Outputs() {
				path := filepath.Join(set, fmt.Sprintf("output_%d.pb", i))
				want, err := readValue(path, o.Info.Type)
				if err != nil {
					return fmt.Errorf("%s: %w", path, err)
				}
				if err := Compare(got[i], want); err != nil {
					return fmt.Errorf("run %d: output %d (%s): %w", run, i, o.Info.Name, err)
				}
			}
		}
	}
	return nil
}

// readValue reads a TensorProto, SequenceProto or OptionalProto file,
// choosing by the declared type.
func readValue(path string, ty *ir.Type) (ops.Value, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	kind := ir.KindTensor
	if ty != nil {
		kind = ty.Kind
	}
	switch kind {
	case ir.KindSequence:
		return decodeSequence(b)
	case ir.KindOptional:
		return decodeOptional(b, ty)
	}
	t, err := tensorproto.Unmarshal(b)
	if err != nil {
		return nil, err
	}
	// ONNX 1.12's generator wrote bfloat16 data as uint16 (numpy has no
	// bfloat16): the bits are right, only the tag differs.
	if ty != nil && ty.Elem == tensor.BFloat16 && t.DType() == tensor.Uint16 {
		return tensor.FromBytes(tensor.BFloat16, t.Shape(), t.Bytes())
	}
	return t, nil
}

// decodeSequence reads a SequenceProto of tensors (field 2 elem_type,
// 3 tensor_values).
func decodeSequence(b []byte) (*ops.Sequence, error) {
	seq := &ops.Sequence{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		b = b[n:]
		if num == 3 && typ == protowire.BytesType {
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			t, err := tensorproto.Unmarshal(v)
			if err != nil {
				return nil, err
			}
			seq.Items = append(seq.Items, t)
			seq.Elem = t.DType()
			b = b[n:]
			continue
		}
		if num == 4 || num == 5 || num == 6 {
			return nil, fmt.Errorf("sequence of non-tensors is not supported")
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		b = b[n:]
	}
	return seq, nil
}

// decodeOptional reads an OptionalProto (3 tensor_value, 5 sequence_value);
// with neither it is an empty optional.
func decodeOptional(b []byte, ty *ir.Type) (ops.Value, error) {
	var v ops.Value = ops.None{Type: ty.Inner}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		b = b[n:]
		if (num == 3 || num == 5) && typ == protowire.BytesType {
			raw, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			var err error
			if num == 3 {
				v, err = tensorproto.Unmarshal(raw)
			} else {
				v, err = decodeSequence(raw)
			}
			if err != nil {
				return nil, err
			}
			b = b[n:]
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		b = b[n:]
	}
	return v, nil
}

// Compare checks got against want with the backend suite's tolerance:
// same kind, dtype and shape, and |g−w| ≤ ATol + RTol·|w| per element
// (NaN matches NaN, infinities must match exactly).
func Compare(got, want ops.Value) error {
	switch w := want.(type) {
	case *tensor.Tensor:
		g, ok := got.(*tensor.Tensor)
		if !ok {
			return fmt.Errorf("got %T, want a tensor", got)
		}
		return compareTensor(g, w)
	case *ops.Sequence:
		g, ok := got.(*ops.Sequence)
		if !ok {
			return fmt.Errorf("got %T, want a sequence", got)
		}
		if len(g.Items) != len(w.Items) {
			return fmt.Errorf("sequence has %d items, want %d", len(g.Items), len(w.Items))
		}
		for i := range w.Items {
			if err := compareTensor(g.Items[i], w.Items[i]); err != nil {
				return fmt.Errorf("item %d: %w", i, err)
			}
		}
		return nil
	case ops.None:
		if _, ok := got.(ops.None); !ok {
			return fmt.Errorf("got %T, want an empty optional", got)
		}
		return nil
	}
	return fmt.Errorf("cannot compare %T", want)
}

func compareTensor(g, w *tensor.Tensor) error {
	if g.DType() != w.DType() {
		return fmt.Errorf("dtype %v, want %v", g.DType(), w.DType())
	}
	if !g.Shape().Equal(w.Shape()) {
		return fmt.Errorf("shape %v, want %v", g.Shape(), w.Shape())
	}
	if w.DType() == tensor.String {
		for i, s := range w.Strings() {
			if g.Strings()[i] != s {
				return fmt.Errorf("element %d is %q, want %q", i, g.Strings()[i], s)
			}
		}
		return nil
	}
	gv, err := tensor.ToFloat64(g)
	if err != nil {
		return err
	}
	wv, _ := tensor.ToFloat64(w)
	if w.DType() == tensor.Int64 || w.DType() == tensor.Uint64 {
		// compare 64-bit integers exactly, without float rounding
		gb, wb := g.Bytes(), w.Bytes()
		for i := 0; i < len(wb); i += 8 {
			if string(gb[i:i+8]) != string(wb[i:i+8]) {
				return fmt.Errorf("element %d is %v, want %v", i/8, gv[i/8], wv[i/8])
			}
		}
		return nil
	}
	bad, first := 0, -1
	for i := range wv {
		a, e := gv[i], wv[i]
		if math.IsNaN(e) && math.IsNaN(a) {
			continue
		}
		if math.IsInf(e, 0) || math.IsInf(a, 0) {
			if a == e {
				continue
			}
		} else if math.Abs(a-e) <= ATol+RTol*math.Abs(e) {
			continue
		}
		bad++
		if first < 0 {
			first = i
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d elements differ; first at %d: got %v, want %v", bad, len(wv), first, gv[first], wv[first])
	}
	return nil
}
