// Runs ONNX Runtime on the glue-op cases TestGlueORTWrite writes: each
// <case>.onnx with <case>.json {inputs: [{name, type, shape, data}], outputs}
// gets <case>.ort.json {outputs: [{type, shape, data}]} or {error}.
//   NODE_PATH=/tmp/ort/node_modules node run_glue_ort.js <dir>
const ort = require('onnxruntime-node');
const fs = require('fs');
const path = require('path');
const arrays = { float32: Float32Array, float64: Float64Array, int32: Int32Array, int16: Int16Array };

async function main() {
  const dir = process.argv[2];
  for (const f of fs.readdirSync(dir).sort()) {
    if (!f.endsWith('.onnx')) continue;
    const base = f.slice(0, -5);
    const c = JSON.parse(fs.readFileSync(path.join(dir, base + '.json')));
    let res;
    try {
      const s = await ort.InferenceSession.create(path.join(dir, f), { logSeverityLevel: 3, intraOpNumThreads: 1 });
      const feeds = {};
      for (const i of c.inputs) {
        let data;
        if (i.type === 'string') data = i.data;
        else if (i.type === 'int64') data = BigInt64Array.from(i.data.map(BigInt));
        else data = arrays[i.type].from(i.data.map((v) => (v === 'NaN' ? NaN : v)));
        feeds[i.name] = new ort.Tensor(i.type, data, i.shape);
      }
      const out = await s.run(feeds);
      res = { outputs: c.outputs.map((o) => {
        const t = out[o];
        const data = Array.from(t.data, (v) => (typeof v === 'bigint' ? Number(v) : (Number.isNaN(v) ? 'NaN' : v)));
        return { type: t.type, shape: t.dims, data };
      }) };
    } catch (e) {
      res = { error: String(e).split('\n')[0] };
    }
    fs.writeFileSync(path.join(dir, base + '.ort.json'), JSON.stringify(res));
    console.log(base, res.error ? 'ERROR ' + res.error : 'ok');
  }
}
main();
