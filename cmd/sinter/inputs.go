package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
	"github.com/sinter-ml/sinter/tensor/encoding/npy"
	"github.com/sinter-ml/sinter/tensor/encoding/tensorproto"
)

// bindInputs maps -i specs to the model's inputs. A spec is NAME=FILE when
// the text before its first '=' names a model input, else FILE. Named specs
// bind by name; unnamed ones fill the remaining inputs in graph order. The
// result has one file per input, "" where none was given.
func bindInputs(specs []string, inputs []*ir.ValueInfo) ([]string, error) {
	index := make(map[string]int, len(inputs))
	for i, in := range inputs {
		index[in.Name] = i
	}
	files := make([]string, len(inputs))
	var unnamed []string
	for _, spec := range specs {
		name, file, hasEq := strings.Cut(spec, "=")
		i, known := index[name]
		switch {
		case hasEq && known:
			if file == "" {
				return nil, usagef("-i %s: missing FILE", spec)
			}
			if files[i] != "" {
				return nil, fmt.Errorf("input %q is given twice (%s and %s)", name, files[i], file)
			}
			files[i] = file
		case hasEq && !fileExists(spec):
			return nil, fmt.Errorf("-i %s: the model has no input %q (inputs: %s)", spec, name, inputNames(inputs))
		default:
			unnamed = append(unnamed, spec)
		}
	}
	next := 0
	for _, file := range unnamed {
		for next < len(files) && files[next] != "" {
			next++
		}
		if next == len(files) {
			return nil, fmt.Errorf("too many inputs: %s is left over after binding every model input (inputs: %s)", file, inputNames(inputs))
		}
		files[next] = file
	}
	return files, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func inputNames(inputs []*ir.ValueInfo) string {
	if len(inputs) == 0 {
		return "none"
	}
	names := make([]string, len(inputs))
	for i, in := range inputs {
		names[i] = in.Name
	}
	return strings.Join(names, ", ")
}

// loadInputs reads one tensor per bound file; an unbound input is an error
// unless synth is set, in which case it is synthesized from its declared type.
func loadInputs(files []string, inputs []*ir.ValueInfo, synth bool, batch int) ([]*tensor.Tensor, error) {
	out := make([]*tensor.Tensor, len(inputs))
	rng := rand.New(rand.NewPCG(1, 2))
	var missing []string
	for i, in := range inputs {
		var err error
		switch {
		case files[i] != "":
			out[i], err = loadTensor(files[i], csvType(in))
		case synth:
			out[i], err = synthesize(in, batch, rng)
		default:
			missing = append(missing, fmt.Sprintf("%s %s", in.Name, formatType(in.Type)))
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", in.Name, err)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing inputs (pass -i [NAME=]FILE): %s", strings.Join(missing, "; "))
	}
	return out, nil
}

// csvType is the element type a CSV file is read as for input in: float64
// when the model takes float64 (tree models in double precision, whose
// splits must see the same values the library would parse), else float32.
func csvType(in *ir.ValueInfo) tensor.DType {
	if in.Type != nil && in.Type.Elem == tensor.Float64 {
		return tensor.Float64
	}
	return tensor.Float32
}

// loadTensor reads a tensor from a .npy, .pb or .csv file, chosen by
// extension (an unknown extension is tried as .npy when it starts like one).
// CSV values are parsed as csvType (Float32 or Float64).
func loadTensor(path string, csvType tensor.DType) (*tensor.Tensor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t *tensor.Tensor
	switch ext := strings.ToLower(filepath.Ext(path)); {
	case ext == ".npy" || (ext != ".pb" && ext != ".csv" && ext != ".tsv" && bytes.HasPrefix(b, []byte("\x93NUMPY"))):
		t, err = npy.Decode(b)
	case ext == ".pb":
		t, err = tensorproto.Unmarshal(b)
	case ext == ".csv" || ext == ".tsv":
		t, err = readCSV(bytes.NewReader(b), csvType)
	default:
		return nil, fmt.Errorf("%s: unknown input format %q (want .npy, .pb or .csv)", path, ext)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// readCSV reads a 2-D table of dt (Float32 or Float64), each value
// parsed directly at that precision. Fields are separated by commas, or by
// tabs when the first line has a tab and no comma. The first row is a header,
// and skipped, when any of its fields is not a number. Empty fields read as
// NaN (missing values).
func readCSV(r io.Reader, dt tensor.DType) (*tensor.Tensor, error) {
	bits := 32
	if dt == tensor.Float64 {
		bits = 64
	}
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	sep := ','
	first, _ := br.Peek(br.Size()) // as much as is buffered; io.EOF for a short file
	if line, _, _ := bytes.Cut(first, []byte("\n")); bytes.IndexByte(line, '\t') >= 0 && bytes.IndexByte(line, ',') < 0 {
		sep = '\t'
	}
	cr := csv.NewReader(br)
	cr.Comma = sep
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	cr.LazyQuotes = true
	var data []float64
	cols, rows := -1, 0
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("csv: %w", err)
		}
		if cols < 0 {
			cols = len(rec)
		}
		start := len(data)
		for j, field := range rec {
			v, err := parseCSVFloat(field, bits)
			if err != nil {
				if line == 1 {
					data = data[:start] // a header row
					break
				}
				return nil, fmt.Errorf("csv: line %d, column %d: %q is not a number", line, j+1, field)
			}
			data = append(data, v)
		}
		if len(data) > start {
			rows++
		}
	}
	if rows == 0 {
		return nil, errors.New("csv: no data rows")
	}
	if bits == 64 {
		return tensor.From(data, rows, cols), nil
	}
	f32 := make([]float32, len(data))
	for i, v := range data {
		f32[i] = float32(v) // exact: v was parsed at float32 precision
	}
	return tensor.FromFloat32(f32, rows, cols), nil
}

// parseCSVFloat parses one field at the given precision (32 or 64 bits); an
// empty field is NaN, a missing value.
func parseCSVFloat(s string, bits int) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return math.NaN(), nil
	}
	v, err := strconv.ParseFloat(s, bits)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, err
	}
	return v, nil
}

