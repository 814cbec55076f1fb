// Package xgboost reads XGBoost models in all three of XGBoost's encodings
// and converts them to Sinter's canonical tree ensemble.
//
//   - JSON (Booster.save_model("m.json")), including XGBoost's NaN/Infinity
//     tokens and both base_score forms ("5E-1" up to 3.0, "[5E-1]" from 3.1);
//   - UBJSON (the default since 2.1), read by a small Universal Binary JSON
//     decoder (typed and counted containers, strongly typed arrays);
//   - the legacy binary format (deprecated, removed in 3.1), with or without
//     the "binf" magic, including pre-1.0 files whose base_score is a margin.
//
// Decode (or DecodeFormat, with Detect telling the encodings apart) yields a
// Model: the booster as the file holds it (gbtree, dart or gblinear; trees
// as XGBoost's parallel arrays). Model.Ensemble converts it to an
// ensemble.Ensemble with XGBoost's prediction semantics, and Model.IRModel
// wraps that in an ir.Model of one "sinter.ml" TreeEnsemble node whose
// outputs are XGBoost's predict() (OutputPrediction), predict(output_margin=True)
// (OutputMargin) and predict(pred_leaf=True) (OutputLeaf).
//
// Semantics reproduced: float32 features and thresholds with x < threshold
// going left; NaN following default_left; categorical splits sending listed
// categories right and negative, unlisted or ≥ 2^24 values left; base_score
// through the objective's inverse link (logit for binary:logistic and
// reg:logistic, log for count:poisson, reg:gamma, reg:tweedie, survival:cox
// and survival:aft, identity otherwise, including binary:logitraw since
// XGBoost 1.7); float32 accumulation in tree order from the base margin;
// DART weight_drop; one-output-per-tree multi-class and multi-target models
// (tree_info) and vector-leaf trees (XGBoost ≥ 2.0); gblinear with missing
// values skipped; every objective's transform (sigmoid, exp, softmax,
// multi:softmax's class index, binary:hinge's step, identity).
//
// Every decoder treats its input as hostile: truncated or corrupt data,
// counts the bytes cannot back, out-of-range indices, cycles and shared
// subtrees are errors wrapping ErrInvalid (ErrUnsupported for well-formed
// models Sinter cannot run), never panics; allocation stays within a small
// multiple of the input size.
package xgboost
