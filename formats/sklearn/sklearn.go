// Package sklearn loads fitted scikit-learn estimators from pickle and
// joblib files, without Python and without executing anything, and
// converts them into Sinter's IR.
//
// The files are read by formats/sklearn/pickle, a non-executing unpickler:
// every global a pickle names must be on this package's allow-list (the
// estimators below and the helper classes they hold: tree state, losses,
// binners, dummy estimators, numpy random states, which are kept as inert
// data), and anything else is refused ("sklearn: pickle refers to
// os.system, which is not allowed"). Plain pickles of protocols 2–5 and
// joblib files (uncompressed, or compressed with zlib, gzip or bzip2) are
// accepted.
//
// # Estimators
//
// Tree models become one canonical tree-ensemble node (ir/ensemble):
// DecisionTreeClassifier/Regressor, ExtraTreeClassifier/Regressor,
// RandomForestClassifier/Regressor, ExtraTreesClassifier/Regressor,
// GradientBoostingClassifier/Regressor (init estimator DummyClassifier
// "prior", DummyRegressor, or "zero"; losses log_loss binary and
// multinomial, exponential, squared_error, absolute_error, huber, quantile),
// HistGradientBoostingClassifier/Regressor (numerical and categorical
// splits, NaN, losses log_loss, squared_error, absolute_error, quantile,
// poisson, gamma) and IsolationForest (path lengths summed by the tree node,
// then the score formula in standard ONNX ops). Trees compare
// float32(x) <= threshold in float64, as scikit-learn's trees do; histogram
// gradient boosting compares in float64, as it does.
//
// LogisticRegression (binary, multinomial, one-vs-rest), LinearRegression,
// Ridge, StandardScaler and MinMaxScaler lower to standard ONNX operators
// (MatMul, Add, Sub, Div, Mul, Sigmoid, Softmax, ArgMax, Gather), computed in
// float64 like scikit-learn. A Pipeline of scalers followed by any of the
// models above is supported.
//
// # Outputs
//
// Outputs follow scikit-learn's methods and shapes (see Output): predict
// (class labels, int64 or string, for classifiers; values for regressors,
// [N] for single-output models), predict_proba ([N, classes] in classes_
// order), decision_function ([N] for binary models, [N, K] otherwise),
// score_samples (IsolationForest) and apply (leaf node ids, [N, trees]).
package sklearn

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sinter-ml/sinter/formats/sklearn/pickle"
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
)

// Errors wrapped by the errors this package returns (besides the pickle
// package's ErrInvalid, ErrRefused and ErrLimit).
var (
	// ErrInvalid reports a pickle whose estimator state is inconsistent.
	ErrInvalid = errors.New("sklearn: invalid model")
	// ErrUnsupported reports an estimator or option Sinter does not convert.
	ErrUnsupported = errors.New("sklearn: unsupported model")
)

// Output selects one output of a loaded model.
type Output uint8

// Outputs a model can have.
const (
	// Predict is predict(): class labels ([N] int64 or string) for
	// classifiers, ±1 for IsolationForest, values for regressors ([N], or
	// [N, outputs] for multi-output models). Default name "label" for
	// classifiers and outlier detectors, "Y" for regressors.
	Predict Output = iota
	// Probabilities is predict_proba(), [N, classes]. Default name "probabilities".
	Probabilities
	// DecisionFunction is decision_function(): [N] for binary classifiers
	// and IsolationForest, [N, K] otherwise. Default name "decision_function".
	DecisionFunction
	// ScoreSamples is IsolationForest's score_samples(), [N]. Default name "score_samples".
	ScoreSamples
	// Leaves is the leaf node id each row reaches in each tree, [N, trees]
	// int64 (apply(); for gradient boosting, trees in stage-major order).
	// Default name "leaves".
	Leaves
	numOutputs
)

var outputNames = [...]string{"predict", "probabilities", "decision_function", "score_samples", "leaves"}

func (o Output) String() string {
	if int(o) < len(outputNames) {
		return outputNames[o]
	}
	return fmt.Sprintf("output(%d)", uint8(o))
}

// Options configures LoadWith. The zero value gives a float32 input "X"
// [N, features] and float64 outputs: {Predict, Probabilities} for
// classifiers, {Predict, ScoreSamples} for IsolationForest, {Predict} for
// regressors.
type Options struct {
	// Outputs lists the graph's outputs in order (each at most once).
	Outputs []Output
	// Names overrides the outputs' default names, by position in Outputs.
	Names []string
	// Input names the graph input ("X" by default).
	Input string
	// InputType is the input's element type: Float32 (default) or Float64.
	InputType tensor.DType
	// Float32Output stores scores and probabilities as float32.
	Float32Output bool
	// MaxDecompressed bounds the size of a decompressed joblib file
	// (default 1 GiB).
	MaxDecompressed int64
	// Limits bounds the unpickler (zero: its defaults).
	Limits pickle.Limits
}

// Detect reports whether b looks like a pickle (protocol 2–5 header) or a
// compressed joblib file holding one.
func Detect(b []byte) bool {
	if len(b) >= 2 && b[0] == 0x80 && b[1] >= 2 && b[1] <= 5 {
		return true
	}
	if compression(b) == "" {
		return false
	}
	r, err := decompressor(b)
	if err != nil {
		return false
	}
	var head [2]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return false
	}
	return head[0] == 0x80 && head[1] >= 2 && head[1] <= 5
}

