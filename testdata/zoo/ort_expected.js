// Computes the zoo's expected outputs with native ONNX Runtime (the oracle).
//
//   NODE_PATH=/path/to/node_modules node testdata/zoo/ort_expected.js [case-regex]
//
// It reads manifest.json (written by gen.py), runs every case's model on its
// .npy inputs and writes each output i as <case>.out<i>.npy. Sessions run
// with graph optimizations disabled (op-by-op semantics, no fusions) on one
// thread; each case is also run with all optimizations on and the largest
// difference between the two ORT runs is printed, as a measure of how much
// float noise the model carries on its own.
'use strict';

const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const HERE = __dirname;

// dtype name (ORT) <-> npy descr and typed array.
const TYPES = {
  float32: { descr: '<f4', array: Float32Array },
  float64: { descr: '<f8', array: Float64Array },
  float16: { descr: '<f2', array: Uint16Array },
  int8: { descr: '|i1', array: Int8Array },
  uint8: { descr: '|u1', array: Uint8Array },
  int16: { descr: '<i2', array: Int16Array },
  uint16: { descr: '<u2', array: Uint16Array },
  int32: { descr: '<i4', array: Int32Array },
  uint32: { descr: '<u4', array: Uint32Array },
  int64: { descr: '<i8', array: BigInt64Array },
  uint64: { descr: '<u8', array: BigUint64Array },
  bool: { descr: '|b1', array: Uint8Array },
};

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${file}: not an .npy file`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: Fortran order`);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)[1];
  const dims = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const type = Object.keys(TYPES).find((t) => TYPES[t].descr === descr);
  if (!type) throw new Error(`${file}: unsupported descr ${descr}`);
  const Arr = TYPES[type].array;
  const n = dims.reduce((a, b) => a * b, 1);
  const off = start + hlen;
  // Copy into a fresh, aligned buffer.
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset + off, n * Arr.BYTES_PER_ELEMENT).slice();
  const data = new Arr(bytes.buffer, 0, n);
  return new ort.Tensor(type, type === 'bool' ? new Uint8Array(data) : data, dims);
}

function writeNpy(file, tensor) {
  const info = TYPES[tensor.type];
  if (!info) throw new Error(`${file}: cannot write ${tensor.type}`);
  const dims = tensor.dims;
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '${info.descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Pad so that magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const d = tensor.data;
  const body = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), body]));
}

function toNumbers(t) {
  if (t.type === 'float16') {
    return Array.from(t.data, (h) => {
      const s = h & 0x8000 ? -1 : 1;
      const e = (h >> 10) & 0x1f;
      const m = h & 0x3ff;
      if (e === 0) return s * m * 2 ** -24;
      if (e === 31) return m ? NaN : s * Infinity;
      return s * (1 + m / 1024) * 2 ** (e - 15);
    });
  }
  return Array.from(t.data, Number);
}

// maxRel is the largest |a-b| / (1e-4*|b| + 1e-5): ≤ 1 means within the zoo's tolerance.
function compare(a, b) {
  if (a.dims.join() !== b.dims.join()) return Infinity;
  const x = toNumbers(a);
  const y = toNumbers(b);
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i] - y[i]);
    if (Number.isNaN(x[i]) !== Number.isNaN(y[i])) return Infinity;
    if (!Number.isNaN(d)) worst = Math.max(worst, d / (1e-4 * Math.abs(y[i]) + 1e-5));
  }
  return worst;
}

async function main() {
  const manifest = JSON.parse(fs.readFileSync(path.join(HERE, 'manifest.json'), 'utf8'));
  const filter = process.argv[2] ? new RegExp(process.argv[2]) : null;
  let failed = 0;
  for (const c of manifest.cases) {
    if (filter && !filter.test(c.name)) continue;
    const modelPath = path.join(HERE, c.model);
    try {
      const base = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' };
      const sess = await ort.InferenceSession.create(modelPath, { ...base, graphOptimizationLevel: 'disabled' });
      const fast = await ort.InferenceSession.create(modelPath, { ...base, graphOptimizationLevel: 'all' });
      const feeds = {};
      sess.inputNames.forEach((name, i) => {
        feeds[name] = readNpy(path.join(HERE, c.inputs[i]));
      });
      if (sess.outputNames.join() !== c.output_names.join()) {
        throw new Error(`output names ${sess.outputNames} != manifest ${c.output_names}`);
      }
      const res = await sess.run(feeds);
      const res2 = await fast.run(feeds);
      let noise = 0;
      const shapes = [];
      sess.outputNames.forEach((name, i) => {
        writeNpy(path.join(HERE, c.outputs[i]), res[name]);
        noise = Math.max(noise, compare(res2[name], res[name]));
        shapes.push(`${res[name].type}[${res[name].dims}]`);
      });
      console.log(`${c.name.padEnd(16)} ok   opt-vs-noopt ${noise.toExponential(2)} tol units  ${shapes.join(' ')}`);
    } catch (e) {
      failed++;
      console.log(`${c.name.padEnd(16)} FAIL ${e.message}`);
    }
  }
  if (failed) process.exitCode = 1;
}

main();
