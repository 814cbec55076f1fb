#!/usr/bin/python3
"""Generates the scikit-learn fixtures of testdata/sklearn (the ones not
copied from ../shared/fixtures/sklearn; see README.md).

Run with Debian's interpreter (python3-sklearn 1.2.1, numpy 1.24.2,
joblib 1.2.0) from this directory:

    /usr/bin/python3 gen_fixtures.py

scikit-learn itself is the oracle: every expected_*.npy is the output of the
estimator's own predict / predict_proba / decision_function / score_samples /
apply on input.npy (float32 rows, passed to scikit-learn as float64).
Tree-model inputs include rows whose values sit exactly on a split
threshold's float32 neighbours. Files above 100 KiB are stored gzipped.
"""
import gzip
import json
import os
import pickle
import shutil

import joblib
import numpy as np
import sklearn
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor,
                              GradientBoostingClassifier,
                              GradientBoostingRegressor,
                              HistGradientBoostingClassifier,
                              HistGradientBoostingRegressor, IsolationForest,
                              RandomForestClassifier, RandomForestRegressor)
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.tree import DecisionTreeRegressor

ROWS = 200
rng = np.random.RandomState(2024)


def scale(X):
    s = np.linspace(0.5, 40, X.shape[1])
    o = np.linspace(-3, 7, X.shape[1])
    return (X * s + o).astype(np.float32).astype(np.float64)


def clf_data(n_features=8, n_classes=2, n=1200, seed=1):
    X, y = make_classification(n_samples=n, n_features=n_features, n_informative=min(5, n_features - 2),
                               n_redundant=1, n_classes=n_classes, n_clusters_per_class=1, random_state=seed)
    return scale(X), y


def reg_data(n_features=8, n_targets=1, n=1200, seed=1):
    X, y = make_regression(n_samples=n, n_features=n_features, n_informative=5, n_targets=n_targets,
                           noise=5.0, random_state=seed)
    return scale(X), y


def split_nodes(est):
    """(feature, threshold) pairs of the first tree's splits, if any."""
    tree = None
    if hasattr(est, "tree_"):
        tree = est.tree_
    elif hasattr(est, "estimators_"):
        e = est.estimators_
        first = e[0] if not isinstance(e, np.ndarray) else e.flat[0]
        tree = first.tree_
    if tree is None:
        return []
    return [(tree.feature[i], tree.threshold[i]) for i in range(tree.node_count) if tree.children_left[i] != -1]


