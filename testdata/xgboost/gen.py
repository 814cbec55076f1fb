#!/usr/bin/python3
"""Generate the XGBoost fixtures of formats/xgboost's tests.

Run with Debian's interpreter (python3-xgboost 1.7.4, numpy):

    /usr/bin/python3 testdata/xgboost/gen.py

XGBoost itself is the oracle: every expected output is what Booster.predict
returns; nothing here computes a prediction. Each case directory gets

    model.json, model.ubj             Booster.save_model (JSON, UBJSON)
    model.bin                         legacy binary (absent for categorical models)
    input.npy                         float32 rows: random, ~5% NaN, and rows with
                                      features exactly on split thresholds and on
                                      their float32 neighbours
    expected.npy                      predict()
    expected_margin.npy               predict(output_margin=True)
    expected_leaf.npy                 predict(pred_leaf=True) as int32 (tree boosters)
    dump.json                         get_dump(dump_format="json") (tree boosters)
    case.json                         parameters and notes

Variants derived from a saved file (and checked by loading them back into
XGBoost and predicting the same values) sit next to the original:
model_v31style.json (base_score as "[x]" as XGBoost >= 3.1 writes it),
model_headerless.bin (binary without the "binf" magic, as pre-1.0 writers),
model_v0.bin (binary marked as version 0.x with a margin-space base_score).
Small models also seed the fuzz corpora under formats/xgboost/testdata/fuzz.
"""
import json
import os
import shutil
import struct
import sys

import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))
FUZZ = os.path.join(HERE, "..", "..", "formats", "xgboost", "testdata", "fuzz")


def thresholds(booster):
    """Numeric split thresholds per feature, from the model's own JSON."""
    m = json.loads(booster.save_raw("json"))
    trees = m["learner"]["gradient_booster"]
    if trees["name"] == "dart":
        trees = trees["gbtree"]
    trees = trees["model"]["trees"]
    out = {}
    for t in trees:
        st = t.get("split_type", [0] * len(t["left_children"]))
        for i, l in enumerate(t["left_children"]):
            if l != -1 and st[i] == 0:
                out.setdefault(t["split_indices"][i], set()).add(np.float32(t["split_conditions"][i]))
    return out


def edge_rows(booster, X, rng, n):
    """Rows whose features sit exactly on thresholds or one float32 ulp away."""
    th = thresholds(booster)
    if not th:
        return np.zeros((0, X.shape[1]), np.float32)
    feats = sorted(th)
    rows = X[rng.integers(0, len(X), n)].copy()
    for r in range(n):
        for f in feats:
            if rng.random() < 0.6:
                t = np.float32(sorted(th[f])[rng.integers(0, len(th[f]))])
                k = rng.integers(0, 3)
                if k == 1:
                    t = np.nextafter(t, np.float32(-np.inf))
                elif k == 2:
                    t = np.nextafter(t, np.float32(np.inf))
                rows[r, f] = t
    return rows


def with_nans(X, rng, frac):
    X = X.copy()
    X[rng.random(X.shape) < frac] = np.nan
    return X


