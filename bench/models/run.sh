#!/usr/bin/env bash
# Model-level comparison on the models of bench/models/gen.py: ONNX Runtime
# (ort.js), Sinter (`sinter bench MODEL -i … --json`, built once from the
# repository root) and the pure-Go peers of bench/peers (gonnx, onnx-go,
# GoMLX simplego; one thread, outputs checked against Sinter's). ORT and
# Sinter run back to back per case so they see the same machine load.
# Prints a markdown table (table.py); raw JSON lines stay in $OUT.
#
#   bench/models/run.sh [case-regex]            e.g. bench/models/run.sh bert
#   MS=1500 ITERS=100 THREADS=1,2 PEERS=1 PEER_TIME=1s OUT=/tmp/x bench/models/run.sh
#
# Needs /usr/bin/python3 with python3-onnx (apt) for gen.py, and
# onnxruntime-node in $NODE_PATH (default /tmp/ort/node_modules).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
filter=${1:-.}
ms=${MS:-1500}
iters=${ITERS:-100}
threads=${THREADS:-1,2}
export NODE_PATH=${NODE_PATH:-/tmp/ort/node_modules}
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"

[ -f "$here/out/manifest.json" ] || /usr/bin/python3 "$here/gen.py"
(cd "$root" && CGO_ENABLED=0 go build -o "$out/sinter" ./cmd/sinter)
uptime >"$out/uptime.txt"

# One line per case: name, model file, then NAME=FILE per input.
cases=$(/usr/bin/python3 - "$here/out/manifest.json" "$filter" <<'EOF'
import json, re, sys
for c in json.load(open(sys.argv[1]))["cases"]:
    if re.search(sys.argv[2], c["name"]):
        print(c["name"], c["model"], *(f"{n}={f}" for n, f in zip(c["input_names"], c["inputs"])))
EOF
)

while read -r name model feeds; do
	echo "== $name" >&2
	node "$here/ort.js" "^$name\$" --threads "$threads" --ms "$ms" --save >>"$out/ort.jsonl"
	args=()
	for f in $feeds; do args+=(-i "${f%%=*}=$here/out/${f#*=}"); done
	for t in ${threads//,/ }; do
		if ! "$out/sinter" bench "$here/out/$model" "${args[@]}" --threads "$t" --iters "$iters" --json \
			>"$out/sinter.one" 2>"$out/sinter.err"; then
			/usr/bin/python3 -c 'import json, sys; print(json.dumps({"case": sys.argv[1],
				"threads": int(sys.argv[2]), "error": open(sys.argv[3]).read().strip()[:300]}))' \
				"$name" "$t" "$out/sinter.err" >>"$out/sinter.jsonl"
			continue
		fi
		sed "s/^{/{\"case\":\"$name\",/" "$out/sinter.one" >>"$out/sinter.jsonl"
	done
done <<<"$cases"

if [ "${PEERS:-1}" = 1 ]; then
	echo "== peers" >&2
	# -cpu 1: the peers and Sinter's own check run with GOMAXPROCS=1.
	(cd "$root/bench" && CGO_ENABLED=0 PEERS_JSON="$out/peers.jsonl" \
		go test -run XXX -bench "BenchmarkModels/($filter)" -benchtime "${PEER_TIME:-1s}" -cpu 1 \
		./peers/... >"$out/peers.txt" 2>&1) || echo "peers: go test failed, see $out/peers.txt" >&2
fi
uptime >>"$out/uptime.txt"

echo "raw results: $out" >&2
/usr/bin/python3 "$here/table.py" "$out"
