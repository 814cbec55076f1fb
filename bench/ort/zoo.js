// Times ONNX Runtime (onnxruntime-node, all graph optimizations) on the
// cases of testdata/zoo/manifest.json, with each case's own .npy inputs, so
// the numbers sit beside `sinter bench MODEL -i … --json` for the same case.
//
//   NODE_PATH=/tmp/ort/node_modules node bench/ort/zoo.js [case-regex] [--threads 1,2] [--ms 1500]
//
// Prints one JSON line per case and thread count: median/min ms over runs of
// at least --ms milliseconds after a warm-up.
'use strict';

const fs = require('fs');
const path = require('path');
const { session, readNpy, timeRuns } = require('./common');

const ZOO = path.join(__dirname, '..', '..', 'testdata', 'zoo');

const args = process.argv.slice(2);
let filter = null, threads = [1, 2], budget = 1500;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--threads') threads = args[++i].split(',').map(Number);
  else if (args[i] === '--ms') budget = Number(args[++i]);
  else filter = new RegExp(args[i]);
}

async function bench(c, nthreads) {
  const s = await session(path.join(ZOO, c.model), nthreads);
  const feeds = {};
  s.inputNames.forEach((name, i) => { feeds[name] = readNpy(path.join(ZOO, c.inputs[i])); });
  const { median_ms, min_ms, runs } = await timeRuns(s, feeds, budget);
  await s.release();
  return { median_ms, min_ms, runs };
}

(async () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ZOO, 'manifest.json'), 'utf8'));
  for (const c of manifest.cases) {
    if (filter && !filter.test(c.name)) continue;
    for (const t of threads) {
      try {
        const r = await bench(c, t);
        console.log(JSON.stringify({ impl: 'ort', case: c.name, threads: t, ...r }));
      } catch (e) {
        console.log(JSON.stringify({ impl: 'ort', case: c.name, threads: t, error: e.message }));
      }
    }
  }
})();