func compression(b []byte) string {
	switch {
	case len(b) >= 2 && b[0] == 0x78 && (uint(b[0])<<8|uint(b[1]))%31 == 0:
		return "zlib"
	case len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b:
		return "gzip"
	case len(b) >= 3 && b[0] == 'B' && b[1] == 'Z' && b[2] == 'h':
		return "bzip2"
	}
	return ""
}

func decompressor(b []byte) (io.Reader, error) {
	switch compression(b) {
	case "zlib":
		return zlib.NewReader(bytes.NewReader(b))
	case "gzip":
		return gzip.NewReader(bytes.NewReader(b))
	case "bzip2":
		return bzip2.NewReader(bytes.NewReader(b)), nil
	}
	return nil, fmt.Errorf("%w: not a pickle or compressed joblib file", ErrInvalid)
}

// Load reads a pickled or joblib-dumped scikit-learn estimator and returns
// it as an ir.Model with the default outputs.
func Load(b []byte) (*ir.Model, error) { return LoadWith(b, Options{}) }

// LoadWith is Load with options.
func LoadWith(b []byte, o Options) (*ir.Model, error) {
	v, n, err := unpickle(b, o)
	if err != nil {
		return nil, err
	}
	return convert(v, o, 2*int64(n)+1<<20)
}

// Unpickle decodes b (decompressing joblib files) with this package's
// allow-list and returns the estimator object.
func Unpickle(b []byte, o Options) (pickle.Value, error) {
	v, _, err := unpickle(b, o)
	return v, err
}

// unpickle also returns the size of the (decompressed) pickle.
func unpickle(b []byte, o Options) (pickle.Value, int, error) {
	if len(b) == 0 {
		return nil, 0, fmt.Errorf("%w: empty input", ErrInvalid)
	}
	if compression(b) != "" && !(b[0] == 0x80) {
		r, err := decompressor(b)
		if err != nil {
			return nil, 0, fmt.Errorf("sklearn: %w", err)
		}
		max := o.MaxDecompressed
		if max <= 0 {
			max = 1 << 30
		}
		d, err := io.ReadAll(io.LimitReader(r, max+1))
		if err != nil {
			return nil, 0, fmt.Errorf("%w: decompressing: %v", ErrInvalid, err)
		}
		if int64(len(d)) > max {
			return nil, 0, fmt.Errorf("%w: decompressed file exceeds %d bytes", pickle.ErrLimit, max)
		}
		b = d
	}
	v, _, err := pickle.Unpickle(b, pickle.Options{Allow: Allowed, Limits: o.Limits})
	if err != nil {
		return nil, 0, fmt.Errorf("sklearn: %w", err)
	}
	return v, len(b), nil
}

// allowed lists the classes and functions a scikit-learn pickle may name
// besides the unpickler's numpy/builtins helpers. All are kept as inert data.
var allowed = map[string]bool{}

func init() {
	for mod, names := range map[string]string{
		"sklearn.tree._classes":       "DecisionTreeClassifier DecisionTreeRegressor ExtraTreeClassifier ExtraTreeRegressor",
		"sklearn.tree._tree":          "Tree",
		"sklearn.ensemble._forest":    "RandomForestClassifier RandomForestRegressor ExtraTreesClassifier ExtraTreesRegressor",
		"sklearn.ensemble._iforest":   "IsolationForest",
		"sklearn.ensemble._gb":        "GradientBoostingClassifier GradientBoostingRegressor",
		"sklearn.ensemble._gb_losses": "LeastSquaresError LeastAbsoluteError HuberLossFunction QuantileLossFunction BinomialDeviance MultinomialDeviance ExponentialLoss",
		"sklearn.dummy":               "DummyClassifier DummyRegressor",
		"sklearn.ensemble._hist_gradient_boosting.gradient_boosting": "HistGradientBoostingClassifier HistGradientBoostingRegressor",
		"sklearn.ensemble._hist_gradient_boosting.predictor":         "TreePredictor",
		"sklearn.ensemble._hist_gradient_boosting.binning":           "_BinMapper",
		"sklearn._loss.loss":             "HalfSquaredError AbsoluteError PinballLoss HalfPoissonLoss HalfGammaLoss HalfTweedieLoss HalfTweedieLossIdentity HalfBinomialLoss HalfMultinomialLoss",
		"sklearn._loss.link":             "Interval IdentityLink LogLink LogitLink HalfLogitLink MultinomialLogit",
		"sklearn.linear_model._logistic": "LogisticRegression",
		"sklearn.linear_model._base":     "LinearRegression",
		"sklearn.linear_model._ridge":    "Ridge",
		"sklearn.preprocessing._data":    "StandardScaler MinMaxScaler",
		"sklearn.pipeline":               "Pipeline",
		"numpy.random._pickle":           "__randomstate_ctor __bit_generator_ctor __generator_ctor",
		"numpy.random._mt19937":          "MT19937",
		"numpy.random._pcg64":            "PCG64",
		"numpy.random.mtrand":            "RandomState",
	} {
		for _, n := range strings.Fields(names) {
			allowed[mod+"."+n] = true
		}
	}
}

// Allowed is the allow-list: it reports whether a scikit-learn pickle may
// refer to module.name.
func Allowed(module, name string) bool {
	if allowed[module+"."+name] {
		return true
	}
	// The Cython loss objects of sklearn._loss._loss and their unpickle helpers.
	if module == "sklearn._loss._loss" && (strings.HasPrefix(name, "Cy") || strings.HasPrefix(name, "__pyx_unpickle_Cy")) {
		return true
	}
	return false
}
