package runtime

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/sinter-ml/sinter/formats/lightgbm"
	"github.com/sinter-ml/sinter/formats/onnx"
	"github.com/sinter-ml/sinter/formats/sklearn"
	"github.com/sinter-ml/sinter/formats/xgboost"
	"github.com/sinter-ml/sinter/ir"
)

// ModelType names a model file format.
type ModelType int

// Model types. ModelAuto detects the type from the file's content.
const (
	ModelAuto ModelType = iota
	ModelONNX
	ModelXGBoost
	ModelLightGBM
	ModelSklearn
)

func (t ModelType) String() string {
	switch t {
	case ModelAuto:
		return "auto"
	case ModelONNX:
		return "onnx"
	case ModelXGBoost:
		return "xgboost"
	case ModelLightGBM:
		return "lightgbm"
	case ModelSklearn:
		return "sklearn"
	}
	return fmt.Sprintf("ModelType(%d)", int(t))
}

// ParseModelType maps a name as printed by String back to a ModelType.
func ParseModelType(s string) (ModelType, error) {
	for t := ModelAuto; t <= ModelSklearn; t++ {
		if t.String() == s {
			return t, nil
		}
	}
	return ModelAuto, fmt.Errorf("runtime: unknown model type %q (want auto, onnx, xgboost, lightgbm or sklearn)", s)
}

// ErrUnknownFormat is returned when no model format recognises a file.
var ErrUnknownFormat = errors.New("runtime: unrecognised model format")

// DetectModelType guesses a model's format from its content, asking each
// format in turn: a pickle or joblib file is scikit-learn, LightGBM's text
// format starts with a "tree" line, XGBoost is recognised in its JSON,
// UBJSON and legacy binary forms; anything else is taken to be ONNX (whose
// decoder then reports what is wrong with it).
func DetectModelType(b []byte) ModelType {
	switch {
	case sklearn.Detect(b):
		return ModelSklearn
	case lightgbm.Detect(b):
		return ModelLightGBM
	}
	if _, ok := xgboost.Detect(b); ok {
		return ModelXGBoost
	}
	return ModelONNX
}

// TreeOutput selects what a tree-ensemble model's graph returns.
type TreeOutput int

// Tree outputs.
const (
	// TreePrediction is the library's predict(): transformed scores for
	// regressors, the class label (and probabilities) for classifiers.
	TreePrediction TreeOutput = iota
	// TreeMargin is the raw, untransformed score (margin).
	TreeMargin
	// TreeProbability is the class probabilities (classifiers; regressors
	// give their prediction).
	TreeProbability
	// TreeLeaf is the index of the leaf each row reaches in each tree.
	TreeLeaf
)

// ParseTreeOutput maps "prediction", "margin", "prob" or "leaf" to a TreeOutput.
func ParseTreeOutput(s string) (TreeOutput, error) {
	switch s {
	case "prediction", "pred", "":
		return TreePrediction, nil
	case "margin", "raw":
		return TreeMargin, nil
	case "prob", "probability":
		return TreeProbability, nil
	case "leaf", "leaves":
		return TreeLeaf, nil
	}
	return 0, fmt.Errorf("runtime: unknown tree output %q (want prediction, margin, prob or leaf)", s)
}

// WithTreeOutput selects what a tree-ensemble model returns (default
// TreePrediction). ONNX models ignore it.
func WithTreeOutput(t TreeOutput) Option { return func(o *options) { o.treeOutput = t } }

// headSize is how much of a file DetectModelType looks at.
const headSize = 4096

// load reads the model at path (mmapping ONNX files) and returns its IR and
// a function releasing what it holds.
func load(path string, o *options) (*ir.Model, func() error, error) {
	typ := o.modelType
	if typ == ModelAuto {
		f, err := os.Open(path)
		if err != nil {
			return nil, nil, fmt.Errorf("runtime: %w", err)
		}
		head := make([]byte, headSize)
		n, err := io.ReadFull(f, head)
		f.Close()
		if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
			return nil, nil, fmt.Errorf("runtime: %w", err)
		}
		typ = DetectModelType(head[:n])
	}
	if typ == ModelONNX {
		f, err := onnx.Open(path)
		if err != nil {
			return nil, nil, err
		}
		return f.Model, f.Close, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("runtime: %w", err)
	}
	m, err := decode(data, typ, o)
	return m, nil, err
}

// decode builds the IR of a model held in memory.
func decode(data []byte, typ ModelType, o *options) (*ir.Model, error) {
	if typ == ModelAuto {
		typ = DetectModelType(data)
	}
	switch typ {
	case ModelONNX:
		return onnx.Decode(data)
	case ModelLightGBM:
		opts := lightgbm.Options{}
		switch o.treeOutput {
		case TreeMargin:
			opts.Outputs = []lightgbm.Output{lightgbm.RawScore}
		case TreeLeaf:
			opts.Outputs = []lightgbm.Output{lightgbm.LeafIndex}
		case TreeProbability:
			m, err := lightgbm.Parse(data)
			if err != nil {
				return nil, err
			}
			if m.Objective.Classifier() {
				opts.Outputs = []lightgbm.Output{lightgbm.Probabilities}
			}
			return m.IR(opts)
		}
		return lightgbm.Decode(data, opts)
	case ModelXGBoost:
		m, err := xgboost.Decode(data)
		if err != nil {
			return nil, err
		}
		out := xgboost.OutputPrediction
		switch o.treeOutput {
		case TreeMargin:
			out = xgboost.OutputMargin
		case TreeLeaf:
			out = xgboost.OutputLeaf
		}
		return m.IRModel(out)
	case ModelSklearn:
		var opts sklearn.Options
		switch o.treeOutput {
		case TreeMargin:
			opts.Outputs = []sklearn.Output{sklearn.DecisionFunction}
		case TreeProbability:
			opts.Outputs = []sklearn.Output{sklearn.Probabilities}
		case TreeLeaf:
			opts.Outputs = []sklearn.Output{sklearn.Leaves}
		}
		return sklearn.LoadWith(data, opts)
	}
	return nil, fmt.Errorf("%w: model type %v", ErrUnknownFormat, typ)
}

// ReadModel loads the model at path into the IR without compiling it (for
// conversion and inspection tools), detecting its format like Open. The
// IR may alias a memory-mapped file: call release when done with it.
func ReadModel(path string, opts ...Option) (m *ir.Model, release func() error, err error) {
	o := collect(opts)
	m, closer, err := load(path, &o)
	if err != nil {
		return nil, nil, err
	}
	if closer == nil {
		closer = func() error { return nil }
	}
	return m, closer, nil
}