// synthesize makes an input from its declared type: a symbolic or unknown
// first dim becomes batch and other symbolic dims 1; floats are standard
// normal samples from rng, everything else zero.
func synthesize(in *ir.ValueInfo, batch int, rng *rand.Rand) (*tensor.Tensor, error) {
	typ := in.Type
	if typ == nil || typ.Kind != ir.KindTensor {
		return nil, fmt.Errorf("cannot synthesize a %s input; pass -i", formatType(typ))
	}
	if !typ.HasShape {
		return nil, fmt.Errorf("cannot synthesize an input of unknown rank; pass -i")
	}
	if !typ.Elem.Valid() {
		return nil, fmt.Errorf("cannot synthesize %v elements; pass -i", typ.Elem)
	}
	shape := make(tensor.Shape, len(typ.Shape))
	for i, d := range typ.Shape {
		switch {
		case d.Known:
			if d.Value < 0 {
				return nil, fmt.Errorf("declared dim %d is %d", i, d.Value)
			}
			shape[i] = int(d.Value)
		case i == 0:
			shape[i] = batch
		default:
			shape[i] = 1
		}
	}
	if err := shape.Check(); err != nil {
		return nil, err
	}
	t := tensor.New(typ.Elem, shape...)
	switch typ.Elem {
	case tensor.Float32:
		for i := range t.Float32s() {
			t.Float32s()[i] = float32(rng.NormFloat64())
		}
	case tensor.Float64:
		for i := range t.Float64s() {
			t.Float64s()[i] = rng.NormFloat64()
		}
	case tensor.Float16:
		for i := range tensor.Data[tensor.Float16Bits](t) {
			tensor.Data[tensor.Float16Bits](t)[i] = tensor.ToFloat16(float32(rng.NormFloat64()))
		}
	case tensor.BFloat16:
		for i := range tensor.Data[tensor.BFloat16Bits](t) {
			tensor.Data[tensor.BFloat16Bits](t)[i] = tensor.ToBFloat16(float32(rng.NormFloat64()))
		}
	}
	return t, nil
}
