// Times ONNX Runtime (onnxruntime-node) on the models gen_models.py writes.
//   NODE_PATH=/tmp/ort/node_modules node bench/ort/run.js [filter] [--threads 1,2] [--ms 1500]
// Prints one JSON line per model and thread count: median/min ms over runs
// of at least --ms milliseconds after a warm-up.
const fs = require('fs');
const path = require('path');
const { ort, session, timeRuns } = require('./common');

const args = process.argv.slice(2);
let filter = '', threads = [1, 2], budget = 1500;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--threads') threads = args[++i].split(',').map(Number);
  else if (args[i] === '--ms') budget = Number(args[++i]);
  else filter = args[i];
}

function randn(n) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
  }
  return a;
}

async function bench(file, nthreads) {
  const s = await session(file, nthreads);
  const feeds = {};
  for (const name of s.inputNames) {
    const meta = s.inputMetadata ? s.inputMetadata.find((m) => m.name === name) : null;
    let dims = meta && meta.shape ? meta.shape : null;
    if (!dims) throw new Error('no input shape for ' + name);
    feeds[name] = new ort.Tensor('float32', randn(dims.reduce((a, b) => a * b, 1)), dims);
  }
  const { median_ms, min_ms, runs } = await timeRuns(s, feeds, budget);
  await s.release();
  return { median_ms, min_ms, runs };
}

(async () => {
  const dir = path.join(__dirname, 'models');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.onnx') && f.includes(filter)).sort();
  for (const f of files) {
    for (const t of threads) {
      const r = await bench(path.join(dir, f), t);
      console.log(JSON.stringify({ model: f.replace('.onnx', ''), threads: t, ...r }));
    }
  }
})();
