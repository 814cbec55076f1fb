#!/usr/bin/python3
"""Generates the benchmark's large XGBoost model (xgboost 1.7.4, numpy).

500 trees of depth 8, 50 features, binary:logistic, trained on 20,000 rows
with ~2% NaN. Writes (gzipped) into testdata/:
  xgb500x8.json.gz   model, JSON (Sinter)
  xgb500x8.bin.gz    model, legacy binary (dmitryikh/leaves)
  input1k.npy        1,000 float32 rows from the same distribution
  expected1k.npy     XGBoost's predict() on them (float32)

  /usr/bin/python3 bench/trees/gen_xgb.py
"""
import gzip, os, shutil
import numpy as np
import xgboost as xgb

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "testdata")
os.makedirs(here, exist_ok=True)


def rows(rng, n, nf=50):
    x = rng.normal(size=(n, nf)).astype(np.float32)
    x[rng.random(size=x.shape) < 0.02] = np.nan
    return x


rng = np.random.default_rng(42)
X = rows(rng, 20000)
w = rng.normal(size=50)
logit = np.nan_to_num(X) @ w * 0.5 + np.sin(np.nan_to_num(X[:, 0]) * 3) + np.nan_to_num(X[:, 1] * X[:, 2])
y = (logit + rng.logistic(size=len(logit)) > 0).astype(np.float32)
d = xgb.DMatrix(X, label=y)
params = {"objective": "binary:logistic", "max_depth": 8, "eta": 0.1, "tree_method": "hist",
          "min_child_weight": 0, "lambda": 1, "seed": 7, "nthread": 2}
b = xgb.train(params, d, num_boost_round=500)
for name in ("xgb500x8.json", "xgb500x8.bin"):
    p = os.path.join(here, name)
    b.save_model(p)
    with open(p, "rb") as f, gzip.open(p + ".gz", "wb", compresslevel=9) as g:
        shutil.copyfileobj(f, g)
    os.remove(p)
T = rows(np.random.default_rng(43), 1000)
np.save(os.path.join(here, "input1k.npy"), T)
np.save(os.path.join(here, "expected1k.npy"), b.predict(xgb.DMatrix(T)).astype(np.float32))
print("trees:", len(b.get_dump()))
