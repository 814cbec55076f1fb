// Package ml implements tree-ensemble and ONNX-ML operators:
//
//   - "sinter.ml" TreeEnsemble v1, the canonical tree-ensemble node every
//     tree format loads into (see ir/ensemble), run by kernels/trees;
//   - ai.onnx.ml TreeEnsembleRegressor and TreeEnsembleClassifier (v1, v3,
//     with the *_as_tensor attributes) and TreeEnsemble (v5), converted to
//     an ensemble.Ensemble when the node is bound (AVERAGE divides every
//     target by the number of trees, as ONNX Runtime; X may have more
//     columns than the trees use);
//   - ONNX-ML glue ops used around exported tree and linear models:
//     Scaler, Normalizer, Binarizer, Imputer, ArrayFeatureExtractor,
//     LinearRegressor, LinearClassifier (all post transforms; a binary
//     classifier with one row of weights scores [1−s, s], or [σ(−s), σ(s)]
//     under LOGISTIC, as ONNX Runtime), LabelEncoder (v1 classes_strings;
//     v2 keys_/values_ strings, int64s, floats; v4 keys_tensor,
//     values_tensor, default_tensor of string, int64, int32, int16, float,
//     double; NaN keys match NaN), OneHotEncoder (cats_int64s or
//     cats_strings, zeros) and FeatureVectorizer.
//
// Not implemented: ZipMap, CastMap, DictVectorizer, which produce or consume
// maps (sequence of maps) that ops.Value cannot express yet; SVMRegressor,
// SVMClassifier, Normalizer-free text ops of ai.onnx.ml (CategoryMapper,
// TreeEnsemble's predecessors other than those above). Models using them
// fail at load with the registry's unsupported-operator error.
//
// Known difference from ONNX Runtime 1.30: ONNX Runtime's
// TreeEnsembleRegressor with n_targets = 1 ignores LOGISTIC, SOFTMAX and
// SOFTMAX_ZERO and keeps one vote per leaf; Sinter follows the
// specification (transform applied, votes summed). formats/onnxml never
// emits such nodes.
package ml