def test_rows(Xtest, est, nan_fraction=0.0, base=None):
    X = Xtest[:ROWS].astype(np.float32).copy()
    splits = split_nodes(base if base is not None else est)
    # Put values exactly on thresholds' float32 neighbours (and the
    # float32 rounding of the threshold itself) into the last quarter.
    for r in range(ROWS * 3 // 4, ROWS):
        if not splits:
            break
        f, t = splits[rng.randint(len(splits))]
        t32 = np.float32(t)
        choice = r % 3
        if choice == 0:
            X[r, f] = t32
        elif choice == 1:
            X[r, f] = np.nextafter(t32, np.float32(np.inf))
        else:
            X[r, f] = np.nextafter(t32, np.float32(-np.inf))
    if nan_fraction:
        mask = rng.rand(*X.shape) < nan_fraction
        X[mask] = np.nan
    return X


def save_npy(d, name, a):
    path = os.path.join(d, name + ".npy")
    np.save(path, np.ascontiguousarray(a))
    gzip_if_large(path)


def gzip_if_large(path):
    if os.path.getsize(path) > 100 * 1024:
        with open(path, "rb") as f, gzip.GzipFile(path + ".gz", "wb", mtime=0) as g:
            shutil.copyfileobj(f, g)
        os.remove(path)


def fixture(name, est, X, description, files=("model.pkl", "model.joblib"), outputs=None, apply=True, extra=None):
    d = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for fn in files:
        path = os.path.join(d, fn)
        if fn == "model.pkl":
            with open(path, "wb") as f:
                pickle.dump(est, f, protocol=5)
        elif fn == "model_p2.pkl":
            with open(path, "wb") as f:
                pickle.dump(est, f, protocol=2)
        elif fn == "model.joblib":
            joblib.dump(est, path)
        elif fn == "model_zlib.joblib":
            joblib.dump(est, path, compress=("zlib", 3))
        elif fn == "model_gzip.joblib":
            joblib.dump(est, path, compress=("gzip", 3))
        # Check each file reloads to the same predictions.
        re = joblib.load(path) if fn.endswith(".joblib") else pickle.load(open(path, "rb"))
        assert np.array_equal(np.asarray(re.predict(X.astype(np.float64))), np.asarray(est.predict(X.astype(np.float64))))
        gzip_if_large(path)
    save_npy(d, "input", X)
    X64 = X.astype(np.float64)
    expected = []
    outputs = outputs or ["predict"]
    for out in outputs:
        if out == "apply":
            v = est.apply(X64)
            v = v.reshape(v.shape[0], -1).astype(np.int64)
            name_ = "expected_apply"
        else:
            v = getattr(est, out)(X64)
            name_ = "expected_" + out
        if out == "predict" and v.dtype.kind in "iub":
            v = v.astype(np.int64)
        if out == "predict" and v.dtype.kind in "OU":
            v = v.astype("U")
        save_npy(d, name_, v)
        expected.append({"file": name_, "dtype": str(v.dtype), "shape": list(v.shape)})
    meta = {
        "family": "sklearn", "name": name, "description": description,
        "library": "scikit-learn %s, numpy %s, joblib %s" % (sklearn.__version__, np.__version__, joblib.__version__),
        "estimator": repr(est), "n_features": int(X.shape[1]), "n_rows": int(X.shape[0]),
        "model_files": list(files), "input_files": ["input.npy"], "expected": expected,
    }
    if hasattr(est, "classes_"):
        meta["classes_"] = [c.item() if hasattr(c, "item") else c for c in est.classes_]
    if extra:
        meta.update(extra)
    with open(os.path.join(d, "fixture.json"), "w") as f:
        json.dump(meta, f, indent=1)


def main():
    # Random forest, string classes (object arrays in every format), small.
    X, y = clf_data(n_features=10, n_classes=3, seed=11)
    ys = np.array(["cat", "dog", "emu"], dtype=object)[y]
    rf = RandomForestClassifier(n_estimators=12, max_depth=7, random_state=11).fit(X, ys)
    fixture("random_forest_classifier_str", rf, test_rows(X[1000:], rf),
            "RandomForestClassifier(12 trees, depth 7), string classes",
            files=("model.pkl", "model_p2.pkl", "model.joblib", "model_zlib.joblib", "model_gzip.joblib"),
            outputs=["predict", "predict_proba", "apply"])

    X, y = reg_data(n_features=9, seed=12)
    rfr = RandomForestRegressor(n_estimators=10, max_depth=8, random_state=12).fit(X, y)
    fixture("random_forest_regressor", rfr, test_rows(X[1000:], rfr), "RandomForestRegressor(10 trees, depth 8)",
            outputs=["predict", "apply"])

    X, y = clf_data(n_features=7, n_classes=4, seed=13)
    et = ExtraTreesClassifier(n_estimators=8, max_depth=6, random_state=13).fit(X, y + 10)
    fixture("extra_trees_classifier", et, test_rows(X[1000:], et), "ExtraTreesClassifier(8 trees), classes 10..13",
            outputs=["predict", "predict_proba", "apply"])

    X, Y = reg_data(n_features=6, n_targets=2, seed=14)
    etr = ExtraTreesRegressor(n_estimators=6, max_depth=6, random_state=14).fit(X, Y)
    fixture("extra_trees_regressor_multioutput", etr, test_rows(X[1000:], etr),
            "ExtraTreesRegressor(6 trees), 2 outputs", outputs=["predict", "apply"])

    X, y = reg_data(n_features=5, seed=15)
    dtr = DecisionTreeRegressor(max_depth=9, random_state=15).fit(X, y)
    fixture("decision_tree_regressor", dtr, test_rows(X[1000:], dtr), "DecisionTreeRegressor(max_depth=9)",
            files=("model.pkl", "model_p2.pkl", "model.joblib"), outputs=["predict", "apply"])

    X, y = clf_data(n_features=8, n_classes=3, seed=16)
    gbm = GradientBoostingClassifier(n_estimators=15, max_depth=3, learning_rate=0.2, random_state=16).fit(X, y)
    fixture("gradient_boosting_classifier_multiclass", gbm, test_rows(X[1000:], gbm),
            "GradientBoostingClassifier(15 stages, 3 classes)",
            outputs=["predict", "predict_proba", "decision_function", "apply"])

    X, y = clf_data(n_features=6, seed=17)
    gbe = GradientBoostingClassifier(loss="exponential", n_estimators=20, max_depth=2, random_state=17).fit(X, y)
    fixture("gradient_boosting_classifier_exponential", gbe, test_rows(X[1000:], gbe),
            "GradientBoostingClassifier(loss='exponential', 20 stages)",
            outputs=["predict", "predict_proba", "decision_function", "apply"])

    X, y = reg_data(n_features=7, seed=18)
    gbr = GradientBoostingRegressor(loss="huber", n_estimators=25, max_depth=3, random_state=18).fit(X, y)
    fixture("gradient_boosting_regressor_huber", gbr, test_rows(X[1000:], gbr),
            "GradientBoostingRegressor(loss='huber', 25 stages)", outputs=["predict", "apply"])

    gbz = GradientBoostingRegressor(init="zero", n_estimators=10, max_depth=2, learning_rate=0.3,
                                    random_state=19).fit(X, y)
    fixture("gradient_boosting_regressor_zero_init", gbz, test_rows(X[1000:], gbz),
            "GradientBoostingRegressor(init='zero', 10 stages)", outputs=["predict", "apply"])

    X, y = clf_data(n_features=8, n_classes=3, seed=20)
    X[rng.rand(*X.shape) < 0.05] = np.nan
    hgm = HistGradientBoostingClassifier(max_iter=15, max_leaf_nodes=15, random_state=20).fit(X, y)
    fixture("hist_gradient_boosting_classifier_multiclass", hgm, test_rows(X[1000:], hgm, nan_fraction=0.05),
            "HistGradientBoostingClassifier(15 iterations, 3 classes, NaN)",
            outputs=["predict", "predict_proba", "decision_function"])

    X, y = reg_data(n_features=6, seed=21)
    yp = np.exp((y - y.mean()) / y.std())
    hgp = HistGradientBoostingRegressor(loss="poisson", max_iter=20, random_state=21).fit(X, yp)
    fixture("hist_gradient_boosting_regressor_poisson", hgp, test_rows(X[1000:], hgp, nan_fraction=0.03),
            "HistGradientBoostingRegressor(loss='poisson', 20 iterations)", outputs=["predict"])

    # Categorical features: columns 0 and 1 hold categories 0..9 and 0..29;
    # test rows include unseen categories, negative values and NaN.
    X, y = clf_data(n_features=6, seed=22)
    X[:, 0] = rng.randint(0, 10, size=X.shape[0])
    X[:, 1] = rng.randint(0, 30, size=X.shape[0])
    y = ((X[:, 0] % 3 == 0) ^ (X[:, 1] > 14) ^ (X[:, 2] > 0)).astype(int)
    X[:, 1][X[:, 1] == 7] = 12  # category 7 never seen
    hgc = HistGradientBoostingClassifier(max_iter=20, categorical_features=[0, 1], random_state=22).fit(X, y)
    Xt = test_rows(X[1000:], hgc, nan_fraction=0.03)
    Xt[0:10, 1] = 7      # unseen category
    Xt[10:15, 1] = -1    # negative: treated as missing
    Xt[15:20, 1] = 40    # beyond the known categories
    Xt[20:25, 0] = 2.7   # non-integral category value
    fixture("hist_gradient_boosting_classifier_categorical", hgc, Xt,
            "HistGradientBoostingClassifier(categorical_features=[0, 1], 20 iterations)",
            outputs=["predict", "predict_proba", "decision_function"])

    X, _ = clf_data(n_features=7, seed=23)
    iso = IsolationForest(n_estimators=30, max_features=0.7, max_samples=200, random_state=23).fit(X)
    fixture("isolation_forest", iso, test_rows(X[1000:], iso), "IsolationForest(30 trees, max_features=0.7)",
            outputs=["predict", "decision_function", "score_samples"])

    X, y = reg_data(n_features=10, seed=24)
    lr = LinearRegression().fit(X, y)
    fixture("linear_regression", lr, X[1000:1000 + ROWS].astype(np.float32), "LinearRegression()")

    X, Y = reg_data(n_features=6, n_targets=3, seed=25)
    ridge = Ridge(alpha=2.0).fit(X, Y)
    fixture("ridge_multioutput", ridge, X[1000:1000 + ROWS].astype(np.float32), "Ridge(alpha=2.0), 3 targets")

    X, y = clf_data(n_features=8, n_classes=3, seed=26)
    ovr = LogisticRegression(multi_class="ovr", max_iter=5000).fit(X, y)
    fixture("logistic_regression_ovr", ovr, X[1000:1000 + ROWS].astype(np.float32),
            "LogisticRegression(multi_class='ovr'), 3 classes",
            outputs=["predict", "predict_proba", "decision_function"])

    X, y = clf_data(n_features=5, seed=27)
    ys = np.array(["no", "yes"], dtype=object)[y]
    mb = LogisticRegression(multi_class="multinomial", max_iter=5000).fit(X, ys)
    fixture("logistic_regression_binary_multinomial_str", mb, X[1000:1000 + ROWS].astype(np.float32),
            "LogisticRegression(multi_class='multinomial'), binary, string classes",
            files=("model.pkl", "model_p2.pkl", "model.joblib"),
            outputs=["predict", "predict_proba", "decision_function"])

    X, y = clf_data(n_features=6, n_classes=3, seed=28)
    pipe = Pipeline([("scale", MinMaxScaler(clip=True)), ("std", StandardScaler()),
                     ("rf", RandomForestClassifier(n_estimators=5, max_depth=5, random_state=28))]).fit(X, y)
    Xt = X[1000:1000 + ROWS].astype(np.float32).copy()
    Xt[:10] *= 3  # outside the MinMax range: exercises the clip
    fixture("pipeline_minmax_standard_rf", pipe, Xt, "Pipeline(MinMaxScaler(clip=True), StandardScaler(), RandomForestClassifier(5))",
            outputs=["predict", "predict_proba"])


if __name__ == "__main__":
    main()
