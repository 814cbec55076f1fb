#!/usr/bin/env bash
# Compares Sinter with ONNX Runtime (and gonum, vek) on the shapes of
# RESULTS.md. For each model, ORT and Sinter run back to back (ROUNDS times,
# alternating) so that both see the same machine load; the table reports the
# minimum and median over all runs and the Sinter/ORT ratio of minimums.
#
#   bench/run.sh [filter]            e.g. bench/run.sh matmul_1024
#   ROUNDS=3 MS=1500 THREADS=1,2 PEERS=1 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")"
filter=${1:-}
rounds=${ROUNDS:-2}
ms=${MS:-1000}
threads=${THREADS:-1,2}
export NODE_PATH=${NODE_PATH:-/tmp/ort/node_modules}
out=${OUT:-$(mktemp -d)}
[ -d ort/models ] || /usr/bin/python3 ort/gen_models.py
go build -o "$out/gemmbench" ./cmd/gemmbench
models=$(ls ort/models | sed 's/\.onnx$//' | grep -e "$filter" | sort)
peers=""
[ "${PEERS:-1}" = 1 ] && peers=-peers
for r in $(seq "$rounds"); do
	for m in $models; do
		node ort/run.js "$m" --threads "$threads" --ms "$ms" | sed 's/^{/{"impl":"ort",/' >>"$out/ort.jsonl"
		case $m in
		*_w) "$out/gemmbench" -filter "$m" -threads "$threads" -ms "$ms" 2>/dev/null | grep "\"$m\"" >>"$out/sinter.jsonl" || true ;;
		*) "$out/gemmbench" -filter "$m" -threads "$threads" -ms "$ms" $peers 2>/dev/null | grep "\"$m\"" >>"$out/sinter.jsonl" || true ;;
		esac
	done
done
echo "raw results: $out" >&2
/usr/bin/python3 table.py "$out/ort.jsonl" "$out/sinter.jsonl"
