#!/usr/bin/python3
"""Joins bench/run.sh's JSON lines into a markdown table (min over rounds)."""
import json
import sys
from collections import defaultdict

best = {}
medians = defaultdict(list)
for path in sys.argv[1:]:
    for line in open(path):
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        key = (r["model"], r.get("impl", "ort"), r["threads"])
        best[key] = min(best.get(key, float("inf")), r["min_ms"])
        medians[key].append(r["median_ms"])

models = sorted({k[0] for k in best})
print("| model | threads | ORT min ms | Sinter min ms | Sinter/ORT | Sinter median ms | gonum ms (1t) | vek ms |")
print("|---|---|---|---|---|---|---|---|")
for m in models:
    for t in sorted({k[2] for k in best if k[0] == m and k[1] != "vek" and k[1] != "gonum"}):
        o, s = best.get((m, "ort", t)), best.get((m, "sinter", t))
        ratio = f"{s / o:.2f}×" if o and s else "–"
        med = sorted(medians.get((m, "sinter", t), [float("nan")]))
        g = best.get((m, "gonum", 1))
        v = best.get((m, "vek", 0))
        fmt = lambda x: f"{x:.3f}" if x else "–"
        print(f"| {m} | {t} | {fmt(o)} | {fmt(s)} | {ratio} | {fmt(med[len(med)//2])} | {fmt(g) if t == 1 else ''} | {fmt(v) if t == 1 else ''} |")