def save_case(name, booster, X_test, params, rounds, note="", binary=True, leaf=True, dmatrix_kw=None):
    d = os.path.join(HERE, name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    booster.save_model(os.path.join(d, "model.json"))
    booster.save_model(os.path.join(d, "model.ubj"))
    if binary:
        booster.save_model(os.path.join(d, "model.bin"))
    X_test = np.ascontiguousarray(X_test, dtype=np.float32)
    np.save(os.path.join(d, "input.npy"), X_test)
    dm = xgb.DMatrix(X_test, missing=np.nan, **(dmatrix_kw or {}))
    pred = booster.predict(dm)
    margin = booster.predict(dm, output_margin=True)
    np.save(os.path.join(d, "expected.npy"), pred.astype(np.float32))
    np.save(os.path.join(d, "expected_margin.npy"), margin.astype(np.float32))
    if leaf:
        np.save(os.path.join(d, "expected_leaf.npy"), booster.predict(dm, pred_leaf=True).astype(np.int32))
        with open(os.path.join(d, "dump.json"), "w") as f:
            f.write("[" + ",".join(booster.get_dump(dump_format="json")) + "]")
    # Every saved encoding must predict the same in XGBoost itself.
    for fn in ("model.json", "model.ubj") + (("model.bin",) if binary else ()):
        b2 = xgb.Booster(model_file=os.path.join(d, fn))
        assert np.array_equal(b2.predict(dm, output_margin=True), margin, equal_nan=True), (name, fn)
    info = {
        "xgboost": xgb.__version__,
        "params": params,
        "num_boost_round": rounds,
        "n_rows": int(X_test.shape[0]),
        "n_features": int(X_test.shape[1]),
        "expected_shape": list(pred.shape),
        "margin_shape": list(margin.shape),
        "note": note,
    }
    with open(os.path.join(d, "case.json"), "w") as f:
        json.dump(info, f, indent=1, sort_keys=True)
    return d, dm, margin


def fuzz_seed(target, name, path):
    d = os.path.join(FUZZ, target)
    os.makedirs(d, exist_ok=True)
    with open(path, "rb") as f:
        data = f.read()
    # Go's corpus file format: a header line and one []byte literal.
    with open(os.path.join(d, "seed_" + name), "w") as f:
        f.write("go test fuzz v1\n[]byte(" + go_quote(data) + ")\n")


def go_quote(b):
    out = ['"']
    for c in b:
        if c == 0x22:
            out.append('\\"')
        elif c == 0x5C:
            out.append("\\\\")
        elif 0x20 <= c < 0x7F:
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    out.append('"')
    return "".join(out)


def train(params, X, y, rounds, **kw):
    dtrain = xgb.DMatrix(X, label=y, missing=np.nan, **kw)
    return xgb.train(params, dtrain, rounds)


def main():
    rng = np.random.default_rng(20240501)
    nf = 6
    Xtr = rng.normal(size=(1500, nf)).astype(np.float32)
    Xtr[:, 0] = np.round(Xtr[:, 0] * 3)  # integer-valued: hist cuts on data values
    Xtr = with_nans(Xtr, rng, 0.05)
    Xte_base = with_nans(rng.normal(size=(120, nf)).astype(np.float32), rng, 0.05)
    Xte_base[:, 0] = np.round(Xte_base[:, 0] * 3)
    lin = np.nan_to_num(Xtr) @ rng.normal(size=nf)
    p = 1 / (1 + np.exp(-lin))
    ybin = (rng.random(len(p)) < p).astype(np.float32)
    ypos = np.exp(0.3 * lin).astype(np.float32)
    common = {"max_depth": 3, "eta": 0.3, "seed": 7, "tree_method": "hist"}

    def case(name, params, y, rounds=8, note="", binary=True, X=None, train_kw=None, leaf=True):
        X = Xtr if X is None else X
        b = train(params, X, y, rounds, **(train_kw or {}))
        Xte = np.concatenate([Xte_base, edge_rows(b, Xte_base, rng, 60)]) if leaf else Xte_base
        return b, save_case(name, b, Xte, params, rounds, note, binary=binary, leaf=leaf)

    # Binary classification and its relatives.
    b, (d, dm, margin) = case("binary_logistic", dict(common, objective="binary:logistic"), ybin,
                              note="~5% NaN; edge rows on thresholds")
    fuzz_seed("FuzzJSON", "binary_logistic", os.path.join(d, "model.json"))
    fuzz_seed("FuzzUBJSON", "binary_logistic", os.path.join(d, "model.ubj"))
    fuzz_seed("FuzzBinary", "binary_logistic", os.path.join(d, "model.bin"))
    derive_variants(d, dm, margin)
    case("binary_logitraw", dict(common, objective="binary:logitraw"), ybin)
    case("binary_hinge", dict(common, objective="binary:hinge"), ybin)
    case("reg_logistic", dict(common, objective="reg:logistic"), p.astype(np.float32))

    # Regression objectives.
    yreg = (lin + rng.normal(size=len(lin)) * 0.3).astype(np.float32)
    case("reg_squarederror", dict(common, objective="reg:squarederror"), yreg)
    case("reg_squaredlogerror", dict(common, objective="reg:squaredlogerror"), ypos)
    case("reg_pseudohubererror", dict(common, objective="reg:pseudohubererror"), yreg)
    case("reg_absoluteerror", dict(common, objective="reg:absoluteerror"), yreg)
    case("reg_gamma", dict(common, objective="reg:gamma"), ypos)
    case("reg_tweedie", dict(common, objective="reg:tweedie", tweedie_variance_power=1.4), ypos)
    b, (d, _, _) = case("count_poisson_base2", dict(common, objective="count:poisson", base_score=2.0),
                        np.round(ypos), note="explicit base_score 2.0: margin starts at log(2)")
    fuzz_seed("FuzzBinary", "count_poisson", os.path.join(d, "model.bin"))
    case("survival_cox", dict(common, objective="survival:cox"),
         np.where(ybin > 0, ypos, -ypos).astype(np.float32))
    # AFT needs interval labels.
    lo = ypos.copy()
    hi = np.where(ybin > 0, ypos, np.inf).astype(np.float32)
    params = dict(common, objective="survival:aft", aft_loss_distribution="normal", aft_loss_distribution_scale=1.0)
    b = xgb.train(params, xgb.DMatrix(Xtr, label_lower_bound=lo, label_upper_bound=hi, missing=np.nan), 8)
    save_case("survival_aft", b, np.concatenate([Xte_base, edge_rows(b, Xte_base, rng, 60)]), params, 8)

    # Ranking: query groups of 10.
    qid = np.repeat(np.arange(len(Xtr) // 10), 10)
    yrank = np.clip(np.round(lin - lin.min()), 0, 4).astype(np.float32)
    for obj in ("rank:pairwise", "rank:ndcg", "rank:map"):
        y = yrank if obj != "rank:map" else (yrank > 2).astype(np.float32)
        case(obj.replace(":", "_"), dict(common, objective=obj), y, train_kw={"qid": qid})

    # Multi-class.
    ycls = np.digitize(lin, np.quantile(lin, [0.25, 0.5, 0.75])).astype(np.float32)
    b, (d, _, _) = case("multi_softmax", dict(common, objective="multi:softmax", num_class=4), ycls, rounds=5,
                        note="predict() is the class index")
    fuzz_seed("FuzzUBJSON", "multi_softmax", os.path.join(d, "model.ubj"))
    case("multi_softprob_3", dict(common, objective="multi:softprob", num_class=3), np.minimum(ycls, 2), rounds=5)

    # Multi-target regression (one_output_per_tree; tree_info gives the target).
    Y2 = np.stack([yreg, 0.5 * yreg + np.nan_to_num(Xtr[:, 1])], axis=1).astype(np.float32)
    case("multi_target_2", dict(common, objective="reg:squarederror"), Y2, rounds=5)

    # DART: weight_drop differs from 1 after drops.
    b, (d, _, _) = case("dart_binary", dict(common, booster="dart", objective="binary:logistic", rate_drop=0.5,
                                           skip_drop=0.0, one_drop=1), ybin, rounds=10,
                        note="weight_drop != 1 for dropped trees")
    wd = json.load(open(os.path.join(d, "model.json")))["learner"]["gradient_booster"]["weight_drop"]
    assert any(w != 1.0 for w in wd), wd
    fuzz_seed("FuzzJSON", "dart", os.path.join(d, "model.json"))

    # num_parallel_tree > 1 (boosted random forest).
    case("forest_binary", dict(common, objective="binary:logistic", num_parallel_tree=3, subsample=0.7,
                               colsample_bynode=0.7), ybin, rounds=3)

    # gblinear: NaN entries are skipped.
    case("gblinear_reg", dict(booster="gblinear", objective="reg:squarederror", eta=0.5, seed=3, nthread=1), yreg,
         rounds=6, leaf=False)
    b, (d, _, _) = case("gblinear_softprob", dict(booster="gblinear", objective="multi:softprob", num_class=3, nthread=1,
                                                 eta=0.5, seed=3), np.minimum(ycls, 2), rounds=6, leaf=False)
    fuzz_seed("FuzzJSON", "gblinear", os.path.join(d, "model.json"))
    fuzz_seed("FuzzBinary", "gblinear", os.path.join(d, "model.bin"))

    # Categorical splits, multi-class, with unseen categories in the test rows.
    Xc = Xtr.copy()
    Xc[:, 1] = rng.integers(0, 12, len(Xc)).astype(np.float32)
    Xc[:, 1][rng.random(len(Xc)) < 0.03] = np.nan
    ycat = ((Xc[:, 1] % 3 == 0) + (np.nan_to_num(Xc[:, 2]) > 0)).astype(np.float32)
    params = dict(common, objective="multi:softprob", num_class=3, max_cat_to_onehot=1)
    ft = ["q", "c", "q", "q", "q", "q"]
    b = train(params, Xc, ycat, 5, feature_types=ft, enable_categorical=True)
    Xte = Xte_base.copy()
    Xte[:, 1] = rng.integers(0, 16, len(Xte)).astype(np.float32)  # 12..15 unseen
    Xte[:5, 1] = [np.nan, -1, 2.5, 1e9, -0.5]
    d, _, _ = save_case("categorical_softprob", b, Xte, params, 5, binary=False,
                        note="categories 12-15, -1, -0.5, 2.5, 1e9 and NaN in test rows",
                        dmatrix_kw={"feature_types": ft, "enable_categorical": True})
    fuzz_seed("FuzzJSON", "categorical", os.path.join(d, "model.json"))
    fuzz_seed("FuzzUBJSON", "categorical", os.path.join(d, "model.ubj"))


def derive_variants(d, dm, margin):
    """Variants of a binary:logistic model that XGBoost must read identically."""
    m = json.load(open(os.path.join(d, "model.json")))
    bs = m["learner"]["learner_model_param"]["base_score"]
    raw = open(os.path.join(d, "model.json")).read()
    old = '"base_score":"%s"' % bs
    assert raw.count(old) == 1
    with open(os.path.join(d, "model_v31style.json"), "w") as f:
        f.write(raw.replace(old, '"base_score":"[%s]"' % bs))
    # XGBoost 1.7.4 cannot read the array form; that file is checked against
    # the original's outputs by the Go tests only.

    data = open(os.path.join(d, "model.bin"), "rb").read()
    assert data[:4] == b"binf"
    headerless = data[4:]
    p = os.path.join(d, "model_headerless.bin")
    open(p, "wb").write(headerless)
    assert np.array_equal(xgb.Booster(model_file=p).predict(dm, output_margin=True), margin, equal_nan=True)

    # Pre-1.0 writers stored base_score as a margin and version 0.0.
    # A margin of 0.4 where the 1.7 file has base_score 0.5 (margin 0).
    v0 = bytearray(headerless)
    struct.pack_into("<f", v0, 0, 0.4)
    struct.pack_into("<II", v0, 20, 0, 0)
    p = os.path.join(d, "model_v0.bin")
    open(p, "wb").write(bytes(v0))
    got = xgb.Booster(model_file=p).predict(dm, output_margin=True)
    assert np.allclose(got, margin + np.float32(0.4), rtol=1e-5, atol=1e-5), (got[:3], margin[:3])
    np.save(os.path.join(d, "expected_margin_v0.npy"), got.astype(np.float32))


if __name__ == "__main__":
    main()