import (
	"fmt"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ir/ensemble"
	"github.com/sinter-ml/sinter/kernels/trees"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// Parallel, when set before models are compiled, is handed to the tree
// kernels to split work over threads (see trees.Options.Parallel).
var Parallel func(n int, fn func(lo, hi int))

// Register adds this family's operators to r and claims the "sinter.ml"
// domain (version 1) and ai.onnx.ml up to version 5.
func Register(r *ops.Registry) {
	r.ClaimOpset(ensemble.Domain, ensemble.Version)
	r.ClaimOpset(ir.MLDomain, 5)
	r.Register(ensemble.Domain, ensemble.OpType, 1, bindCanonical)

	r.RegisterVersions(ir.MLDomain, "TreeEnsembleRegressor", []int64{1, 3}, bindOnnxRegressor)
	r.RegisterVersions(ir.MLDomain, "TreeEnsembleClassifier", []int64{1, 3}, bindOnnxClassifier)
	r.Register(ir.MLDomain, "TreeEnsemble", 5, bindTreeEnsembleV5)
	registerGlue(r)
	registerGlue2(r)
}

// rowsOf returns X as a trees.Input of rows × nf, converting integer and
// half inputs to float64.
func rowsOf(x *tensor.Tensor, nf int) (trees.Input, error) {
	if x == nil {
		return trees.Input{}, fmt.Errorf("input X is missing")
	}
	var rows int
	switch x.Rank() {
	case 1:
		if x.Len() != nf {
			return trees.Input{}, fmt.Errorf("input X has shape %v, want [%d] or [N, %d]", x.Shape(), nf, nf)
		}
		rows = 1
	case 2:
		if x.Shape()[1] != nf {
			return trees.Input{}, fmt.Errorf("input X has shape %v, want [N, %d]", x.Shape(), nf)
		}
		rows = x.Shape()[0]
	default:
		return trees.Input{}, fmt.Errorf("input X has rank %d, want 2", x.Rank())
	}
	return inputOf(x, rows)
}

// wideRowsOf is rowsOf for ONNX-ML nodes, whose X may have more columns
// than the trees use (nf is the largest feature index + 1): the first nf
// columns are copied out.
func wideRowsOf(x *tensor.Tensor, nf int) (trees.Input, error) {
	if x == nil || x.Rank() != 2 || x.Shape()[1] <= nf {
		return rowsOf(x, nf)
	}
	rows, cols := x.Shape()[0], x.Shape()[1]
	in, err := inputOf(x, rows)
	if err != nil {
		return in, err
	}
	if in.F32 != nil {
		v := make([]float32, rows*nf)
		for r := range rows {
			copy(v[r*nf:(r+1)*nf], in.F32[r*cols:])
		}
		return trees.Input{F32: v, Rows: rows}, nil
	}
	v := make([]float64, rows*nf)
	for r := range rows {
		copy(v[r*nf:(r+1)*nf], in.F64[r*cols:])
	}
	return trees.Input{F64: v, Rows: rows}, nil
}

// inputOf wraps x's data (converted to float64 unless float32 or float64).
func inputOf(x *tensor.Tensor, rows int) (trees.Input, error) {
	switch x.DType() {
	case tensor.Float32:
		return trees.Input{F32: x.Float32s(), Rows: rows}, nil
	case tensor.Float64:
		return trees.Input{F64: x.Float64s(), Rows: rows}, nil
	case tensor.Int32, tensor.Int64, tensor.Float16, tensor.BFloat16, tensor.Int8, tensor.Uint8, tensor.Int16, tensor.Uint16:
		v, err := tensor.ToFloat64(x)
		if err != nil {
			return trees.Input{}, err
		}
		return trees.Input{F64: v, Rows: rows}, nil
	}
	return trees.Input{}, fmt.Errorf("input X has unsupported type %v", x.DType())
}

// floatOut allocates an [rows, width] output of the ensemble's output type
// and points the matching Outputs field at it.
func floatOut(e *ensemble.Ensemble, rows, width int, f32 *[]float32, f64 *[]float64) *tensor.Tensor {
	if e.OutputType == ensemble.OutFloat64 {
		t := tensor.New(tensor.Float64, rows, width)
		*f64 = t.Float64s()
		return t
	}
	t := tensor.New(tensor.Float32, rows, width)
	*f32 = t.Float32s()
	return t
}

func bindCanonical(n *ops.Node) (ops.Kernel, error) {
	e, err := ensemble.FromNode(n.Node)
	if err != nil {
		return nil, err
	}
	if n.NumInputs() != 1 {
		return nil, fmt.Errorf("TreeEnsemble takes one input, got %d", n.NumInputs())
	}
	maxOut := 3
	if e.Classes != nil {
		maxOut = 4
	}
	if n.NumOutputs() > maxOut {
		return nil, fmt.Errorf("TreeEnsemble has at most %d outputs, got %d", maxOut, n.NumOutputs())
	}
	m, err := trees.Compile(e, trees.Options{Parallel: Parallel})
	if err != nil {
		return nil, err
	}
	cls := e.Classes != nil
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := rowsOf(in[0], e.NumFeatures)
		if err != nil {
			return nil, err
		}
		rows := x.Rows
		res := make([]*tensor.Tensor, n.NumOutputs())
		var out trees.Outputs
		var classIdx []int32
		if cls {
			if n.HasOutput(ensemble.ClsLabel) {
				classIdx = make([]int32, rows)
				out.Class = classIdx
			}
			if n.HasOutput(ensemble.ClsProba) {
				res[ensemble.ClsProba] = floatOut(e, rows, m.NumClasses(), &out.Proba32, &out.Proba64)
			}
			if n.HasOutput(ensemble.ClsMargin) {
				res[ensemble.ClsMargin] = floatOut(e, rows, e.NumTargets, &out.Margin32, &out.Margin64)
			}
			if n.HasOutput(ensemble.ClsLeaves) {
				t := tensor.New(tensor.Int64, rows, len(e.Trees))
				out.Leaves = t.Int64s()
				res[ensemble.ClsLeaves] = t
			}
		} else {
			if n.HasOutput(ensemble.RegY) {
				res[ensemble.RegY] = floatOut(e, rows, e.NumTargets, &out.Pred32, &out.Pred64)
			}
			if n.HasOutput(ensemble.RegMargin) {
				res[ensemble.RegMargin] = floatOut(e, rows, e.NumTargets, &out.Margin32, &out.Margin64)
			}
			if n.HasOutput(ensemble.RegLeaves) {
				t := tensor.New(tensor.Int64, rows, len(e.Trees))
				out.Leaves = t.Int64s()
				res[ensemble.RegLeaves] = t
			}
		}
		if err := m.Run(x, &out); err != nil {
			return nil, err
		}
		if classIdx != nil {
			res[ensemble.ClsLabel] = labelsOf(e.Classes.Int64, e.Classes.Strings, classIdx)
		}
		return res, nil
	}, nil
}

// labelsOf maps class indices to an int64 or string label tensor.
func labelsOf(ints []int64, strs []string, idx []int32) *tensor.Tensor {
	if strs != nil {
		t := tensor.New(tensor.String, len(idx))
		s := t.Strings()
		for i, c := range idx {
			s[i] = strs[c]
		}
		return t
	}
	t := tensor.New(tensor.Int64, len(idx))
	v := t.Int64s()
	for i, c := range idx {
		v[i] = ints[c]
	}
	return t
}
