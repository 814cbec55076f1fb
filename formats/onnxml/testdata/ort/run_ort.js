// Runs ONNX Runtime (onnxruntime-node, one thread) on the cases written by
// TestORTWriteCases: for each case directory with a model.onnx, reads
// input.bin (meta.json gives its name, type and shape) and writes every
// output as out_<i>.bin (little-endian) and out_<i>.json {name, dtype, shape}.
// A model ONNX Runtime rejects gets error.txt instead.
//
//   NODE_PATH=/tmp/ort/node_modules node run_ort.js <cases dir>
const ort = require('onnxruntime-node');
const fs = require('fs');
const path = require('path');

async function main() {
  const root = process.argv[2];
  for (const name of fs.readdirSync(root).sort()) {
    const dir = path.join(root, name);
    const model = path.join(dir, 'model.onnx');
    if (!fs.existsSync(model)) continue;
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json')));
    for (const f of fs.readdirSync(dir)) if (f.startsWith('out_') || f === 'error.txt') fs.unlinkSync(path.join(dir, f));
    try {
      const s = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', logSeverityLevel: 3 });
      const raw = fs.readFileSync(path.join(dir, 'input.bin'));
      const buf = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);
      const data = meta.dtype === 'float64' ? new Float64Array(buf) : new Float32Array(buf);
      const feeds = { [meta.input]: new ort.Tensor(meta.dtype, data, meta.shape) };
      const res = await s.run(feeds);
      meta.outputs.forEach((o, i) => {
        const t = res[o];
        fs.writeFileSync(path.join(dir, `out_${i}.bin`), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
        fs.writeFileSync(path.join(dir, `out_${i}.json`), JSON.stringify({ name: o, dtype: t.type, shape: t.dims }));
      });
      console.log(name, 'ok');
    } catch (e) {
      fs.writeFileSync(path.join(dir, 'error.txt'), String(e));
      console.log(name, 'ERROR', String(e).split('\n')[0]);
    }
  }
}
main();
