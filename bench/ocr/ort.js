// Times ONNX Runtime on one model and input and saves its first output as
// .npy, for bench/ocr/run.sh:
//
//   NODE_PATH=/tmp/ort/node_modules node bench/ocr/ort.js MODEL INPUT.npy OUT.npy --threads 1,2 [--ms 3000]
//
// Prints one JSON line per thread count (median/min ms, as bench/ort/common.js times them).
'use strict';

const fs = require('fs');
const { session, readNpy, timeRuns } = require('../ort/common');

const [model, input, out, ...rest] = process.argv.slice(2);
let threads = [1, 2], budget = 3000;
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === '--threads') threads = rest[++i].split(',').map(Number);
  else if (rest[i] === '--ms') budget = Number(rest[++i]);
}

function writeNpy(file, t) {
  const shape = t.dims.length === 1 ? `(${t.dims[0]},)` : `(${t.dims.join(', ')})`;
  let head = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  head += ' '.repeat(63 - ((10 + head.length) % 64)) + '\n';
  const pre = Buffer.alloc(10);
  Buffer.from('\x93NUMPY', 'latin1').copy(pre);
  pre[6] = 1; pre[7] = 0; pre.writeUInt16LE(head.length, 8);
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(head, 'latin1'),
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)]));
}

(async () => {
  for (const th of threads) {
    const s = await session(model, th);
    const r = await timeRuns(s, { [s.inputNames[0]]: readNpy(input) }, budget);
    console.log(JSON.stringify({ impl: 'ort', threads: th, median_ms: r.median_ms, min_ms: r.min_ms, runs: r.runs }));
    if (th === threads[0]) writeNpy(out, r.outputs[s.outputNames[0]]);
  }
})();
