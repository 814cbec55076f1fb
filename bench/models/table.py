#!/usr/bin/python3
"""Turns the JSON lines of bench/models/run.sh into markdown tables.

    /usr/bin/python3 bench/models/table.py OUTDIR

OUTDIR holds ort.jsonl, sinter.jsonl (sinter bench --json, plus "case"),
peers.jsonl (bench/peers, PEERS_JSON) and uptime.txt. Peers ran on one thread,
so their columns are filled on the threads=1 rows only. The last column,
the ratio of minimum times, is the steadier one on a loaded machine.
"""
import json
import os
import sys

PEERS = [("gonnx", "gonnx"), ("onnx-go", "onnx-go"), ("gomlx", "GoMLX")]


def lines(path):
    if not os.path.exists(path):
        return []
    return [json.loads(l) for l in open(path) if l.startswith("{")]


def main(out):
    ort = {(r["case"], r["threads"]): r for r in lines(os.path.join(out, "ort.jsonl"))}
    sinter = {(r["case"], r["threads"]): r for r in lines(os.path.join(out, "sinter.jsonl"))}
    peers = {(r["impl"], r["case"]): r for r in lines(os.path.join(out, "peers.jsonl"))}
    cases = list(dict.fromkeys(k[0] for k in list(ort) + list(sinter)))
    errors = []

    def cell(r, key="median_ms"):
        if r is None:
            return "–"
        if r.get("error"):
            errors.append(r)
            return f"✗{len(errors)}"
        return f"{r[key]:.3f}"

    head = ["model", "threads", "ORT median ms", "Sinter median ms", "Sinter/ORT"]
    head += [f"{label} ms" for _, label in PEERS] + ["Sinter allocs/run", "Sinter/ORT of min ms"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for c in cases:
        for t in sorted({k[1] for k in list(ort) + list(sinter) if k[0] == c}):
            o, s = ort.get((c, t)), sinter.get((c, t))
            ok = o and s and not o.get("error") and not s.get("error")
            ratio = f"{s['median_ms'] / o['median_ms']:.2f}×" if ok else "–"
            row = [c, str(t), cell(o), cell(s), ratio]
            row += [cell(peers.get((impl, c))) if t == 1 else "" for impl, _ in PEERS]
            row.append(f"{s['allocs_per_run']:.0f}" if s and not s.get("error") else "–")
            # Minimums resist load from other processes better than medians.
            row.append(f"{s['min_ms'] / o['min_ms']:.2f}×" if ok else "–")
            print("| " + " | ".join(row) + " |")

    print()
    print("Outputs (max abs diff; peers against Sinter, Sinter against ORT):")
    print()
    head = ["model", "Sinter vs ORT"] + [f"{label} vs Sinter" for _, label in PEERS]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for c in cases:
        row = [c]
        for impl in ["sinter"] + [i for i, _ in PEERS]:
            r = peers.get((impl, c))
            row.append("–" if r is None or r.get("max_abs_diff") is None else f"{r['max_abs_diff']:.2e}")
        print("| " + " | ".join(row) + " |")
    sinter_go = [r for (impl, _), r in peers.items() if impl == "sinter" and not r.get("error")]
    if sinter_go:
        print()
        print("Sinter median ms in the Go harness (runtime.Open, 1 thread, GOMAXPROCS=1): " +
              ", ".join(f"{r['case']} {r['median_ms']:.3f}" for r in sinter_go))

    if errors:
        print()
        for i, r in enumerate(errors, 1):
            msg = " ".join(r["error"].split())
            if len(msg) > 300:
                msg = msg[:300] + " …"
            print(f"{i}. {r.get('impl', 'sinter')} on {r['case']}: {msg}")
    missing = [label for impl, label in PEERS if not any(k[0] == impl for k in peers)]
    if missing:
        print(f"\nNo results from {', '.join(missing)} (did not build or run? see peers.txt).")
    up = os.path.join(out, "uptime.txt")
    if os.path.exists(up):
        print("\nLoad (uptime before / after):")
        for l in open(up):
            print("    " + l.strip())


if __name__ == "__main__":
    main(sys.argv[1])
