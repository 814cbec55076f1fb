// Shared by the ONNX Runtime timing scripts (run.js, zoo.js and
// ../models/ort.js): how a session is made, how an .npy input is read, and
// how runs are timed, so that every ORT number in bench/ is measured the
// same way.
'use strict';

const fs = require('fs');
const ort = require('onnxruntime-node');

// session opens file with nthreads intra-op threads, sequential execution
// and all graph optimisations.
function session(file, nthreads) {
  return ort.InferenceSession.create(file, {
    intraOpNumThreads: nthreads, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
}

const DESCR = {
  '<f4': ['float32', Float32Array], '<f8': ['float64', Float64Array], '<f2': ['float16', Uint16Array],
  '|i1': ['int8', Int8Array], '|u1': ['uint8', Uint8Array], '<i4': ['int32', Int32Array],
  '<i8': ['int64', BigInt64Array], '|b1': ['bool', Uint8Array],
};

// readNpy reads a C-order .npy file (versions 1–3) into an ort.Tensor.
function readNpy(file) {
  const b = fs.readFileSync(file);
  const v1 = b[6] === 1;
  const hl = v1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const h0 = v1 ? 10 : 12;
  const head = b.toString('latin1', h0, h0 + hl);
  const [type, Arr] = DESCR[/'descr':\s*'([^']+)'/.exec(head)[1]];
  const dims = /'shape':\s*\(([^)]*)\)/.exec(head)[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const n = dims.reduce((x, y) => x * y, 1);
  const bytes = new Uint8Array(b.buffer, b.byteOffset + h0 + hl, n * Arr.BYTES_PER_ELEMENT).slice();
  return new ort.Tensor(type, new Arr(bytes.buffer, 0, n), dims);
}

// timeRuns runs s on feeds 5 times untimed, then times single runs for at
// least budgetMs and at least 10 runs (at most 100000), and returns the
// median and minimum in ms. The last warm-up outputs are returned too.
async function timeRuns(s, feeds, budgetMs) {
  let outputs;
  for (let i = 0; i < 5; i++) outputs = await s.run(feeds);
  const times = [];
  const start = process.hrtime.bigint();
  while (times.length < 10 || Number(process.hrtime.bigint() - start) / 1e6 < budgetMs) {
    const t0 = process.hrtime.bigint();
    await s.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (times.length >= 100000) break;
  }
  times.sort((a, b) => a - b);
  return { median_ms: times[times.length >> 1], min_ms: times[0], runs: times.length, outputs };
}

module.exports = { ort, session, readNpy, timeRuns };
