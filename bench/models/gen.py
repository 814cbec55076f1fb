#!/usr/bin/python3
"""Builds the model-level benchmark set into bench/models/out/ (not committed).

    /usr/bin/python3 bench/models/gen.py          # needs python3-onnx (apt) and numpy

Writes one .onnx per model, its inputs as .npy beside it, and manifest.json
listing the cases (name, model, inputs, input_names), in the format of
testdata/zoo/manifest.json. Weights are small random normals from fixed
seeds, so the files are the same on every run. The graphs are written the way
exporters (PyTorch, tf2onnx) write them, not in the form most convenient for
any one runtime:

  mlp               784-512-512-10, Gemm(transB=1)+Relu, symbolic batch; cases
                    mlp_b1 and mlp_b64
  resnet            ResNet-18 layout at 3x64x64: conv7x7/2+BN+Relu+MaxPool,
                    4 stages x 2 basic blocks, GlobalAveragePool, Flatten, Gemm
  bert4             4-layer BERT encoder, seq 128, hidden 256, 4 heads, FFN
                    1024, LayerNormalization (opset 17), erf GELU
  bert4_decomposed  the same weights with LayerNorm spelled out as
                    ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div (opset 13)
  bert4_wide        bert4 at BERT-base width (hidden 768, 12 heads, FFN
                    3072) with dynamic batch and seq axes: the attention
                    reshapes take their shape from Shape(input_ids)
  ocr               CRNN: conv/BN/Relu/MaxPool down to height 1, 2-layer
                    bidirectional LSTM (hidden 128), MatMul to 37 classes,
                    LogSoftmax; input 1x1x32x128
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")


class Graph:
    """Accumulates nodes and initializers; names values as an exporter would."""

    def __init__(self, rng):
        self.rng = rng
        self.nodes, self.inits = [], []
        self.count = {}

    def _name(self, prefix):
        n = self.count.get(prefix, 0)
        self.count[prefix] = n + 1
        return f"{prefix}_{n}" if n else prefix

    def const(self, prefix, arr):
        name = self._name(prefix)
        self.inits.append(numpy_helper.from_array(np.array(arr, order="C"), name))
        return name

    def randn(self, prefix, shape, std):
        return self.const(prefix, (self.rng.standard_normal(shape) * std).astype(np.float32))

    def op(self, op_type, inputs, outputs=1, scope="", out=None, **attrs):
        """Adds a node; its outputs are named after it unless out names the first."""
        base = f"/{scope}/{op_type}" if scope else f"/{op_type}"
        name = self._name(base)
        outs = [f"{name}_output_{i}" for i in range(outputs)]
        if out:
            outs[0] = out
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, name=name, **attrs))
        return outs[0] if outputs == 1 else outs

    def model(self, name, inputs, outputs, opset):
        g = helper.make_graph(self.nodes, name, inputs, outputs, initializer=self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="sinter-bench-gen")
        onnx.checker.check_model(m)
        return m

    # Layers shared by the models.

    def bn(self, x, c, scope, gamma=1.0):
        """BatchNormalization with random running statistics, scale near gamma."""
        r = self.rng
        scale = self.const(f"{scope}.weight", (gamma * (1 + 0.1 * r.standard_normal(c))).astype(np.float32))
        bias = self.const(f"{scope}.bias", (0.1 * r.standard_normal(c)).astype(np.float32))
        mean = self.const(f"{scope}.running_mean", (0.1 * r.standard_normal(c)).astype(np.float32))
        var = self.const(f"{scope}.running_var", r.uniform(0.5, 1.5, c).astype(np.float32))
        return self.op("BatchNormalization", [x, scale, bias, mean, var], scope=scope, epsilon=1e-5)

    def conv(self, x, cin, cout, k, stride=1, pad=None, scope="conv"):
        kh, kw = (k, k) if isinstance(k, int) else k
        sh, sw = (stride, stride) if isinstance(stride, int) else stride
        if pad is None:
            pad = (kh // 2, kw // 2)
        w = self.randn(f"{scope}.weight", (cout, cin, kh, kw), np.sqrt(2.0 / (cin * kh * kw)))
        return self.op("Conv", [x, w], scope=scope, kernel_shape=[kh, kw], strides=[sh, sw],
                       pads=[pad[0], pad[1], pad[0], pad[1]], dilations=[1, 1], group=1)

    def linear(self, x, fin, fout, scope, std=None):
        """PyTorch nn.Linear on a rank>2 tensor: MatMul by Wᵀ then Add."""
        std = np.sqrt(1.0 / fin) if std is None else std
        w = self.randn(f"{scope}.weight_t", (fin, fout), std)
        b = self.randn(f"{scope}.bias", (fout,), std)
        return self.op("Add", [self.op("MatMul", [x, w], scope=scope), b], scope=scope)

    def gemm(self, x, fin, fout, scope, std=None, out=None):
        """PyTorch nn.Linear on a matrix: Gemm with transB=1."""
        std = np.sqrt(2.0 / fin) if std is None else std
        w = self.randn(f"{scope}.weight", (fout, fin), std)
        b = self.randn(f"{scope}.bias", (fout,), 0.01)
        return self.op("Gemm", [x, w, b], scope=scope, out=out, alpha=1.0, beta=1.0, transB=1)


def fvi(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


def mlp():
    g = Graph(np.random.default_rng(1))
    h = "input"
    for i, (fin, fout) in enumerate([(784, 512), (512, 512)]):
        h = g.op("Relu", [g.gemm(h, fin, fout, f"fc{i + 1}")], scope=f"relu{i + 1}")
    g.gemm(h, 512, 10, "fc3", out="logits")
    m = g.model("mlp", [fvi("input", ["batch", 784])], [fvi("logits", ["batch", 10])], 13)
    rng = np.random.default_rng(101)
    return m, {
        "mlp_b1": [("input", rng.standard_normal((1, 784)).astype(np.float32))],
        "mlp_b64": [("input", rng.standard_normal((64, 784)).astype(np.float32))],
    }


def resnet():
    g = Graph(np.random.default_rng(2))
    x = g.conv("input", 3, 64, 7, 2, scope="conv1")
    x = g.op("Relu", [g.bn(x, 64, "bn1")], scope="relu")
    x = g.op("MaxPool", [x], scope="maxpool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    cin = 64
    for s, cout in enumerate([64, 128, 256, 512]):
        for b in range(2):
            scope = f"layer{s + 1}.{b}"
            stride = 2 if s > 0 and b == 0 else 1
            y = g.conv(x, cin, cout, 3, stride, scope=f"{scope}.conv1")
            y = g.op("Relu", [g.bn(y, cout, f"{scope}.bn1")], scope=scope)
            y = g.conv(y, cout, cout, 3, 1, scope=f"{scope}.conv2")
            # A small scale on the branch's last BN keeps activations from
            # growing block by block with random (untrained) weights.
            y = g.bn(y, cout, f"{scope}.bn2", gamma=0.5)
            short = x
            if stride != 1 or cin != cout:
                short = g.conv(x, cin, cout, 1, stride, pad=(0, 0), scope=f"{scope}.downsample.0")
                short = g.bn(short, cout, f"{scope}.downsample.1")
            x = g.op("Relu", [g.op("Add", [y, short], scope=scope)], scope=scope)
            cin = cout
    x = g.op("GlobalAveragePool", [x], scope="avgpool")
    x = g.op("Flatten", [x], scope="flatten", axis=1)
    g.gemm(x, 512, 1000, "fc", std=0.02, out="logits")
    m = g.model("resnet", [fvi("input", [1, 3, 64, 64])], [fvi("logits", [1, 1000])], 13)
    rng = np.random.default_rng(102)
    return m, {"resnet": [("input", rng.standard_normal((1, 3, 64, 64)).astype(np.float32))]}


SEQ, HID_, HEADS_, FFN_, LAYERS, VOCAB = 128, 256, 4, 1024, 4, 8192


def bert(decomposed, wide=False):
    """A BERT encoder as torch.onnx.export writes HF BertModel (batch 1).

    wide: BERT-base width (hidden 768, 12 heads, FFN 3072) with dynamic
    batch and sequence axes, so the attention reshapes take their target
    shape from Shape(input_ids) at run time, as an export with dynamic_axes
    writes them."""
    HID, HEADS, FFN = (768, 12, 3072) if wide else (HID_, HEADS_, FFN_)
    g = Graph(np.random.default_rng(3))  # same seed: both variants share weights
    dh = HID // HEADS
    f32 = lambda v: np.array(v, np.float32)
    i64 = lambda v: np.array(v, np.int64)

    def layer_norm(x, scope, out=None):
        gamma = g.const(f"{scope}.weight", (1 + 0.05 * g.rng.standard_normal(HID)).astype(np.float32))
        beta = g.const(f"{scope}.bias", (0.05 * g.rng.standard_normal(HID)).astype(np.float32))
        if not decomposed:
            return g.op("LayerNormalization", [x, gamma, beta], scope=scope, out=out, axis=-1, epsilon=1e-12)
        mean = g.op("ReduceMean", [x], scope=scope, axes=[-1], keepdims=1)
        d = g.op("Sub", [x, mean], scope=scope)
        var = g.op("ReduceMean", [g.op("Pow", [d, g.const("pow_2", f32(2.0))], scope=scope)],
                   scope=scope, axes=[-1], keepdims=1)
        std = g.op("Sqrt", [g.op("Add", [var, g.const("eps", f32(1e-12))], scope=scope)], scope=scope)
        y = g.op("Div", [d, std], scope=scope)
        return g.op("Add", [g.op("Mul", [y, gamma], scope=scope), beta], scope=scope, out=out)

    def gelu(x, scope):  # x * 0.5 * (1 + erf(x / sqrt 2)), as exported
        e = g.op("Erf", [g.op("Div", [x, g.const("sqrt2", f32(np.sqrt(2.0)))], scope=scope)], scope=scope)
        y = g.op("Mul", [x, g.op("Add", [e, g.const("one", f32(1.0))], scope=scope)], scope=scope)
        return g.op("Mul", [y, g.const("half", f32(0.5))], scope=scope)

    # Embeddings: word + position (no token_type_ids input).
    word = g.randn("embeddings.word_embeddings.weight", (VOCAB, HID), 0.02)
    pos = g.randn("embeddings.position_embeddings.weight", (SEQ, HID), 0.02)
    pos_ids = g.const("embeddings.position_ids", np.arange(SEQ, dtype=np.int64)[None, :])
    x = g.op("Add", [g.op("Gather", [word, "input_ids"], scope="embeddings", axis=0),
                     g.op("Gather", [pos, pos_ids], scope="embeddings", axis=0)], scope="embeddings")
    x = layer_norm(x, "embeddings.LayerNorm")

    # Extended attention mask: (1 - mask[:, None, None, :]) * -10000.
    m = g.op("Unsqueeze", ["attention_mask", g.const("axes_1_2", i64([1, 2]))], scope="mask")
    m = g.op("Cast", [m], scope="mask", to=TensorProto.FLOAT)
    m = g.op("Sub", [g.const("one_f", f32(1.0)), m], scope="mask")
    mask = g.op("Mul", [m, g.const("neg_10000", f32(-10000.0))], scope="mask")

    if wide:
        shape = g.op("Shape", ["input_ids"], scope="shape")
        dim = lambda i: g.op("Unsqueeze", [g.op("Gather", [shape, g.const(f"dim{i}", i64(i))], scope="shape", axis=0),
                                           g.const(f"axes_0_{i}", i64([0]))], scope="shape")
        batch, seq = dim(0), dim(1)
        heads_shape = g.op("Concat", [batch, seq, g.const("heads_dh", i64([HEADS, dh]))], scope="shape", axis=0)
        hid_shape = g.op("Concat", [batch, seq, g.const("hid", i64([HID]))], scope="shape", axis=0)
    else:
        heads_shape = g.const("shape_heads", i64([1, SEQ, HEADS, dh]))
        hid_shape = g.const("shape_hidden", i64([1, SEQ, HID]))
    scale = g.const("sqrt_dh", f32(np.sqrt(dh)))
    for l in range(LAYERS):
        s = f"encoder.layer.{l}"
        split = lambda t, perm, sc: g.op("Transpose", [g.op("Reshape", [t, heads_shape], scope=sc)],
                                         scope=sc, perm=perm)
        q = split(g.linear(x, HID, HID, f"{s}.attention.self.query", 0.02), [0, 2, 1, 3], f"{s}.q")
        k = split(g.linear(x, HID, HID, f"{s}.attention.self.key", 0.02), [0, 2, 3, 1], f"{s}.k")
        v = split(g.linear(x, HID, HID, f"{s}.attention.self.value", 0.02), [0, 2, 1, 3], f"{s}.v")
        sc = f"{s}.attention.self"
        att = g.op("Div", [g.op("MatMul", [q, k], scope=sc), scale], scope=sc)
        att = g.op("Softmax", [g.op("Add", [att, mask], scope=sc)], scope=sc, axis=-1)
        ctx = g.op("Transpose", [g.op("MatMul", [att, v], scope=sc)], scope=sc, perm=[0, 2, 1, 3])
        ctx = g.op("Reshape", [ctx, hid_shape], scope=sc)
        o = g.linear(ctx, HID, HID, f"{s}.attention.output.dense", 0.02)
        x = layer_norm(g.op("Add", [o, x], scope=f"{s}.attention.output"), f"{s}.attention.output.LayerNorm")
        h = gelu(g.linear(x, HID, FFN, f"{s}.intermediate.dense", 0.02), f"{s}.intermediate")
        o = g.linear(h, FFN, HID, f"{s}.output.dense", 0.02)
        x = layer_norm(g.op("Add", [o, x], scope=f"{s}.output"), f"{s}.output.LayerNorm",
                       out="last_hidden_state" if l == LAYERS - 1 else None)
    # Pooler: tanh(dense(h[:, 0])).
    first = g.op("Gather", [x, g.const("zero_i", i64(0))], scope="pooler", axis=1)
    g.op("Tanh", [g.gemm(first, HID, HID, "pooler.dense", std=0.02)], scope="pooler", out="pooler_output")

    name = ("bert4_wide" if wide else "bert4") + ("_decomposed" if decomposed else "")
    dims = ["batch", "seq"] if wide else [1, SEQ]
    model = g.model(name, [fvi("input_ids", dims, TensorProto.INT64),
                           fvi("attention_mask", dims, TensorProto.INT64)],
                    [fvi("last_hidden_state", dims + [HID]), fvi("pooler_output", dims[:1] + [HID])],
                    13 if decomposed else 17)
    rng = np.random.default_rng(103)
    ids = rng.integers(0, VOCAB, (1, SEQ), dtype=np.int64)
    am = np.ones((1, SEQ), np.int64)
    am[:, 112:] = 0  # 16 padding positions, so the mask matters
    return model, {name: [("input_ids", ids), ("attention_mask", am)]}


def ocr():
    g = Graph(np.random.default_rng(4))
    x, cin = "input", 1
    # (channels, pool kernel/stride after the block or None)
    blocks = [(64, (2, 2)), (128, (2, 2)), (256, None), (256, (2, 1)), (512, None), (512, (2, 1))]
    for i, (cout, pool) in enumerate(blocks):
        x = g.op("Relu", [g.bn(g.conv(x, cin, cout, 3, scope=f"cnn.conv{i}"), cout, f"cnn.bn{i}")], scope=f"cnn.relu{i}")
        if pool:
            x = g.op("MaxPool", [x], scope=f"cnn.pool{i}", kernel_shape=list(pool), strides=list(pool))
        cin = cout
    # 2x32 -> 1x32 with a 2x1 convolution, as CRNN does.
    x = g.conv(x, 512, 512, (2, 1), pad=(0, 0), scope="cnn.conv6")
    x = g.op("Relu", [g.bn(x, 512, "cnn.bn6")], scope="cnn.relu6")  # [1,512,1,32]
    x = g.op("Squeeze", [x, g.const("axes_2", np.array([2], np.int64))], scope="seq")  # [1,512,32]
    x = g.op("Transpose", [x], scope="seq", perm=[2, 0, 1])  # [T=32, N=1, C=512]
    hid, T = 128, 32
    fin = 512
    for l in range(2):
        s = f"rnn.{l}"
        std = 1 / np.sqrt(hid)
        W = g.randn(f"{s}.W", (2, 4 * hid, fin), std)
        R = g.randn(f"{s}.R", (2, 4 * hid, hid), std)
        B = g.randn(f"{s}.B", (2, 8 * hid), std)
        y = g.op("LSTM", [x, W, R, B], outputs=3, scope=s, direction="bidirectional",
                 hidden_size=hid)[0]  # [T, 2, N, H]
        y = g.op("Transpose", [y], scope=s, perm=[0, 2, 1, 3])  # [T, N, 2, H]
        x = g.op("Reshape", [y, g.const("shape_tn2h", np.array([T, 1, 2 * hid], np.int64))], scope=s)
        fin = 2 * hid
    x = g.linear(x, 2 * hid, 37, "fc")  # [T, N, 37]
    g.op("LogSoftmax", [x], out="log_probs", axis=2)
    m = g.model("ocr", [fvi("input", [1, 1, 32, 128])], [fvi("log_probs", [T, 1, 37])], 13)
    rng = np.random.default_rng(104)
    img = rng.uniform(0, 1, (1, 1, 32, 128)).astype(np.float32)
    return m, {"ocr": [("input", (img - 0.5) / 0.5)]}


DOCS = {
    "mlp": "784-512-512-10 Gemm+Relu MLP, symbolic batch",
    "resnet": "ResNet-18 layout at 3x64x64, BN not folded",
    "bert4": "4-layer BERT encoder, seq 128, hidden 256, LayerNormalization opset 17, erf GELU",
    "bert4_decomposed": "bert4 with decomposed LayerNorm (ReduceMean/Sub/Pow/Sqrt/Div), opset 13",
    "bert4_wide": "bert4 at BERT-base width (hidden 768, 12 heads, FFN 3072), dynamic batch/seq axes, Shape-driven reshapes",
    "ocr": "CRNN: conv/BN/Relu/MaxPool, 2-layer bidirectional LSTM(128), MatMul, LogSoftmax",
}


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = []
    for build in [mlp, resnet, lambda: bert(False), lambda: bert(True), lambda: bert(False, wide=True), ocr]:
        model, inputs = build()
        name = model.graph.name
        onnx.save(model, os.path.join(OUT, f"{name}.onnx"))
        for case, feeds in inputs.items():
            files = []
            for i, (_, arr) in enumerate(feeds):
                f = f"{case}.in{i}.npy"
                np.save(os.path.join(OUT, f), arr)
                files.append(f)
            cases.append({"name": case, "model": f"{name}.onnx", "inputs": files,
                          "input_names": [n for n, _ in feeds], "doc": DOCS[name]})
        print(f"{name}.onnx: {len(model.graph.node)} nodes, "
              f"{sum(np.prod(t.dims) for t in model.graph.initializer) / 1e6:.2f} M weights")
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump({"cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
