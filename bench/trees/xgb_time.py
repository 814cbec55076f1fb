#!/usr/bin/python3
"""Times XGBoost's own predictor (inplace_predict) on the benchmark model.

  /usr/bin/python3 bench/trees/xgb_time.py [--rows 100000] [--threads 1,2]

Prints rows/s for a 100,000-row batch (best of 5 runs after a warm-up) and
the median batch-1 latency (inplace_predict on one row, which includes
Python's per-call overhead), per thread count.
"""
import argparse, gzip, json, os, tempfile, time
import numpy as np
import xgboost as xgb

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "testdata")
ap = argparse.ArgumentParser()
ap.add_argument("--rows", type=int, default=100000)
ap.add_argument("--threads", default="1,2")
args = ap.parse_args()

with gzip.open(os.path.join(here, "xgb500x8.json.gz"), "rb") as f:
    raw = f.read()
with tempfile.NamedTemporaryFile(suffix=".json") as tmp:
    tmp.write(raw)
    tmp.flush()
    b = xgb.Booster(model_file=tmp.name)

rng = np.random.default_rng(44)
X = rng.normal(size=(args.rows, 50)).astype(np.float32)
X[rng.random(size=X.shape) < 0.02] = np.nan
for nt in [int(t) for t in args.threads.split(",")]:
    b.set_param({"nthread": nt})
    b.inplace_predict(X[:1000])
    best = min(_timed() for _timed in [lambda: (lambda t0: (b.inplace_predict(X), time.perf_counter() - t0)[1])(time.perf_counter())] * 5)
    lat = []
    for i in range(2000):
        row = X[i:i + 1]
        t0 = time.perf_counter()
        b.inplace_predict(row)
        lat.append(time.perf_counter() - t0)
    print(json.dumps({"predictor": "xgboost %s inplace_predict" % xgb.__version__, "threads": nt,
                      "rows": args.rows, "rows_per_s": round(args.rows / best),
                      "batch1_median_us": round(float(np.median(lat)) * 1e6, 1)}))
