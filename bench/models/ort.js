// Times ONNX Runtime (onnxruntime-node, all graph optimizations) on the cases
// of bench/models/out/manifest.json (made by gen.py), with each case's .npy
// inputs, so the numbers sit beside `sinter bench MODEL -i … --json`.
//
//   NODE_PATH=/tmp/ort/node_modules node bench/models/ort.js [case-regex] [--threads 1,2] [--ms 1500] [--save]
//
// Prints one JSON line per case and thread count: median/min ms over runs of
// at least --ms milliseconds (and at least 10 runs) after a warm-up. With
// --save it also writes ORT's outputs as out/ref/<case>.out<i>.npy (float32),
// the reference the Go peers benchmark compares Sinter's outputs with.
'use strict';

const fs = require('fs');
const path = require('path');
const { session, readNpy, timeRuns } = require('../ort/common');

const OUT = path.join(__dirname, 'out');

const args = process.argv.slice(2);
let filter = null, threads = [1, 2], budget = 1500, save = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--threads') threads = args[++i].split(',').map(Number);
  else if (args[i] === '--ms') budget = Number(args[++i]);
  else if (args[i] === '--save') save = true;
  else filter = new RegExp(args[i]);
}

// writeNpy writes a float32 ort.Tensor as a version 1.0 .npy file.
function writeNpy(file, t) {
  if (t.type !== 'float32') throw new Error(`${file}: cannot save ${t.type}`);
  const shape = t.dims.length === 1 ? `(${t.dims[0]},)` : `(${t.dims.join(', ')})`;
  let head = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  head += ' '.repeat(63 - ((10 + head.length) % 64)) + '\n'; // pad the header to 64 bytes
  const pre = Buffer.alloc(10);
  Buffer.from('\x93NUMPY', 'latin1').copy(pre);
  pre[6] = 1; pre[7] = 0; pre.writeUInt16LE(head.length, 8);
  const data = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(head, 'latin1'), data]));
}

async function bench(c, nthreads) {
  const s = await session(path.join(OUT, c.model), nthreads);
  const feeds = {};
  c.input_names.forEach((name, i) => { feeds[name] = readNpy(path.join(OUT, c.inputs[i])); });
  const { median_ms, min_ms, runs, outputs } = await timeRuns(s, feeds, budget);
  if (save) {
    fs.mkdirSync(path.join(OUT, 'ref'), { recursive: true });
    s.outputNames.forEach((name, i) => writeNpy(path.join(OUT, 'ref', `${c.name}.out${i}.npy`), outputs[name]));
  }
  await s.release();
  return { median_ms, min_ms, runs };
}

(async () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(OUT, 'manifest.json'), 'utf8'));
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
