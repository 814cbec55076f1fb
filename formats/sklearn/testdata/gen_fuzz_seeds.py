#!/usr/bin/python3
"""Writes small scikit-learn pickles as seeds for FuzzLoad (Go's corpus
format) into fuzz/FuzzLoad. Run with /usr/bin/python3 (scikit-learn 1.2.1)."""
import io, os, pickle
import joblib
import numpy as np
from sklearn.datasets import make_classification
from sklearn.tree import DecisionTreeClassifier
from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingRegressor, IsolationForest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

X, y = make_classification(n_samples=200, n_features=4, n_informative=2, n_redundant=0, random_state=0)
ys = np.array(["a", "b"], dtype=object)[y]
models = {
    "tree": DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, ys),
    "gb": GradientBoostingClassifier(n_estimators=2, max_depth=1, random_state=0).fit(X, y),
    "hgb": HistGradientBoostingRegressor(max_iter=2, max_leaf_nodes=3).fit(X, X[:, 0]),
    "iforest": IsolationForest(n_estimators=2, max_samples=16, random_state=0).fit(X),
    "pipe": Pipeline([("s", StandardScaler()), ("lr", LogisticRegression())]).fit(X, y),
}


def goquote(b):
    out = []
    for c in b:
        if c == 0x22:
            out.append('\\"')
        elif c == 0x5c:
            out.append("\\\\")
        elif 0x20 <= c < 0x7f:
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    return "".join(out)


d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz", "FuzzLoad")
os.makedirs(d, exist_ok=True)
for name, m in models.items():
    for proto in (2, 5):
        data = pickle.dumps(m, protocol=proto)
        with open(os.path.join(d, "%s_p%d" % (name, proto)), "w") as f:
            f.write('go test fuzz v1\n[]byte("%s")\n' % goquote(data))
    buf = io.BytesIO()
    joblib.dump(m, buf)
    with open(os.path.join(d, "%s_joblib" % name), "w") as f:
        f.write('go test fuzz v1\n[]byte("%s")\n' % goquote(buf.getvalue()))
