// Runs every case of manifest.json through ONNX Runtime (onnxruntime-node)
// and writes the outputs to ort_outputs.json. See README.md.
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const arrays = {
  float32: Float32Array, float64: Float64Array, int32: Int32Array, int16: Int16Array,
  int8: Int8Array, uint8: Uint8Array, uint16: Uint16Array, float16: Uint16Array,
};

function toTensor(inp) {
  let data;
  if (inp.type === 'string') data = inp.data;
  else if (inp.type === 'int64') data = BigInt64Array.from(inp.data.map(BigInt));
  else if (inp.type === 'bool') data = Uint8Array.from(inp.data.map(Number));
  else data = arrays[inp.type].from(inp.data.map(v => (typeof v === 'string' ? Number(v) : v)));
  return new ort.Tensor(inp.type, data, inp.dims);
}

function fromTensor(t) {
  let data;
  if (t.type === 'int64' || t.type === 'uint64') data = Array.from(t.data, String);
  else if (t.type === 'string') data = Array.from(t.data);
  else if (t.type === 'bool') data = Array.from(t.data, Boolean);
  else data = Array.from(t.data, v => (Number.isFinite(v) ? v : String(v)));
  return { type: t.type, dims: Array.from(t.dims), data };
}

(async () => {
  const dir = __dirname;
  const cases = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json')));
  const results = {};
  for (const c of cases) {
    try {
      const s = await ort.InferenceSession.create(path.join(dir, c.name, 'model.onnx'));
      const feeds = {};
      for (const inp of c.inputs) feeds[inp.name] = toTensor(inp);
      const out = await s.run(feeds);
      results[c.name] = { outputs: c.outputs.map(n => fromTensor(out[n])) };
    } catch (e) {
      results[c.name] = { error: String(e.message || e).split('\n')[0] };
      console.error(`${c.name}: ${results[c.name].error}`);
    }
  }
  fs.writeFileSync(path.join(dir, 'ort_outputs.json'), JSON.stringify(results));
})().catch(e => { console.error(e); process.exit(1); });
