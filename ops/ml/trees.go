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
// Every operator here offers the planned form (ops.Planned), with working
// memory from a free list: once warm, a planned run allocates nothing but
// the strings of string outputs.
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

// treeRows checks X for a tree ensemble of nf features and returns its
// row count: X is [nf] (one row) or [N, nf], or with wide [N, C ≥ nf]
// (ONNX-ML nodes, whose X may have more columns than the trees use: nf is
// the largest feature index + 1), of a type inputOf takes.
func treeRows(x *tensor.Tensor, nf int, wide bool) (int, error) {
	if x == nil {
		return 0, fmt.Errorf("input X is missing")
	}
	var rows int
	switch x.Rank() {
	case 1:
		if x.Len() != nf {
			return 0, fmt.Errorf("input X has shape %v, want [%d] or [N, %d]", x.Shape(), nf, nf)
		}
		rows = 1
	case 2:
		if c := x.Shape()[1]; c != nf && !(wide && c > nf) {
			return 0, fmt.Errorf("input X has shape %v, want [N, %d]", x.Shape(), nf)
		}
		rows = x.Shape()[0]
	default:
		return 0, fmt.Errorf("input X has rank %d, want 2", x.Rank())
	}
	switch x.DType() {
	case tensor.Float32, tensor.Float64, tensor.Int32, tensor.Int64, tensor.Float16, tensor.BFloat16, tensor.Int8, tensor.Uint8, tensor.Int16, tensor.Uint16:
		return rows, nil
	}
	return 0, fmt.Errorf("input X has unsupported type %v", x.DType())
}

// rowsOf returns X (see treeRows) as a trees.Input: X's own data when it
// is float32 or float64, else converted to float64 in w's memory; with
// wide, only the first nf columns, copied out.
func (w *work) rowsOf(x *tensor.Tensor, nf int, wide bool) (trees.Input, error) {
	rows, err := treeRows(x, nf, wide)
	if err != nil {
		return trees.Input{}, err
	}
	var in trees.Input
	switch x.DType() {
	case tensor.Float32:
		in = trees.Input{F32: x.Float32s(), Rows: rows}
	case tensor.Float64:
		in = trees.Input{F64: x.Float64s(), Rows: rows}
	default:
		v := grow(&w.x, x.Len())
		if err := tensor.LoadFloat64(v, x); err != nil {
			return trees.Input{}, err
		}
		in = trees.Input{F64: v, Rows: rows}
	}
	if x.Rank() != 2 || x.Shape()[1] == nf {
		return in, nil
	}
	cols := x.Shape()[1]
	if in.F32 != nil {
		v := grow(&w.x32, rows*nf)
		for r := range rows {
			copy(v[r*nf:(r+1)*nf], in.F32[r*cols:])
		}
		return trees.Input{F32: v, Rows: rows}, nil
	}
	v := grow(&w.x64, rows*nf)
	for r := range rows {
		copy(v[r*nf:(r+1)*nf], in.F64[r*cols:])
	}
	return trees.Input{F64: v, Rows: rows}, nil
}

// wideRowsOf is rowsOf for ONNX-ML nodes, whose X may have more columns
// than the trees use.
func (w *work) wideRowsOf(x *tensor.Tensor, nf int) (trees.Input, error) {
	return w.rowsOf(x, nf, true)
}

// floatType is the element type of the ensemble's float outputs.
func floatType(e *ensemble.Ensemble) tensor.DType {
	if e.OutputType == ensemble.OutFloat64 {
		return tensor.Float64
	}
	return tensor.Float32
}

// floatsOf points the Outputs field of t's type (f32 or f64) at t's
// storage.
func floatsOf(t *tensor.Tensor, f32 *[]float32, f64 *[]float64) {
	if t.DType() == tensor.Float64 {
		*f64 = t.Float64s()
		return
	}
	*f32 = t.Float32s()
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
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			rows, err := treeRows(in[0], e.NumFeatures, false)
			if err != nil {
				return err
			}
			set := func(i int, dt tensor.DType, dims ...int) {
				if i < len(out) {
					out[i].DType = dt
					out[i].Shape = append(out[i].Shape[:0], dims...)
				}
			}
			ft := floatType(e)
			if cls {
				label := tensor.Int64
				if e.Classes.Strings != nil {
					label = tensor.String
				}
				set(ensemble.ClsLabel, label, rows)
				set(ensemble.ClsProba, ft, rows, m.NumClasses())
				set(ensemble.ClsMargin, ft, rows, e.NumTargets)
				set(ensemble.ClsLeaves, tensor.Int64, rows, len(e.Trees))
			} else {
				set(ensemble.RegY, ft, rows, e.NumTargets)
				set(ensemble.RegMargin, ft, rows, e.NumTargets)
				set(ensemble.RegLeaves, tensor.Int64, rows, len(e.Trees))
			}
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			w := getWork()
			defer putWork(w)
			x, err := w.rowsOf(in[0], e.NumFeatures, false)
			if err != nil {
				return err
			}
			// get returns output i, or nil when the node omits it.
			get := func(i int) *tensor.Tensor {
				if i < len(out) {
					return out[i]
				}
				return nil
			}
			o := &w.out
			var label *tensor.Tensor
			if cls {
				if label = get(ensemble.ClsLabel); label != nil {
					o.Class = grow(&w.cls, x.Rows)
				}
				if t := get(ensemble.ClsProba); t != nil {
					floatsOf(t, &o.Proba32, &o.Proba64)
				}
				if t := get(ensemble.ClsMargin); t != nil {
					floatsOf(t, &o.Margin32, &o.Margin64)
				}
				if t := get(ensemble.ClsLeaves); t != nil {
					o.Leaves = t.Int64s()
				}
			} else {
				if t := get(ensemble.RegY); t != nil {
					floatsOf(t, &o.Pred32, &o.Pred64)
				}
				if t := get(ensemble.RegMargin); t != nil {
					floatsOf(t, &o.Margin32, &o.Margin64)
				}
				if t := get(ensemble.RegLeaves); t != nil {
					o.Leaves = t.Int64s()
				}
			}
			if err := m.Run(x, o); err != nil {
				return err
			}
			if label != nil {
				labelsInto(label, e.Classes.Int64, e.Classes.Strings, o.Class)
			}
			return nil
		},
	})
}

// labelsOf maps class indices to an int64 or string label tensor.
func labelsOf(ints []int64, strs []string, idx []int32) *tensor.Tensor {
	dt := tensor.Int64
	if strs != nil {
		dt = tensor.String
	}
	t := tensor.New(dt, len(idx))
	labelsInto(t, ints, strs, idx)
	return t
}

// labelsInto sets t (len(idx) int64 or string elements) to the labels of
// the class indices idx.
func labelsInto(t *tensor.Tensor, ints []int64, strs []string, idx []int32) {
	if strs != nil {
		s := t.Strings()
		for i, c := range idx {
			s[i] = strs[c]
		}
		return
	}
	v := t.Int64s()
	for i, c := range idx {
		v[i] = ints[c]
	}
}
