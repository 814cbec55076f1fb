#!/usr/bin/python3
"""Builds Sinter's model zoo: small but realistic ONNX models plus inputs.

Run with Debian's python3 (onnx 1.12 and numpy installed), from anywhere:

    /usr/bin/python3 testdata/zoo/gen.py

It writes, next to itself, one <model>.onnx per model, one <case>.in<i>.npy
per input of each case (a case is one model run on one input set) and
manifest.json, which lists every case with its model, input files and the
expected output files <case>.out<i>.npy. Those expected outputs come from
ONNX Runtime (see ort_expected.js and README.md), not from this script.

Everything is seeded: rerunning reproduces the same bytes.
"""
import json
import math
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
F = TensorProto.FLOAT
I64 = TensorProto.INT64


class G:
    """A tiny graph builder: nodes, initializers, unique value names."""

    def __init__(self, name, seed):
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.nodes = []
        self.inits = []
        self.n = 0

    def fresh(self, hint):
        self.n += 1
        return "%s_%d" % (hint, self.n)

    def init(self, arr, hint="w"):
        name = self.fresh(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def i64(self, vals, hint="c"):
        return self.init(np.array(vals, dtype=np.int64), hint)

    def f32(self, vals, hint="c"):
        return self.init(np.array(vals, dtype=np.float32), hint)

    def op(self, op_type, inputs, nout=1, hint=None, **attrs):
        outs = [self.fresh(hint or op_type.lower()) for _ in range(nout)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=self.fresh("n_" + op_type), **attrs))
        return outs[0] if nout == 1 else outs

    def op_to(self, op_type, inputs, outputs, **attrs):
        self.nodes.append(helper.make_node(op_type, inputs, outputs, name=self.fresh("n_" + op_type), **attrs))
        return outputs[0] if len(outputs) == 1 else outputs

    # Random weights.
    def randn(self, *shape, scale=1.0):
        return (self.rng.standard_normal(shape) * scale).astype(np.float32)

    def uniform(self, lo, hi, *shape):
        return self.rng.uniform(lo, hi, shape).astype(np.float32)

    # Layers.
    def conv(self, x, cin, cout, k, stride=1, pad=None, group=1, dil=1, bias=True, **extra):
        kh, kw = (k, k) if isinstance(k, int) else k
        w = self.randn(cout, cin // group, kh, kw, scale=math.sqrt(2.0 / (cin // group * kh * kw)))
        ins = [x, self.init(w, "convw")]
        if bias:
            ins.append(self.init(self.randn(cout, scale=0.1), "convb"))
        attrs = dict(kernel_shape=[kh, kw], strides=[stride, stride], group=group, dilations=[dil, dil])
        if pad is not None:
            attrs["pads"] = [pad] * 4 if isinstance(pad, int) else pad
        attrs.update(extra)
        return self.op("Conv", ins, **attrs)

    def conv1d(self, x, cin, cout, k, stride=1, pad=0, dil=1):
        w = self.randn(cout, cin, k, scale=math.sqrt(2.0 / (cin * k)))
        return self.op("Conv", [x, self.init(w, "convw"), self.init(self.randn(cout, scale=0.1), "convb")],
                       kernel_shape=[k], strides=[stride], pads=[pad, pad], dilations=[dil])

    def bn(self, x, c):
        return self.op("BatchNormalization", [
            x, self.init(self.uniform(0.5, 1.5, c), "bn_scale"), self.init(self.randn(c, scale=0.1), "bn_bias"),
            self.init(self.randn(c, scale=0.1), "bn_mean"), self.init(self.uniform(0.5, 1.5, c), "bn_var")],
            epsilon=1e-5)

    def gemm(self, x, cin, cout, transB=1):
        w = self.randn(cout, cin, scale=math.sqrt(1.0 / cin))
        if not transB:
            w = np.ascontiguousarray(w.T)
        return self.op("Gemm", [x, self.init(w, "fcw"), self.init(self.randn(cout, scale=0.1), "fcb")],
                       transB=transB)

    def linear(self, x, cin, cout):
        """MatMul + Add, as PyTorch exports nn.Linear on rank > 2 inputs."""
        w = self.randn(cin, cout, scale=math.sqrt(1.0 / cin))
        y = self.op("MatMul", [x, self.init(w, "linw")])
        return self.op("Add", [y, self.init(self.randn(cout, scale=0.1), "linb")])

    def gelu_erf(self, x):
        d = self.op("Div", [x, self.f32(math.sqrt(2.0))])
        e = self.op("Erf", [d])
        p = self.op("Add", [e, self.f32(1.0)])
        m = self.op("Mul", [x, p])
        return self.op("Mul", [m, self.f32(0.5)])

    def gelu_tanh(self, x):
        c = self.op("Pow", [x, self.f32(3.0)])
        c = self.op("Mul", [c, self.f32(0.044715)])
        c = self.op("Add", [x, c])
        c = self.op("Mul", [c, self.f32(math.sqrt(2.0 / math.pi))])
        c = self.op("Tanh", [c])
        c = self.op("Add", [c, self.f32(1.0)])
        h = self.op("Mul", [x, self.f32(0.5)])
        return self.op("Mul", [h, c])

    def layernorm(self, x, c, axis=-1):
        return self.op("LayerNormalization", [
            x, self.init(self.uniform(0.8, 1.2, c), "ln_g"), self.init(self.randn(c, scale=0.05), "ln_b")],
            axis=axis, epsilon=1e-5)

    def layernorm_decomposed(self, x, c):
        mean = self.op("ReduceMean", [x], axes=[-1])
        d = self.op("Sub", [x, mean])
        var = self.op("ReduceMean", [self.op("Pow", [d, self.f32(2.0)])], axes=[-1])
        std = self.op("Sqrt", [self.op("Add", [var, self.f32(1e-5)])])
        y = self.op("Div", [d, std])
        y = self.op("Mul", [y, self.init(self.uniform(0.8, 1.2, c), "ln_g")])
        return self.op("Add", [y, self.init(self.randn(c, scale=0.05), "ln_b")])

    def model_raw(self, inputs, outputs, opset, sparse=()):
        graph = helper.make_graph(self.nodes, self.name, inputs, outputs, initializer=self.inits,
                                  sparse_initializer=list(sparse))
        m = helper.make_model(graph, producer_name="sinter-zoo-gen",
                              opset_imports=[helper.make_operatorsetid("", opset)])
        m.ir_version = 8
        return m

    def model(self, inputs, outputs, opset, full=True):
        return finish(self.model_raw(inputs, outputs, opset), full)


def finish(m, full=True):
    """Gives outputs declared without a shape the one shape inference finds (the checker wants a shape
    on every graph output), then checks the model."""
    inferred = onnx.shape_inference.infer_shapes(m)
    known = {v.name: v for v in list(inferred.graph.value_info) + list(inferred.graph.output)}
    for o in m.graph.output:
        if not o.type.tensor_type.HasField("shape"):
            k = known.get(o.name)
            if k is not None and k.type.tensor_type.HasField("shape"):
                o.type.tensor_type.shape.CopyFrom(k.type.tensor_type.shape)
            else:
                raise ValueError("%s: give output %s a shape" % (m.graph.name, o.name))
    onnx.checker.check_model(m, full_check=full)
    return m


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


# ---------------------------------------------------------------------------
# Models. Each returns (model, cases): cases is a list of (case name, inputs).


def mlp_gelu():
    """MatMul+Add+GELU(erf), Gemm+Relu, MatMul+Add; dynamic batch."""
    g = G("mlp_gelu", 101)
    h = g.linear("x", 64, 128)
    h = g.gelu_erf(h)
    h = g.gemm(h, 128, 128)
    h = g.op("Relu", [h])
    g.op_to("Add", [g.op("MatMul", [h, g.init(g.randn(128, 10, scale=0.1))]), g.f32(g.randn(10))], ["y"])
    m = g.model([vi("x", F, ["batch", 64])], [vi("y", F, ["batch", 10])], 13)
    r = np.random.default_rng(1)
    return m, [("mlp_gelu_b1", [r.standard_normal((1, 64)).astype(np.float32)]),
               ("mlp_gelu_b64", [r.standard_normal((64, 64)).astype(np.float32)])]


def mlp_ln():
    """Gemm → LayerNormalization → GELU(erf) → Gemm → LayerNormalization → Relu → Gemm → Softmax."""
    g = G("mlp_ln", 102)
    h = g.gemm("x", 32, 96)
    h = g.layernorm(h, 96)
    h = g.gelu_erf(h)
    h = g.gemm(h, 96, 64, transB=0)
    h = g.layernorm(h, 64)
    h = g.op("Relu", [h])
    logits = g.gemm(h, 64, 12)
    g.op_to("Identity", [logits], ["logits"])
    g.op_to("Softmax", [logits], ["probs"], axis=-1)
    m = g.model([vi("x", F, ["batch", 32])], [vi("logits", F, ["batch", 12]), vi("probs", F, ["batch", 12])], 17)
    r = np.random.default_rng(2)
    return m, [("mlp_ln_b1", [r.standard_normal((1, 32)).astype(np.float32)]),
               ("mlp_ln_b64", [(r.standard_normal((64, 32)) * 2).astype(np.float32)])]


def resnet():
    """ResNet-style CNN on 64×64 RGB."""
    g = G("resnet", 103)

    def cbr(x, cin, cout, k, s, p, relu=True):
        y = g.bn(g.conv(x, cin, cout, k, stride=s, pad=p, bias=False), cout)
        return g.op("Relu", [y]) if relu else y

    def block(x, cin, cout, stride):
        y = cbr(x, cin, cout, 3, stride, 1)
        y = cbr(y, cout, cout, 3, 1, 1, relu=False)
        sc = x if stride == 1 and cin == cout else cbr(x, cin, cout, 1, stride, 0, relu=False)
        return g.op("Relu", [g.op("Add", [y, sc])])

    x = cbr("image", 3, 16, 3, 1, 1)
    x = g.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])  # 32×32
    x = block(x, 16, 16, 1)
    x = block(x, 16, 32, 2)  # 16×16
    x = block(x, 32, 64, 2)  # 8×8
    x = block(x, 64, 64, 1)
    x = g.op("GlobalAveragePool", [x])
    x = g.op("Flatten", [x], axis=1)
    logits = g.gemm(x, 64, 10)
    g.op_to("Identity", [logits], ["logits"])
    g.op_to("Softmax", [logits], ["probs"], axis=1)
    m = g.model([vi("image", F, ["batch", 3, 64, 64])],
                [vi("logits", F, ["batch", 10]), vi("probs", F, ["batch", 10])], 13)
    r = np.random.default_rng(3)
    return m, [("resnet_b2", [r.standard_normal((2, 3, 64, 64)).astype(np.float32)])]


def mobilenet():
    """MobileNet-style: depthwise and grouped conv, Clip (ReLU6), HardSwish, squeeze-excite."""
    g = G("mobilenet", 104)

    def relu6(x):
        return g.op("Clip", [x, g.f32(0.0), g.f32(6.0)])

    x = relu6(g.bn(g.conv("image", 3, 16, 3, stride=2, pad=1, bias=False), 16))  # 32×32
    # Inverted residual: expand 1×1, depthwise 3×3, project 1×1, residual.
    e = relu6(g.bn(g.conv(x, 16, 48, 1, bias=False), 48))
    d = relu6(g.bn(g.conv(e, 48, 48, 3, pad=1, group=48, bias=False), 48))
    p = g.bn(g.conv(d, 48, 16, 1, bias=False), 16)
    x = g.op("Add", [x, p])
    # Strided depthwise with HardSwish and a squeeze-excite gate.
    e = g.op("HardSwish", [g.bn(g.conv(x, 16, 64, 1, bias=False), 64)])
    d = g.op("HardSwish", [g.bn(g.conv(e, 64, 64, 5, stride=2, pad=2, group=64, bias=False), 64)])  # 16×16
    s = g.op("GlobalAveragePool", [d])
    s = g.op("Relu", [g.conv(s, 64, 16, 1)])
    s = g.op("HardSigmoid", [g.conv(s, 16, 64, 1)], alpha=1.0 / 6, beta=0.5)
    d = g.op("Mul", [d, s])
    x = g.bn(g.conv(d, 64, 32, 1, bias=False), 32)
    # Grouped conv (4 groups), Clip with only a min, strided.
    x = g.op("Clip", [g.conv(x, 32, 32, 3, stride=2, pad=1, group=4), g.f32(0.0)])  # 8×8
    x = g.op("HardSwish", [g.conv(x, 32, 96, 1)])
    x = g.op("GlobalAveragePool", [x])
    x = g.op("Flatten", [x])
    logits = g.gemm(x, 96, 10)
    g.op_to("Identity", [logits], ["logits"])
    m = g.model([vi("image", F, [1, 3, 64, 64])], [vi("logits", F, [1, 10])], 14)
    r = np.random.default_rng(4)
    return m, [("mobilenet_b1", [r.standard_normal((1, 3, 64, 64)).astype(np.float32)])]


def seghead():
    """Encoder-decoder segmentation head: strided convs down, ConvTranspose and Resize up, ArgMax."""
    g = G("seghead", 105)
    e1 = g.op("Relu", [g.conv("image", 3, 16, 3, stride=2, pad=1)])  # 32×32
    e2 = g.op("Relu", [g.conv(e1, 16, 32, 3, stride=2, pad=1)])  # 16×16
    e3 = g.op("Relu", [g.conv(e2, 32, 32, 3, stride=2, pad=1)])  # 8×8
    # ConvTranspose k4 s2 p1: 8 → 16.
    w = g.randn(32, 32, 4, 4, scale=0.1)
    u3 = g.op("ConvTranspose", [e3, g.init(w), g.init(g.randn(32, scale=0.1))],
              kernel_shape=[4, 4], strides=[2, 2], pads=[1, 1, 1, 1])
    d2 = g.op("Relu", [g.op("Add", [u3, e2])])
    # Grouped ConvTranspose k3 s2 p1 output_padding 1: 16 → 32.
    w = g.randn(32, 8, 3, 3, scale=0.15)
    u2 = g.op("ConvTranspose", [d2, g.init(w)], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
              output_padding=[1, 1], group=2)
    d1 = g.op("Concat", [u2, e1], axis=1)  # 32 channels
    d1 = g.op("Relu", [g.conv(d1, 32, 16, 3, pad=1)])
    # Resize: nearest ×2 (asymmetric/floor) and bilinear to an explicit size (half_pixel).
    up_n = g.op("Resize", [d1, "", g.f32([1, 1, 2, 2])], mode="nearest",
                coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    up_l = g.op("Resize", [d1, "", "", g.i64([1, 16, 64, 64])], mode="linear",
                coordinate_transformation_mode="half_pixel")
    x = g.op("Add", [up_n, up_l])
    seg = g.conv(x, 16, 5, 1)
    g.op_to("Identity", [seg], ["seg_logits"])
    g.op_to("ArgMax", [seg], ["seg_classes"], axis=1, keepdims=0)
    # ConvTranspose with dilations, asymmetric output_shape and auto_pad.
    w = g.randn(16, 4, 3, 3, scale=0.2)
    g.op_to("ConvTranspose", [d1, g.init(w)], ["deconv_dil"], kernel_shape=[3, 3], strides=[2, 2],
            dilations=[2, 2], pads=[0, 1, 2, 0])
    g.op_to("ConvTranspose", [d1, g.init(g.randn(16, 3, 2, 2, scale=0.2))], ["deconv_shape"],
            kernel_shape=[2, 2], strides=[3, 3], output_shape=[97, 95])
    g.op_to("ConvTranspose", [e3, g.init(g.randn(32, 6, 3, 3, scale=0.2))], ["deconv_same"],
            kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER")
    m = g.model([vi("image", F, [1, 3, 64, 64])],
                [vi("seg_logits", F, None), vi("seg_classes", I64, None), vi("deconv_dil", F, None),
                 vi("deconv_shape", F, None), vi("deconv_same", F, None)], 13)
    r = np.random.default_rng(5)
    return m, [("seghead_b1", [r.standard_normal((1, 3, 64, 64)).astype(np.float32)])]


def convpad():
    """Padding modes, dilations, auto_pad SAME_UPPER/SAME_LOWER/VALID, pooling edge cases; odd sizes."""
    g = G("convpad", 106)
    x = "x"  # [1, 4, 21, 23]
    outs = []

    def out(name, v):
        g.op_to("Identity", [v], [name])
        outs.append(name)

    out("same_upper_s2", g.conv(x, 4, 6, 3, stride=2, auto_pad="SAME_UPPER"))
    out("same_lower_s2_k4", g.conv(x, 4, 6, 4, stride=2, auto_pad="SAME_LOWER"))
    out("same_upper_k2", g.conv(x, 4, 6, 2, auto_pad="SAME_UPPER"))
    out("valid_s3", g.conv(x, 4, 6, 3, stride=3, auto_pad="VALID"))
    out("dil2_asym", g.conv(x, 4, 6, 3, dil=2, pad=[1, 2, 0, 3]))
    out("dil3_s2_rect", g.conv(x, 4, 8, (3, 2), stride=2, dil=3, pad=[2, 0, 1, 1], group=2))
    out("conv_k1x5", g.conv(x, 4, 6, (1, 5), pad=[0, 2, 0, 2]))
    out("pad_reflect", g.op("Pad", [x, g.i64([0, 0, 2, 3, 0, 0, 1, 4])], mode="reflect"))
    out("pad_edge", g.op("Pad", [x, g.i64([0, 1, 1, 0, 0, 0, 2, 3])], mode="edge"))
    out("pad_const_neg", g.op("Pad", [x, g.i64([0, 0, -2, 1, 0, 0, 3, -4]), g.f32(1.5)], mode="constant"))
    out("avgpool_incl_ceil", g.op("AveragePool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                                  count_include_pad=1, ceil_mode=1))
    out("avgpool_excl", g.op("AveragePool", [x], kernel_shape=[4, 3], strides=[3, 2], pads=[2, 1, 1, 0]))
    out("avgpool_same_lower", g.op("AveragePool", [x], kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_LOWER"))
    out("maxpool_dil_ceil", g.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], dilations=[2, 2], ceil_mode=1))
    out("maxpool_same_upper", g.op("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2], auto_pad="SAME_UPPER"))
    mp, mi = g.op("MaxPool", [x], nout=2, kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    out("maxpool_vals", mp)
    out("maxpool_idx", mi)
    out("lppool", g.op("LpPool", [x], kernel_shape=[2, 3], strides=[2, 2], p=2))
    out("global_max", g.op("GlobalMaxPool", [x]))
    # Conv1d with dilation and SAME_UPPER on a reshaped signal.
    sig = g.op("Reshape", [x, g.i64([1, 4, -1])])  # [1, 4, 483]
    out("conv1d_dil", g.conv1d(sig, 4, 5, 5, stride=2, pad=4, dil=2))
    out("conv1d_same", g.op("Conv", [sig, g.init(g.randn(3, 4, 4, scale=0.3))], kernel_shape=[4], strides=[3],
                             auto_pad="SAME_UPPER"))
    outputs = [vi(n, I64 if n == "maxpool_idx" else F, None) for n in outs]
    m = g.model([vi("x", F, [1, 4, 21, 23])], outputs, 13)
    r = np.random.default_rng(6)
    return m, [("convpad_b1", [r.standard_normal((1, 4, 21, 23)).astype(np.float32)])]


def bert():
    """BERT-style encoder: 2 layers, hidden 64, 4 heads, FFN 256, dynamic batch and sequence."""
    g = G("bert", 107)
    H, NH, HD, FF, V, P = 64, 4, 16, 256, 1000, 128
    ids, mask = "input_ids", "attention_mask"
    # Embeddings: token + position (positions from Shape/Gather/Range) + token type (all zeros).
    shp = g.op("Shape", [ids])
    seq = g.op("Gather", [shp, g.i64(1)], axis=0)
    pos = g.op("Range", [g.i64(0), seq, g.i64(1)])
    pos = g.op("Unsqueeze", [pos, g.i64([0])])
    pos = g.op("Expand", [pos, shp])
    tt = g.op("ConstantOfShape", [shp], value=helper.make_tensor("v", I64, [1], [0]))
    e = g.op("Gather", [g.init(g.randn(V, H, scale=0.5), "word_emb"), ids])
    e = g.op("Add", [e, g.op("Gather", [g.init(g.randn(P, H, scale=0.5), "pos_emb"), pos])])
    e = g.op("Add", [e, g.op("Gather", [g.init(g.randn(2, H, scale=0.5), "type_emb"), tt])])
    x = g.layernorm(e, H)
    # Additive mask [B,1,1,S]: (1 - mask) * -10000.
    m4 = g.op("Unsqueeze", [mask, g.i64([1, 2])])
    mf = g.op("Cast", [m4], to=F)
    add_mask = g.op("Mul", [g.op("Sub", [g.f32(1.0), mf]), g.f32(-10000.0)])
    # Boolean mask expanded to [B, NH, S, S] for the Where form.
    bs = g.op("Slice", [shp, g.i64([0]), g.i64([1])])
    sq = g.op("Slice", [shp, g.i64([1]), g.i64([2])])
    full = g.op("Concat", [bs, g.i64([NH]), sq, sq], axis=0)
    keep = g.op("Expand", [g.op("Cast", [m4], to=TensorProto.BOOL), full])

    def heads(t, perm):
        # [B,S,H] → [B,S,NH,HD] with a target built from Shape, then transpose.
        tgt = g.op("Concat", [g.op("Slice", [g.op("Shape", [t]), g.i64([0]), g.i64([2])]), g.i64([NH, HD])], axis=0)
        return g.op("Transpose", [g.op("Reshape", [t, tgt])], perm=perm)

    for layer in range(2):
        q = heads(g.linear(x, H, H), [0, 2, 1, 3])
        k = heads(g.linear(x, H, H), [0, 2, 3, 1])
        v = heads(g.linear(x, H, H), [0, 2, 1, 3])
        s = g.op("MatMul", [q, k])
        if layer == 0:
            s = g.op("Mul", [s, g.f32(1.0 / math.sqrt(HD))])
            s = g.op("Add", [s, add_mask])
        else:
            s = g.op("Div", [s, g.op("Sqrt", [g.f32(float(HD))])])
            s = g.op("Where", [keep, s, g.f32(-1e9)])
        a = g.op("Softmax", [s], axis=-1)
        c = g.op("Transpose", [g.op("MatMul", [a, v])], perm=[0, 2, 1, 3])
        c = g.op("Reshape", [c, g.i64([0, 0, -1])])
        o = g.linear(c, H, H)
        x = g.op("Add", [x, o])
        x = g.layernorm(x, H) if layer == 0 else g.layernorm_decomposed(x, H)
        f = g.linear(x, H, FF)
        f = g.gelu_erf(f) if layer == 0 else g.gelu_tanh(f)
        f = g.linear(f, FF, H)
        x = g.op("Add", [x, f])
        x = g.layernorm(x, H) if layer == 0 else g.layernorm_decomposed(x, H)
    g.op_to("Identity", [x], ["last_hidden"])
    cls = g.op("Gather", [x, g.i64(0)], axis=1)
    g.op_to("Tanh", [g.gemm(cls, H, H)], ["pooled"])
    m = g.model([vi(ids, I64, ["batch", "seq"]), vi(mask, I64, ["batch", "seq"])],
                [vi("last_hidden", F, ["batch", "seq", H]), vi("pooled", F, ["batch", H])], 17)
    r = np.random.default_rng(7)
    ids2 = r.integers(0, V, (2, 32), dtype=np.int64)
    mask2 = np.ones((2, 32), dtype=np.int64)
    mask2[1, 20:] = 0
    ids1 = r.integers(0, V, (1, 128), dtype=np.int64)
    mask1 = np.ones((1, 128), dtype=np.int64)
    mask1[0, 100:] = 0
    return m, [("bert_b2_s32", [ids2, mask2]), ("bert_b1_s128", [ids1, mask1])]


def audio():
    """Audio classifier: HannWindow + STFT → power → MelWeightMatrix → Log → Conv1d ×2 → BiLSTM → Gemm."""
    g = G("audio", 108)
    NFFT, HOP, MEL, HID = 512, 160, 40, 24
    wave = "waveform"  # [B, N]
    sig = g.op("Unsqueeze", [wave, g.i64([-1])])  # [B, N, 1]
    win = g.op("HannWindow", [g.i64(NFFT)], periodic=1)
    spec = g.op("STFT", [sig, g.i64(HOP), win], onesided=1)  # [B, T, 257, 2]
    power = g.op("ReduceSum", [g.op("Mul", [spec, spec]), g.i64([-1])], keepdims=0)  # [B, T, 257]
    mel = g.op("MelWeightMatrix", [g.i64(MEL), g.i64(NFFT), g.i64(16000), g.f32(20.0), g.f32(8000.0)])
    logmel = g.op("Log", [g.op("Add", [g.op("MatMul", [power, mel]), g.f32(1e-6)])])  # [B, T, 40]
    g.op_to("Identity", [logmel], ["logmel"])
    x = g.op("Transpose", [logmel], perm=[0, 2, 1])  # [B, 40, T]
    x = g.op("Relu", [g.conv1d(x, MEL, 32, 3, pad=1)])
    x = g.op("Relu", [g.conv1d(x, 32, 32, 3, pad=2, dil=2)])
    x = g.op("Mul", [x, g.f32(0.1)])
    x = g.op("Transpose", [x], perm=[2, 0, 1])  # [T, B, 32]
    s = 1.0 / math.sqrt(HID)
    W = g.init(g.uniform(-s, s, 2, 4 * HID, 32))
    R = g.init(g.uniform(-s, s, 2, 4 * HID, HID))
    Bb = g.init(g.uniform(-s, s, 2, 8 * HID))
    y, yh, yc = g.op("LSTM", [x, W, R, Bb], nout=3, hidden_size=HID, direction="bidirectional")
    g.op_to("Identity", [y], ["lstm_y"])
    h = g.op("Flatten", [g.op("Transpose", [yh], perm=[1, 0, 2])], axis=1)  # [B, 48]
    g.op_to("Gemm", [h, g.init(g.randn(6, 2 * HID, scale=0.3)), g.init(g.randn(6, scale=0.1))], ["logits"],
            transB=1)
    # A plain complex DFT of the first 256 samples, full spectrum.
    first = g.op("Slice", [sig, g.i64([0]), g.i64([256]), g.i64([1])])
    g.op_to("DFT", [first], ["dft"], axis=1, onesided=0)
    m = g.model([vi(wave, F, ["batch", 4000])],
                [vi("logmel", F, ["batch", "frames", MEL]), vi("lstm_y", F, ["frames", 2, "batch", HID]),
                 vi("logits", F, ["batch", 6]), vi("dft", F, ["batch", 256, 2])], 17)
    r = np.random.default_rng(8)
    t = np.arange(4000) / 16000.0
    w = np.stack([0.5 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 1250 * t),
                  0.3 * np.sin(2 * np.pi * (200 + 3000 * t) * t)]) + 0.05 * r.standard_normal((2, 4000))
    return m, [("audio_b2", [w.astype(np.float32)])]


def kws():
    """Keyword spotting: Conv1d + BN stack → GRU (linear_before_reset=1) → BiGRU with sequence_lens → Gemm."""
    g = G("kws", 109)
    HID = 32
    x = g.op("Relu", [g.bn(g.conv1d("feats", 40, 32, 3, stride=2, pad=1), 32)])  # [B, 32, 25]
    x = g.op("Relu", [g.conv1d(x, 32, 32, 3, pad=1)])
    x = g.op("Transpose", [x], perm=[2, 0, 1])  # [25, B, 32]
    s = 1.0 / math.sqrt(HID)
    y1, _ = g.op("GRU", [x, g.init(g.uniform(-s, s, 1, 3 * HID, 32)), g.init(g.uniform(-s, s, 1, 3 * HID, HID)),
                         g.init(g.uniform(-s, s, 1, 6 * HID))], nout=2, hidden_size=HID, linear_before_reset=1)
    y1 = g.op("Squeeze", [y1, g.i64([1])])  # [T, B, HID]
    lens = "lens"
    h0 = "h0"  # [2, B, HID]: streaming state from the previous window
    y2, yh = g.op("GRU", [y1, g.init(g.uniform(-s, s, 2, 3 * HID, HID)), g.init(g.uniform(-s, s, 2, 3 * HID, HID)),
                          g.init(g.uniform(-s, s, 2, 6 * HID)), lens, h0],
                  nout=2, hidden_size=HID, direction="bidirectional")
    g.op_to("Identity", [y2], ["gru_y"])
    g.op_to("Identity", [yh], ["gru_h"])
    h = g.op("Flatten", [g.op("Transpose", [yh], perm=[1, 0, 2])], axis=1)
    logits = g.gemm(h, 2 * HID, 12)
    g.op_to("Softmax", [logits], ["probs"], axis=-1)
    m = g.model([vi("feats", F, ["batch", 40, 49]), vi(lens, TensorProto.INT32, ["batch"]),
                 vi(h0, F, [2, "batch", HID])],
                [vi("gru_y", F, None), vi("gru_h", F, None), vi("probs", F, None)], 14)
    r = np.random.default_rng(9)
    return m, [("kws_b3", [r.standard_normal((3, 40, 49)).astype(np.float32), np.array([25, 17, 9], np.int32),
                        (r.standard_normal((2, 3, HID)) * 0.1).astype(np.float32)])]


def detect():
    """Detection-style tail: fp16 weights, Pad reflect, Resize modes, Slice with negative steps,
    Einsum, CumSum, ArgMax, TopK, NonMaxSuppression, Gather/GatherND, Cast chains."""
    g = G("detect", 110)
    outs = []

    def out(name, v, elem=F):
        g.op_to("Identity", [v], [name])
        outs.append(vi(name, elem, None))

    x = "feat"  # [1, 8, 12, 12]
    # Conv with float16 weights cast to float32 at use.
    w16 = g.init(g.randn(16, 8, 3, 3, scale=0.2).astype(np.float16), "w16")
    b16 = g.init(g.randn(16, scale=0.1).astype(np.float16), "b16")
    p = g.op("Pad", [x, g.i64([0, 0, 1, 1, 0, 0, 1, 1])], mode="reflect")
    f = g.op("Relu", [g.op("Conv", [p, g.op("Cast", [w16], to=F), g.op("Cast", [b16], to=F)], kernel_shape=[3, 3])])
    out("trunk", f)
    # Resize variants.
    out("rs_linear_hp", g.op("Resize", [x, "", g.f32([1, 1, 2, 2])], mode="linear",
                             coordinate_transformation_mode="half_pixel"))
    out("rs_linear_ac", g.op("Resize", [x, "", "", g.i64([1, 8, 17, 9])], mode="linear",
                             coordinate_transformation_mode="align_corners"))
    out("rs_linear_pt", g.op("Resize", [x, "", g.f32([1, 1, 1.5, 0.75])], mode="linear",
                             coordinate_transformation_mode="pytorch_half_pixel"))
    out("rs_cubic_hp", g.op("Resize", [x, "", g.f32([1, 1, 2, 2])], mode="cubic", cubic_coeff_a=-0.75,
                            coordinate_transformation_mode="half_pixel"))
    out("rs_cubic_asym_excl", g.op("Resize", [x, "", "", g.i64([1, 8, 20, 7])], mode="cubic",
                                   coordinate_transformation_mode="asymmetric", exclude_outside=1))
    out("rs_cubic_ac", g.op("Resize", [x, "", g.f32([1, 1, 1.75, 1.75])], mode="cubic",
                            coordinate_transformation_mode="align_corners"))
    out("rs_nearest_hp_up", g.op("Resize", [x, "", "", g.i64([1, 8, 19, 25])], mode="nearest",
                                coordinate_transformation_mode="half_pixel", nearest_mode="round_prefer_ceil"))
    out("rs_nearest_ceil", g.op("Resize", [x, "", g.f32([1, 1, 2.5, 1.5])], mode="nearest",
                                coordinate_transformation_mode="asymmetric", nearest_mode="ceil"))
    out("rs_nearest_hp_down", g.op("Resize", [x, "", "", g.i64([1, 8, 5, 7])], mode="nearest",
                                   coordinate_transformation_mode="half_pixel", nearest_mode="round_prefer_floor"))
    out("rs_crop", g.op("Resize", [x, g.f32([0, 0, 0.1, 0.2, 1, 1, 0.8, 0.9]), "", g.i64([1, 8, 10, 10])],
                        mode="linear", coordinate_transformation_mode="tf_crop_and_resize", extrapolation_value=-1.0))
    # Slices with negative steps.
    out("slice_neg", g.op("Slice", [x, g.i64([-1, 10, 0]), g.i64([-100, 1, 8]), g.i64([3, 2, 1]), g.i64([-3, -2, 1])]))
    out("slice_neg_step", g.op("Slice", [x, g.i64([11, -2]), g.i64([-13, 0]), g.i64([2, 3]), g.i64([-1, -3])]))
    # Einsum: channel mixing and batched bilinear form.
    out("einsum_mix", g.op("Einsum", [f, g.init(g.randn(4, 16, scale=0.3))], equation="bchw,oc->bohw"))
    out("einsum_bmm", g.op("Einsum", [x, x], equation="bcij,bckj->bcik"))
    out("einsum_trace", g.op("Einsum", [x], equation="bcii->bc"))
    # Head: scores [1, C, N], boxes [1, N, 4] (N = 144).
    sc = g.op("Sigmoid", [g.conv(f, 16, 3, 1)])
    scores = g.op("Reshape", [sc, g.i64([1, 3, -1])])
    out("scores", scores)
    out("cumsum", g.op("CumSum", [scores, g.i64(2)]))
    out("cumsum_rev_excl", g.op("CumSum", [scores, g.i64(-1)], exclusive=1, reverse=1))
    out("argmax_cls", g.op("ArgMax", [scores], axis=1, keepdims=0), I64)
    out("argmin_last", g.op("ArgMin", [scores], axis=2, select_last_index=1), I64)
    flat = g.op("Reshape", [scores, g.i64([-1])])
    tv, ti = g.op("TopK", [flat, g.i64([10])], nout=2, axis=-1, largest=1, sorted=1)
    out("topk_vals", tv)
    out("topk_idx", ti, I64)
    bv, bi = g.op("TopK", [scores, g.i64([5])], nout=2, axis=2, largest=0)
    out("bottomk_vals", bv)
    out("bottomk_idx", bi, I64)
    boxes = "boxes"  # [1, N, 4] corner form, input
    sel = g.op("NonMaxSuppression", [boxes, scores, g.i64([6]), g.f32([0.4]), g.f32([0.55])], center_point_box=0)
    out("nms", sel, I64)
    # Gather the kept boxes: by GatherND on (batch, box) and by Gather on the box column.
    bb = g.op("Gather", [sel, g.i64([0, 2])], axis=1)  # [K, 2]
    out("nms_boxes_nd", g.op("GatherND", [boxes, bb]))
    col = g.op("Gather", [sel, g.i64(2)], axis=1)  # [K]
    out("nms_boxes_g", g.op("Gather", [g.op("Squeeze", [boxes, g.i64([0])]), col], axis=0))
    cb = g.op("Gather", [sel, g.i64([1, 2])], axis=1)
    out("nms_scores", g.op("GatherND", [g.op("Squeeze", [scores, g.i64([0])]), cb]))
    sel_c = g.op("NonMaxSuppression", [g.op("Mul", [boxes, g.f32(10.0)]), scores, g.i64([4]), g.f32([0.3])],
                 center_point_box=1)
    out("nms_center", sel_c, I64)
    # Cast chains.
    sx = g.op("Mul", [x, g.f32(7.0)])
    out("cast_i32", g.op("Cast", [sx], to=TensorProto.INT32), TensorProto.INT32)
    out("cast_f16_f32", g.op("Cast", [g.op("Cast", [sx], to=TensorProto.FLOAT16)], to=F))
    out("cast_u8_f", g.op("Cast", [g.op("Cast", [g.op("Abs", [sx])], to=TensorProto.UINT8)], to=F))
    out("cast_bool", g.op("Cast", [g.op("Cast", [g.op("Floor", [sx])], to=TensorProto.BOOL)], to=I64), I64)
    out("cast_f64", g.op("Cast", [g.op("Mul", [g.op("Cast", [x], to=TensorProto.DOUBLE),
                                              g.init(np.array(1.0 / 3, np.float64))])], to=F))
    m = g.model([vi("feat", F, [1, 8, 12, 12]), vi(boxes, F, [1, 144, 4])], outs, 13)
    r = np.random.default_rng(10)
    feat = r.standard_normal((1, 8, 12, 12)).astype(np.float32)
    # Boxes on a 12×12 grid of anchors with jitter, corner form [y1, x1, y2, x2] with some flipped corners.
    yy, xx = np.meshgrid(np.arange(12), np.arange(12), indexing="ij")
    c = np.stack([yy.ravel() + 0.5, xx.ravel() + 0.5], 1) + r.uniform(-0.4, 0.4, (144, 2))
    hw = r.uniform(1.0, 3.0, (144, 2))
    b = np.concatenate([c - hw / 2, c + hw / 2], 1)
    flip = r.random(144) < 0.2
    b[flip] = b[flip][:, [2, 3, 0, 1]]
    return m, [("detect_b1", [feat, b[None].astype(np.float32)])]


def misc():
    """Shape arithmetic, empty tensors, axes-as-input ops, Split, Tile, OneHot, ScatterND, If, Loop."""
    g = G("misc", 111)
    outs = []

    def out(name, v, elem=F, shape=None):
        g.op_to("Identity", [v], [name])
        outs.append(vi(name, elem, shape))

    x, idx = "x", "idx"  # x [2, 3, 4, 5] float, idx [3] int64
    shp = g.op("Shape", [x])
    # int64 shape arithmetic: [2,3,4,5] → [2*3, 4*5/2, 2].
    d01 = g.op("Mul", [g.op("Gather", [shp, g.i64(0)]), g.op("Gather", [shp, g.i64(1)])])
    d23 = g.op("Div", [g.op("ReduceProd", [g.op("Slice", [shp, g.i64([2]), g.i64([4])])], keepdims=1), g.i64([2])])
    tgt = g.op("Concat", [g.op("Unsqueeze", [d01, g.i64([0])]), d23, g.i64([2])], axis=0)
    out("reshaped", g.op("Reshape", [x, tgt]), shape=["r0", "r1", "r2"])
    out("shape_math", g.op("Sub", [g.op("Mul", [shp, g.i64([3])]), g.op("Mod", [shp, g.i64([4])])]), I64)
    # Empty tensors: slice to zero length, concat back, reduce over it.
    empty = g.op("Slice", [x, g.i64([2]), g.i64([2]), g.i64([1])])  # [2, 0, 4, 5]
    out("empty", empty)
    out("concat_empty", g.op("Concat", [empty, x, empty], axis=1))
    out("empty_shape", g.op("Shape", [empty]), I64)
    ka = g.op("Slice", [x, g.i64([0]), g.i64([0]), g.i64([3])])  # [2, 3, 4, 0]
    kb = g.op("Slice", [x, g.i64([5]), g.i64([5]), g.i64([2])])  # [2, 3, 0, 5]
    out("empty_k_matmul", g.op("MatMul", [ka, kb]))  # [2, 3, 4, 5] of zeros
    out("empty_reducesum", g.op("ReduceSum", [empty, g.i64([1])], keepdims=0))  # zeros [2, 4, 5]
    # Squeeze / Unsqueeze with axes inputs.
    u = g.op("Unsqueeze", [x, g.i64([0, -1])])  # [1, 2, 3, 4, 5, 1]
    out("unsq", u)
    out("sq", g.op("Squeeze", [u, g.i64([-1, 0])]))
    # Split with a split input.
    a, b, c = g.op("Split", [x, g.i64([1, 2, 1])], nout=3, axis=2)
    out("split_a", a)
    out("split_b", b)
    out("split_c", c)
    out("tile", g.op("Tile", [b, g.i64([1, 2, 1, 3])]))
    # OneHot with depth and values.
    out("onehot", g.op("OneHot", [idx, g.i64(6), g.f32([-1.0, 2.0])], axis=-1))
    out("onehot_ax0", g.op("OneHot", [idx, g.i64(5), g.i64([0, 1])], axis=0), I64)
    # ScatterND / ScatterElements / GatherElements.
    out("scatternd", g.op("ScatterND", [x, g.i64([[0, 1], [1, 2], [0, 0]]), g.init(g.randn(3, 4, 5))]))
    out("scatterel", g.op("ScatterElements", [x, g.op("Reshape", [idx, g.i64([1, 1, 1, 3])]),
                                              g.init(g.randn(1, 1, 1, 3))], axis=3))
    out("gatherel", g.op("GatherElements", [x, g.op("Reshape", [idx, g.i64([1, 1, 1, 3])])], axis=-1))
    out("gather_neg", g.op("Gather", [x, g.i64([-1, 0, -2])], axis=2))
    # If on a dynamic condition.
    cond = g.op("Greater", [g.op("ReduceSum", [x], keepdims=0), g.f32(0.0)])
    then_g = helper.make_graph(
        [helper.make_node("Constant", [], ["two"], value_float=2.0), helper.make_node("Mul", [x, "two"], ["t_out"])],
        "then", [], [vi("t_out", F, None)])
    else_g = helper.make_graph(
        [helper.make_node("Constant", [], ["one"], value_float=1.0),
         helper.make_node("Sub", [x, "one"], ["e_sub"]),
         helper.make_node("ReduceMax", ["e_sub"], ["e_out"], axes=[3], keepdims=1)],
        "else", [], [vi("e_out", F, None)])
    out("if_out", g.op("If", [cond], then_branch=then_g, else_branch=else_g))
    # Loop: trip count from the shape (2 + 3 = 5), carried state and scan output.
    trip = g.op("Add", [g.op("Gather", [shp, g.i64(0)]), g.op("Gather", [shp, g.i64(1)])])
    body = helper.make_graph(
        [helper.make_node("Cast", ["i"], ["fi"], to=F),
         helper.make_node("Mul", ["v_in", "decay"], ["v_dec"]),
         helper.make_node("Add", ["v_dec", "fi"], ["v_out"]),
         helper.make_node("ReduceSum", ["v_out"], ["scan"], keepdims=0),
         helper.make_node("Identity", ["cond_in"], ["cond_out"])],
        "body",
        [vi("i", I64, []), vi("cond_in", TensorProto.BOOL, []), vi("v_in", F, None)],
        [vi("cond_out", TensorProto.BOOL, []), vi("v_out", F, None), vi("scan", F, None)],
        initializer=[numpy_helper.from_array(np.array(0.9, np.float32), "decay")])
    lv, ls = g.op("Loop", [trip, "", g.op("ReduceMean", [x], axes=[0, 1])], nout=2, body=body)
    out("loop_final", lv, shape=[1, 1, 4, 5])
    out("loop_scan", ls, shape=["trips"])
    # Where + Expand + Range + ConstantOfShape + Neg/Abs on int64.
    rng = g.op("Range", [g.i64(0), g.op("Gather", [shp, g.i64(3)]), g.i64(1)])
    exp = g.op("Expand", [rng, g.op("Concat", [g.i64([3]), g.op("Slice", [shp, g.i64([3]), g.i64([4])])], axis=0)])
    out("where", g.op("Where", [g.op("Less", [exp, g.op("Unsqueeze", [idx, g.i64([1])])]), exp,
                                g.op("Neg", [exp])]), I64)
    out("cos_fill", g.op("ConstantOfShape", [g.op("Slice", [shp, g.i64([1]), g.i64([3])])],
                         value=helper.make_tensor("v", F, [1], [0.25])))
    m = g.model([vi(x, F, [2, 3, 4, 5]), vi(idx, I64, [3])], outs, 13)
    r = np.random.default_rng(11)
    xv = r.standard_normal((2, 3, 4, 5)).astype(np.float32) + 0.1
    if xv.sum() <= 0:
        xv = -xv
    iv = np.array([4, 0, 2], np.int64)
    return m, [("misc_then", [xv, iv]), ("misc_else", [-xv, np.array([1, 3, 3], np.int64)])]


def legacy9():
    """Old exporter, opset 9: attribute forms of Slice/Pad/Clip/TopK/Split/Squeeze, Upsample,
    Softmax/LogSoftmax/Hardmax that flatten to 2-D, MaxPool indices with storage_order, Scan."""
    g = G("legacy9", 112)
    outs = []

    def out(name, v, elem=F, shape=None):
        g.op_to("Identity", [v], [name])
        outs.append(vi(name, elem, shape))

    x = "image"  # [2, 3, 10, 12]
    c = g.op("Relu", [g.bn(g.conv(x, 3, 8, 3, pad=1), 8)])
    out("softmax_ax1_4d", g.op("Softmax", [c], axis=1))  # normalises over C*H*W
    out("logsoftmax_ax2", g.op("LogSoftmax", [c], axis=2))
    out("hardmax_ax1", g.op("Hardmax", [g.op("Reshape", [c, g.i64([2, 8, -1])])], axis=1))
    out("softmax_default", g.op("Softmax", [g.op("Reshape", [c, g.i64([2, 8, -1])])]))
    mp, mi = g.op("MaxPool", [c], nout=2, kernel_shape=[2, 2], strides=[2, 2], storage_order=1)
    out("maxpool_cm", mp)
    out("maxpool_cm_idx", mi, I64)
    out("upsample_nearest", g.op("Upsample", [mp, g.f32([1, 1, 2, 3])], mode="nearest"))
    out("upsample_linear", g.op("Upsample", [mp, g.f32([1, 1, 2, 2])], mode="linear"))
    out("slice_attr", g.op("Slice", [c], starts=[1, -4], ends=[100, -1], axes=[2, 3]))
    out("pad_attr_reflect", g.op("Pad", [x], pads=[0, 0, 2, 1, 0, 0, 1, 2], mode="reflect"))
    out("pad_attr_const", g.op("Pad", [x], pads=[0, 1, 0, 1, 0, 0, 1, 0], value=-2.0))
    out("clip_attr", g.op("Clip", [c], min=0.5, max=2.0))
    flat = g.op("Flatten", [c], axis=1)
    tv, ti = g.op("TopK", [flat], nout=2, k=7, axis=-1)
    out("topk_attr_vals", tv)
    out("topk_attr_idx", ti, I64)
    a, b = g.op("Split", [c], nout=2, axis=1, split=[3, 5])
    out("split_attr_a", a)
    out("split_attr_b", b)
    out("squeeze_attr", g.op("Squeeze", [g.op("ReduceMean", [c], axes=[2, 3], keepdims=1)], axes=[2, 3]))
    out("unsqueeze_attr", g.op("Unsqueeze", [flat], axes=[0, 3]))
    out("reducesum_attr", g.op("ReduceSum", [c], axes=[1, -1], keepdims=0))
    out("argmax_v1", g.op("ArgMax", [c], axis=-1, keepdims=1), I64)
    out("gemm_v9", g.op("Gemm", [flat, g.init(g.randn(8 * 120, 5, scale=0.03)), g.init(g.randn(1, 5))],
                        alpha=0.5, beta=2.0))
    # Scan-9: running sum and running max over the sequence axis of [2, 8, 120] (scan axis 2).
    body = helper.make_graph(
        [helper.make_node("Add", ["s_in", "xt"], ["s_out"]),
         helper.make_node("Max", ["s_out", "xt"], ["y_t"])],
        "scan_body",
        [vi("s_in", F, [2, 8]), vi("xt", F, [2, 8])],
        [vi("s_out", F, [2, 8]), vi("y_t", F, [2, 8])])
    seq = g.op("Reshape", [c, g.i64([2, 8, -1])])
    sfin, sy = g.op("Scan", [g.init(np.zeros((2, 8), np.float32)), seq], nout=2, body=body,
                    num_scan_inputs=1, scan_input_axes=[2], scan_output_axes=[1])
    out("scan_final", sfin)
    out("scan_out", sy)
    m = g.model([vi(x, F, [2, 3, 10, 12])], outs, 9)
    r = np.random.default_rng(12)
    return m, [("legacy9_b2", [r.standard_normal((2, 3, 10, 12)).astype(np.float32)])]


def legacy12():
    """Opset 12 (ops at their 11/12 versions): Resize-11 (roi, tf_crop_and_resize, align_corners), Softmax-11
    flattening, Split/Squeeze/ReduceSum attributes, DepthToSpace, SpaceToDepth, Unique, NonZero, Compress,
    TopK with ties, Round, integer Div/Mod semantics."""
    g = G("legacy12", 113)
    outs = []

    def out(name, v, elem=F, shape=None):
        g.op_to("Identity", [v], [name])
        outs.append(vi(name, elem, shape))

    x = "x"  # [1, 8, 6, 7]
    empty_roi = g.f32([])
    # (tf_half_pixel_for_nearest is left out: ONNX Runtime 1.30 rejects it.)
    out("rs11_nearest_floor", g.op("Resize", [x, empty_roi, g.f32([1, 1, 1.5, 2.0])], mode="nearest",
                                   coordinate_transformation_mode="asymmetric", nearest_mode="floor"))
    out("rs11_ac_linear", g.op("Resize", [x, empty_roi, g.f32([]), g.i64([1, 8, 11, 5])], mode="linear",
                               coordinate_transformation_mode="align_corners"))
    out("rs11_crop_cubic", g.op("Resize", [x, g.f32([0, 0, 0.2, -0.1, 1, 1, 0.9, 0.7]), g.f32([]),
                                          g.i64([1, 8, 9, 9])], mode="cubic",
                                coordinate_transformation_mode="tf_crop_and_resize", extrapolation_value=0.5))
    out("rs11_pt_down", g.op("Resize", [x, empty_roi, g.f32([1, 1, 0.5, 0.6])], mode="linear",
                             coordinate_transformation_mode="pytorch_half_pixel"))
    out("softmax11_ax1_3d", g.op("Softmax", [g.op("Reshape", [x, g.i64([1, 8, -1])])], axis=1))
    out("logsoftmax11_neg", g.op("LogSoftmax", [x], axis=-2))
    a, b, c = g.op("Split", [x], nout=3, axis=-1, split=[2, 4, 1])
    out("split11_c", c)
    out("squeeze11", g.op("Squeeze", [g.op("ReduceSum", [a], axes=[-1], keepdims=1)], axes=[-1]))
    out("d2s_dcr", g.op("DepthToSpace", [x], blocksize=2, mode="DCR"))
    out("d2s_crd", g.op("DepthToSpace", [x], blocksize=2, mode="CRD"))
    out("s2d", g.op("SpaceToDepth", [g.op("Slice", [x, g.i64([0, 0]), g.i64([6, 6]), g.i64([2, 3])])], blocksize=3))
    q = g.op("Round", [g.op("Mul", [x, g.f32(1.5)])])  # many ties and halves
    out("round", q)
    qf = g.op("Reshape", [q, g.i64([-1])])
    u, ui, uinv, ucnt = g.op("Unique", [qf], nout=4, sorted=1)
    out("unique_vals", u)
    out("unique_idx", ui, I64)
    out("unique_inv", uinv, I64)
    out("unique_cnt", ucnt, I64)
    u2, ui2, uinv2, ucnt2 = g.op("Unique", [g.op("Reshape", [q, g.i64([8, -1])])], nout=4, sorted=1, axis=0)
    out("unique_axis0", u2)
    out("unique_axis0_inv", uinv2, I64)
    tv, ti = g.op("TopK", [q, g.i64([5])], nout=2, axis=1, largest=1, sorted=1)  # ties everywhere
    out("topk_ties_vals", tv)
    out("topk_ties_idx", ti, I64)
    tv, ti = g.op("TopK", [q, g.i64([4])], nout=2, axis=-1, largest=0, sorted=1)
    out("bottomk_ties_vals", tv)
    out("bottomk_ties_idx", ti, I64)
    out("argmax_ties", g.op("ArgMax", [q], axis=1), I64)
    out("argmax_ties_last", g.op("ArgMax", [q], axis=1, select_last_index=1), I64)
    out("argmin_ties", g.op("ArgMin", [q], axis=3, keepdims=0), I64)
    out("nonzero", g.op("NonZero", [g.op("Greater", [q, g.f32(1.0)])]), I64)
    out("compress", g.op("Compress", [x, g.op("Less", [g.op("ReduceMean", [x], axes=[0, 2, 3], keepdims=0),
                                                      g.f32(0.0)])], axis=1), shape=[1, "c", 6, 7])
    out("compress_flat", g.op("Compress", [x, g.op("Greater", [g.op("Reshape", [q, g.i64([-1])]),
                                                             g.f32(0.0)])]), shape=["n"])
    # Integer division and modulo of negative numbers (C-style truncation vs floor).
    qi = g.op("Cast", [q], to=I64)
    out("div_i64", g.op("Div", [qi, g.i64([3])]), I64)
    out("mod_i64", g.op("Mod", [qi, g.i64([-3])]), I64)
    out("fmod_f32", g.op("Mod", [x, g.f32([0.7])], fmod=1))
    out("mod_i64_fmod", g.op("Mod", [qi, g.i64([3])], fmod=1), I64)
    out("pow_neg_base", g.op("Pow", [q, g.f32(3.0)]))
    out("pow_int", g.op("Pow", [qi, g.i64(2)]), I64)
    out("range_f", g.op("Range", [g.f32(-1.5), g.f32(2.3), g.f32(0.35)]))
    out("cumsum_i64_rev", g.op("CumSum", [qi, g.i64(3)], reverse=1, exclusive=1), I64)
    out("clip11", g.op("Clip", [x, g.f32(-0.5), g.f32(0.25)]))
    out("gather_nd11", g.op("GatherND", [x, g.i64([[0, 1, 2], [0, -1, 0], [0, 7, 5]])]))
    m = g.model([vi(x, F, [1, 8, 6, 7])], outs, 12)
    r = np.random.default_rng(13)
    return m, [("legacy12_b1", [(r.standard_normal((1, 8, 6, 7)) * 1.5).astype(np.float32)])]


def decoder():
    """LLaMA-style decoder layer with a KV cache: RMSNorm, rotary embeddings (Range/Cos/Sin/Slice/Neg/Concat),
    grouped-query attention (Expand of KV heads), causal mask from Trilu + Where(-inf), Einsum attention,
    SwiGLU, Shape(start, end), CastLike; the first step runs with an empty past."""
    g = G("decoder", 114)
    H, NH, NKV, HD, FF, V = 64, 4, 2, 16, 128, 500
    ids, pk, pv = "input_ids", "past_key", "past_value"  # [B,S] int64, [B,NKV,P,HD] ×2
    shp = g.op("Shape", [ids])
    S = g.op("Shape", [ids], start=1)  # [S]
    P = g.op("Shape", [pk], start=2, end=3)  # [P]
    T = g.op("Add", [S, P])  # [P+S]
    emb = g.op("Gather", [g.init(g.randn(V, H, scale=0.5), "emb"), ids])  # [B,S,H]

    def rmsnorm(t):
        ms = g.op("ReduceMean", [g.op("Mul", [t, t])], axes=[-1])
        inv = g.op("Reciprocal", [g.op("Sqrt", [g.op("Add", [ms, g.f32(1e-6)])])])
        return g.op("Mul", [g.op("Mul", [t, inv]), g.init(g.uniform(0.8, 1.2, H), "rms_w")])

    h = rmsnorm(emb)
    # Rotary tables for positions P..P+S-1.
    pos = g.op("Range", [g.op("Squeeze", [P, g.i64([0])]), g.op("Squeeze", [T, g.i64([0])]), g.i64(1)])
    posf = g.op("CastLike", [pos, g.f32(0.0)])
    inv_freq = g.f32(1.0 / (10000 ** (np.arange(0, HD, 2) / HD)))
    ang = g.op("Mul", [g.op("Unsqueeze", [posf, g.i64([1])]), inv_freq])  # [S, HD/2]
    ang = g.op("Concat", [ang, ang], axis=-1)  # [S, HD]
    cos, sin = g.op("Cos", [ang]), g.op("Sin", [ang])

    def rope(t):  # t [B, heads, S, HD]
        x1 = g.op("Slice", [t, g.i64([0]), g.i64([HD // 2]), g.i64([-1])])
        x2 = g.op("Slice", [t, g.i64([HD // 2]), g.i64([HD]), g.i64([-1])])
        rot = g.op("Concat", [g.op("Neg", [x2]), x1], axis=-1)
        return g.op("Add", [g.op("Mul", [t, cos]), g.op("Mul", [rot, sin])])

    def split_heads(t, n):
        bs = g.op("Slice", [shp, g.i64([0]), g.i64([2])])
        t = g.op("Reshape", [t, g.op("Concat", [bs, g.i64([n, HD])], axis=0)])
        return g.op("Transpose", [t], perm=[0, 2, 1, 3])

    q = rope(split_heads(g.op("MatMul", [h, g.init(g.randn(H, NH * HD, scale=0.125))]), NH))
    k = rope(split_heads(g.op("MatMul", [h, g.init(g.randn(H, NKV * HD, scale=0.125))]), NKV))
    v = split_heads(g.op("MatMul", [h, g.init(g.randn(H, NKV * HD, scale=0.125))]), NKV)
    k = g.op("Concat", [pk, k], axis=2)  # [B, NKV, P+S, HD]
    v = g.op("Concat", [pv, v], axis=2)
    g.op_to("Identity", [k], ["present_key"])
    g.op_to("Identity", [v], ["present_value"])

    def repeat_kv(t):  # [B, NKV, T, HD] → [B, NH, T, HD]
        t = g.op("Unsqueeze", [t, g.i64([2])])
        ts = g.op("Shape", [t])
        tgt = g.op("Concat", [g.op("Slice", [ts, g.i64([0]), g.i64([2])]), g.i64([NH // NKV]),
                              g.op("Slice", [ts, g.i64([3]), g.i64([5])])], axis=0)
        t = g.op("Expand", [t, tgt])
        return g.op("Reshape", [t, g.op("Concat", [g.op("Slice", [ts, g.i64([0]), g.i64([1])]), g.i64([NH, -1, HD])],
                                                  axis=0)])

    k, v = repeat_kv(k), repeat_kv(v)
    sc = g.op("Einsum", [q, k], equation="bhqd,bhkd->bhqk")
    sc = g.op("Mul", [sc, g.f32(1.0 / math.sqrt(HD))])
    # Causal mask [S, P+S]: key j visible to query i iff j ≤ P + i.
    ones = g.op("ConstantOfShape", [g.op("Concat", [S, T], axis=0)], value=helper.make_tensor("v", TensorProto.BOOL,
                                                                                            [1], [True]))
    causal = g.op("Trilu", [ones, g.op("Squeeze", [P, g.i64([0])])], upper=0)
    sc = g.op("Where", [causal, sc, g.f32(-np.inf)])
    a = g.op("Softmax", [sc], axis=-1)
    o = g.op("Einsum", [a, v], equation="bhqk,bhkd->bqhd")
    o = g.op("Reshape", [o, g.op("Concat", [g.op("Slice", [shp, g.i64([0]), g.i64([2])]), g.i64([-1])], axis=0)])
    h = g.op("Add", [emb, g.op("MatMul", [o, g.init(g.randn(NH * HD, H, scale=0.125))])])
    n2 = rmsnorm(h)
    gate = g.op("MatMul", [n2, g.init(g.randn(H, FF, scale=0.125))])
    up = g.op("MatMul", [n2, g.init(g.randn(H, FF, scale=0.125))])
    silu = g.op("Mul", [gate, g.op("Sigmoid", [gate])])
    h = g.op("Add", [h, g.op("MatMul", [g.op("Mul", [silu, up]), g.init(g.randn(FF, H, scale=0.09))])])
    logits = g.op("MatMul", [rmsnorm(h), g.init(g.randn(H, V, scale=0.125))])
    g.op_to("Identity", [logits], ["logits"])
    g.op_to("ArgMax", [g.op("Gather", [logits, g.i64(-1)], axis=1)], ["next_token"], axis=-1, keepdims=0)
    m = g.model([vi(ids, I64, ["batch", "seq"]), vi(pk, F, ["batch", NKV, "past", HD]),
                 vi(pv, F, ["batch", NKV, "past", HD])],
                [vi("logits", F, ["batch", "seq", V]), vi("next_token", I64, ["batch"]),
                 vi("present_key", F, ["batch", NKV, "total", HD]), vi("present_value", F, ["batch", NKV, "total", HD])],
                17)
    r = np.random.default_rng(14)
    e = np.zeros((2, NKV, 0, HD), np.float32)
    prompt = [r.integers(0, V, (2, 7), dtype=np.int64), e, e]
    past = (r.standard_normal((1, NKV, 9, HD)) * 0.5).astype(np.float32)
    step = [r.integers(0, V, (1, 1), dtype=np.int64), past, past[:, :, ::-1].copy()]
    chunk = [r.integers(0, V, (1, 4), dtype=np.int64), past, (past * 0.7).astype(np.float32)]
    return m, [("decoder_prefill", prompt), ("decoder_step", step), ("decoder_chunk", chunk)]


def quant():
    """Int8: QDQ (per-tensor and per-channel) around Conv and MatMul, QLinearConv, QLinearMatMul,
    ConvInteger, MatMulInteger, DynamicQuantizeLinear, QuantizeLinear saturation and rounding."""
    g = G("quant", 115)
    outs = []
    U8, S8 = TensorProto.UINT8, TensorProto.INT8

    def out(name, v, elem=F, shape=None):
        g.op_to("Identity", [v], [name])
        outs.append(vi(name, elem, shape))

    x = "x"  # [1, 8, 10, 10] float
    xs, xz = g.f32(0.02), g.init(np.array(128, np.uint8))
    xq = g.op("QuantizeLinear", [x, xs, xz])
    out("x_q", xq, U8)
    # Per-channel int8 weights, dequantized: QDQ conv.
    wf = g.randn(16, 8, 3, 3, scale=0.2)
    wscale = (np.abs(wf).reshape(16, -1).max(1) / 127).astype(np.float32)
    wq = np.clip(np.round(wf / wscale[:, None, None, None]), -127, 127).astype(np.int8)
    wq_n, ws_n = g.init(wq, "wq"), g.init(wscale, "wscale")
    wz = g.init(np.zeros(16, np.int8))
    wdq = g.op("DequantizeLinear", [wq_n, ws_n, wz], axis=0)
    y = g.op("Conv", [g.op("DequantizeLinear", [xq, xs, xz]), wdq, g.init(g.randn(16, scale=0.1))],
             kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    y = g.op("Relu", [y])
    out("qdq_conv", y)
    ys, yz = g.f32(0.05), g.init(np.array(0, np.uint8))
    yq = g.op("QuantizeLinear", [y, ys, yz])
    out("qdq_conv_q", yq, U8)
    # QLinearConv with per-channel weight scales and int32 bias.
    bias = g.init((g.randn(16, scale=0.1) / (0.02 * wscale)).round().astype(np.int32))
    qc = g.op("QLinearConv", [xq, xs, xz, wq_n, ws_n, wz, g.f32(0.04), g.init(np.array(100, np.uint8)), bias],
              kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2])
    out("qlinearconv", qc, U8)
    # ConvInteger and MatMulInteger: exact integer arithmetic.
    wq_u8 = (wq.astype(np.int16) + 128).astype(np.uint8)
    out("convinteger", g.op("ConvInteger", [xq, g.init(wq_u8), xz], kernel_shape=[3, 3]), TensorProto.INT32)
    flat = g.op("Reshape", [xq, g.i64([8, 100])])
    mw = g.rng.integers(-128, 128, (100, 24)).astype(np.int8)
    out("matmulinteger", g.op("MatMulInteger", [flat, g.init(mw), xz, g.init(np.array(3, np.int8))]),
        TensorProto.INT32)
    out("qlinearmatmul", g.op("QLinearMatMul", [flat, xs, xz, g.init(mw), g.f32(0.01), g.init(np.array(0, np.int8)),
                                                g.f32(0.3), g.init(np.array(120, np.uint8))]), U8)
    # Dynamic quantization of a float matrix (as quantized BERT does) then integer matmul.
    a = g.op("Reshape", [x, g.i64([8, 100])])
    dq, dscale, dzp = g.op("DynamicQuantizeLinear", [a], nout=3)
    out("dyn_q", dq, U8)
    out("dyn_scale", dscale)
    out("dyn_zp", dzp, U8)
    # Saturation and round-half-to-even: inputs built to hit exact .5 steps.
    half = g.op("Mul", [g.op("Round", [g.op("Mul", [x, g.f32(40.0)])]), g.f32(0.5)])
    out("q_round_half_u8", g.op("QuantizeLinear", [half, g.f32(1.0), g.init(np.array(10, np.uint8))]), U8)
    out("q_sat_s8", g.op("QuantizeLinear", [g.op("Mul", [x, g.f32(100.0)]), g.f32(0.5),
                                             g.init(np.array(-3, np.int8))]), S8)
    out("q_per_axis_s8", g.op("QuantizeLinear", [x, g.init(g.uniform(0.005, 0.03, 8)),
                                                  g.init(g.rng.integers(-5, 5, 8).astype(np.int8))], axis=1), S8)
    out("dq_per_axis", g.op("DequantizeLinear", [g.op("QuantizeLinear", [x, g.init(g.uniform(0.005, 0.03, 8)),
                                                                        g.init(g.rng.integers(-5, 5, 8).astype(np.int8))],
                                                      axis=1),
                                                 g.init(g.uniform(0.005, 0.03, 8)), g.init(np.zeros(8, np.int8))], axis=1))
    # Dynamic-quantized Linear as onnxruntime.quantization.quantize_dynamic writes it: DynamicQuantizeLinear,
    # MatMulInteger with per-column int8 weight zero points, Cast, Mul by x_scale × w_scale, Add bias.
    wq2 = g.rng.integers(-127, 128, (100, 16)).astype(np.int8)
    wzp = g.rng.integers(-3, 4, 16).astype(np.int8)
    wsc = g.uniform(0.002, 0.01, 16)
    mi = g.op("MatMulInteger", [dq, g.init(wq2), dzp, g.init(wzp)])
    out("dyn_matmulinteger", mi, TensorProto.INT32)
    y = g.op("Mul", [g.op("Cast", [mi], to=F), g.op("Mul", [dscale, g.init(wsc)])])
    out("dyn_linear", g.op("Add", [y, g.init(g.randn(16, scale=0.1))]))
    # (ConvInteger with per-channel weight zero points is left out: ORT's kernel takes only scalar ones.)
    m = g.model([vi(x, F, [1, 8, 10, 10])], outs, 13)
    r = np.random.default_rng(15)
    return m, [("quant_b1", [r.standard_normal((1, 8, 10, 10)).astype(np.float32)])]


def vision_misc():
    """Opset 16 vision ops: GridSample (all modes), RoiAlign, InstanceNormalization, LRN, pixel shuffle,
    PRelu/LeakyRelu/Elu/Selu/Celu, 3-D conv and pooling, 1-D ConvTranspose, ScatterElements/ScatterND with
    reduction, GatherND batch_dims, Trilu, ReverseSequence, MeanVarianceNormalization, BitShift."""
    g = G("vision_misc", 116)
    outs = []

    def out(name, v, elem=F, shape=None):
        g.op_to("Identity", [v], [name])
        outs.append(vi(name, elem, shape))

    x, grid = "x", "grid"  # [2, 4, 9, 11], [2, 7, 6, 2]
    for mode in ["bilinear", "nearest", "bicubic"]:
        for pm in ["zeros", "border", "reflection"]:
            for ac in [0, 1]:
                out("gs_%s_%s_%d" % (mode, pm, ac), g.op("GridSample", [x, grid], mode=mode, padding_mode=pm,
                                                          align_corners=ac))
    rois = g.f32([[0.5, 1.0, 6.3, 7.2], [2.0, 0.0, 10.5, 8.9], [-1.0, 3.0, 4.0, 12.0]])
    bidx = g.i64([0, 1, 1])
    out("roialign_avg", g.op("RoiAlign", [x, rois, bidx], output_height=3, output_width=4, sampling_ratio=2,
                             spatial_scale=0.9, coordinate_transformation_mode="half_pixel"))
    out("roialign_max_adapt", g.op("RoiAlign", [x, rois, bidx], mode="max", output_height=2, output_width=2,
                                   sampling_ratio=0, coordinate_transformation_mode="output_half_pixel"))
    out("instnorm", g.op("InstanceNormalization", [x, g.init(g.uniform(0.5, 1.5, 4)), g.init(g.randn(4))],
                         epsilon=1e-3))
    out("lrn", g.op("LRN", [x], size=3, alpha=1e-2, beta=0.75, bias=2.0))
    out("mvn", g.op("MeanVarianceNormalization", [x], axes=[0, 2, 3]))
    # (LpNormalization is left out: Sinter does not implement it yet.)
    ps = g.op("DepthToSpace", [g.conv(x, 4, 16, 3, pad=1)], blocksize=2, mode="CRD")  # pixel shuffle
    out("pixel_shuffle", ps)
    out("prelu", g.op("PRelu", [x, g.init(g.uniform(0.05, 0.3, 4, 1, 1))]))
    out("leaky", g.op("LeakyRelu", [x], alpha=0.2))
    out("elu", g.op("Elu", [x], alpha=0.7))
    out("selu", g.op("Selu", [x]))
    out("celu", g.op("Celu", [x], alpha=1.3))
    out("thrrelu", g.op("ThresholdedRelu", [x], alpha=0.4))
    out("softplus", g.op("Softplus", [g.op("Mul", [x, g.f32(20.0)])]))
    out("shrink", g.op("Shrink", [x], lambd=0.5, bias=0.2))
    # 3-D: treat channels as depth.
    v5 = g.op("Unsqueeze", [x, g.i64([1])])  # [2, 1, 4, 9, 11]
    w3 = g.init(g.randn(3, 1, 2, 3, 3, scale=0.3))
    out("conv3d", g.op("Conv", [v5, w3], kernel_shape=[2, 3, 3], pads=[0, 1, 1, 1, 0, 1], strides=[1, 2, 1]))
    out("maxpool3d", g.op("MaxPool", [v5], kernel_shape=[2, 2, 3], strides=[2, 2, 2], ceil_mode=1))
    out("avgpool3d", g.op("AveragePool", [v5], kernel_shape=[3, 2, 2], pads=[1, 0, 1, 1, 1, 0],
                          count_include_pad=0))
    s1 = g.op("Reshape", [x, g.i64([2, 4, -1])])
    out("convtranspose1d", g.op("ConvTranspose", [s1, g.init(g.randn(4, 3, 5, scale=0.3))], kernel_shape=[5],
                                strides=[3], pads=[2, 1], output_padding=[1], dilations=[2]))
    # Scatter with reduction (opset 16) and GatherND with batch_dims.
    idx = g.i64([[[0, 1], [1, 3]], [[1, 3], [0, 0]]])  # [2, 2, 2], (1, 3) twice
    upd = g.init(g.randn(2, 2, 9, 11))
    out("scatternd_add", g.op("ScatterND", [x, idx, upd], reduction="add"))
    out("scatternd_mul", g.op("ScatterND", [x, idx, upd], reduction="mul"))
    ei = g.init(g.rng.integers(-9, 9, (2, 4, 3, 11)).astype(np.int64))
    out("scatterel_add", g.op("ScatterElements", [x, ei, g.init(g.randn(2, 4, 3, 11))], axis=2, reduction="add"))
    out("gathernd_b1", g.op("GatherND", [x, g.i64([[[1, 2], [3, -1]], [[0, 0], [2, 5]]])], batch_dims=1))
    out("trilu_up", g.op("Trilu", [x, g.i64(2)], upper=1))
    out("trilu_low_neg", g.op("Trilu", [x, g.i64(-3)], upper=0))
    seq = g.op("Transpose", [s1], perm=[2, 0, 1])  # [99, 2, 4]
    out("revseq", g.op("ReverseSequence", [seq, g.i64([50, 3])], batch_axis=1, time_axis=0))
    out("bitshift", g.op("BitShift", [g.op("Cast", [g.op("Abs", [g.op("Mul", [x, g.f32(50.0)])])],
                                           to=TensorProto.UINT32), g.init(np.array([3], np.uint32))],
                         direction="LEFT"), TensorProto.UINT32)
    m = g.model([vi(x, F, [2, 4, 9, 11]), vi(grid, F, [2, 7, 6, 2])], outs, 16)
    r = np.random.default_rng(16)
    return m, [("vision_misc_b2", [r.standard_normal((2, 4, 9, 11)).astype(np.float32),
                                   r.uniform(-1.3, 1.3, (2, 7, 6, 2)).astype(np.float32)])]


def rnn_variants():
    """Recurrent edge cases: LSTM with peepholes, initial state, sequence_lens and clip; reverse LSTM;
    RNN; GRU with custom activations."""
    g = G("rnn_variants", 117)
    outs = []

    def out(name, v, elem=F, shape=None):
        g.op_to("Identity", [v], [name])
        outs.append(vi(name, elem, shape))

    x, lens = "x", "lens"  # [T=9, B=3, I=6], [3] int32
    Hh, I = 5, 6
    s = 0.6

    def W(d, gates, inp):
        return g.init(g.uniform(-s, s, d, gates * Hh, inp))

    h0 = g.init(g.randn(2, 3, Hh, scale=0.3))
    c0 = g.init(g.randn(2, 3, Hh, scale=0.3))
    y, yh, yc = g.op("LSTM", [x, W(2, 4, I), W(2, 4, Hh), g.init(g.uniform(-s, s, 2, 8 * Hh)), lens, h0, c0,
                              g.init(g.uniform(-s, s, 2, 3 * Hh))],
                     nout=3, hidden_size=Hh, direction="bidirectional", clip=1.5)
    out("lstm_peep_y", y)
    out("lstm_peep_h", yh)
    out("lstm_peep_c", yc)
    y, yh = g.op("LSTM", [x, W(1, 4, I), W(1, 4, Hh), g.init(g.uniform(-s, s, 1, 8 * Hh))], nout=2,
                 hidden_size=Hh, direction="reverse", activations=["HardSigmoid", "Tanh", "Tanh"],
                 activation_alpha=[0.3], activation_beta=[0.4])
    out("lstm_rev_y", y)
    out("lstm_rev_h", yh)
    y, yh = g.op("RNN", [x, W(2, 1, I), W(2, 1, Hh), g.init(g.uniform(-s, s, 2, 2 * Hh)), lens], nout=2,
                 hidden_size=Hh, direction="bidirectional", activations=["Tanh", "Relu"])
    out("rnn_y", y)
    out("rnn_h", yh)
    y, yh = g.op("GRU", [x, W(1, 3, I), W(1, 3, Hh), g.init(g.uniform(-s, s, 1, 6 * Hh)), lens,
                         g.init(g.randn(1, 3, Hh, scale=0.3))], nout=2, hidden_size=Hh,
                 activations=["Sigmoid", "Softsign"], linear_before_reset=1)
    out("gru_act_y", y)
    out("gru_act_h", yh)
    # (Batch-first layout=1 is left out: ONNX Runtime 1.30's CPU LSTM rejects it.)
    m = g.model([vi(x, F, [9, 3, I]), vi(lens, TensorProto.INT32, [3])], outs, 14)
    r = np.random.default_rng(17)
    return m, [("rnn_variants", [r.standard_normal((9, 3, I)).astype(np.float32), np.array([9, 4, 1], np.int32)])]


def numerics():
    """Numerically touchy and integer paths: Softmax/LogSoftmax/ReduceLogSumExp on large logits, masked rows
    of -inf, Exp/Sigmoid/Softplus/Erf/Tanh saturation, every Reduce* with negative axes, integer
    reductions and arithmetic, MatMul and Gemm broadcasting forms, Einsum variants, variadic ops."""
    g = G("numerics", 118)
    outs = []

    def out(name, v, elem=F, shape=None):
        g.op_to("Identity", [v], [name])
        outs.append(vi(name, elem, shape))

    x, k = "x", "k"  # x [3, 4, 16] float, k [3, 4, 16] int64
    big = g.op("Mul", [x, g.f32(60.0)])  # logits up to a few hundred
    out("softmax_big", g.op("Softmax", [big], axis=-1))
    out("logsoftmax_big", g.op("LogSoftmax", [big], axis=1))
    out("softmax_ax0", g.op("Softmax", [x], axis=0))
    out("rlse_big", g.op("ReduceLogSumExp", [big], axes=[-1], keepdims=0))
    # Rows fully masked with -inf give NaN in ORT; half-masked rows are finite.
    maskrow = g.init(np.array([[[0.0] * 16], [[0.0] * 8 + [-np.inf] * 8], [[-np.inf] * 16]], np.float32))
    out("softmax_masked", g.op("Softmax", [g.op("Add", [x, maskrow])], axis=-1))
    out("exp_big", g.op("Exp", [g.op("Mul", [x, g.f32(40.0)])]))
    out("sigmoid_big", g.op("Sigmoid", [big]))
    out("softplus_big", g.op("Softplus", [big]))
    out("tanh_big", g.op("Tanh", [big]))
    out("erf_big", g.op("Erf", [g.op("Mul", [x, g.f32(3.0)])]))
    out("log_small", g.op("Log", [g.op("Abs", [g.op("Mul", [x, g.f32(1e-30)])])]))
    out("sqrt_neg", g.op("Sqrt", [x]))  # NaN where x < 0
    out("div_zero", g.op("Div", [g.f32(1.0), g.op("Floor", [x])]))  # ±inf where floor(x) = 0
    out("reciprocal", g.op("Reciprocal", [x]))
    for op in ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
               "ReduceSumSquare", "ReduceLogSum"]:
        src = g.op("Abs", [x]) if op == "ReduceLogSum" else x
        if op == "ReduceSum":
            out(op.lower(), g.op(op, [src, g.i64([-1, 0])], keepdims=1))
        else:
            out(op.lower(), g.op(op, [src], axes=[-1, 0], keepdims=1))
    out("reducemax_all", g.op("ReduceMax", [x], keepdims=0))
    out("reducesum_noaxes_noop", g.op("ReduceSum", [x, g.i64([])], keepdims=1, noop_with_empty_axes=1))
    # Integer paths.
    out("i_reducesum", g.op("ReduceSum", [k, g.i64([1])], keepdims=0), I64)
    out("i_reducemean", g.op("ReduceMean", [k], axes=[2], keepdims=0), I64)  # integer mean truncates
    out("i_reduceprod", g.op("ReduceProd", [g.op("Clip", [k, g.i64(-3), g.i64(3)])], axes=[2]), I64)
    out("i_max3", g.op("Max", [k, g.op("Neg", [k]), g.i64([[[-1]], [[0]], [[5]]])]), I64)
    out("i_argmax", g.op("ArgMax", [k], axis=-1), I64)
    out("i_cumsum", g.op("CumSum", [g.op("Cast", [k], to=TensorProto.INT32), g.init(np.array(2, np.int32))]),
        TensorProto.INT32)
    ktv, kti = g.op("TopK", [k, g.i64([6])], nout=2, axis=-1)
    out("i_topk_vals", ktv, I64)
    out("i_topk_idx", kti, I64)
    out("i_div_neg", g.op("Div", [k, g.i64([-4])]), I64)
    out("i_mod_neg", g.op("Mod", [k, g.i64([-4])]), I64)
    out("i_mod_pos", g.op("Mod", [g.op("Neg", [k]), g.i64([5])]), I64)
    out("i32_div", g.op("Div", [g.op("Cast", [k], to=TensorProto.INT32), g.init(np.array([3], np.int32))]),
        TensorProto.INT32)
    out("u8_sub_wrap", g.op("Sub", [g.op("Cast", [g.op("Abs", [k])], to=TensorProto.UINT8),
                                    g.init(np.array([7], np.uint8))]), TensorProto.UINT8)
    out("i_bool_ops", g.op("Cast", [g.op("Xor", [g.op("Greater", [k, g.i64(0)]),
                                                 g.op("Or", [g.op("Equal", [k, g.i64(3)]),
                                                             g.op("Not", [g.op("LessOrEqual", [k, g.i64(5)])])])])],
                              to=I64), I64)
    out("cast_f_i64", g.op("Cast", [g.op("Mul", [x, g.f32(5.0)])], to=I64), I64)
    out("cast_i_f16", g.op("Cast", [g.op("Cast", [g.op("Mul", [k, g.i64(997)])], to=TensorProto.FLOAT16)], to=F))
    out("cast_f_f16_big", g.op("Cast", [g.op("Cast", [g.op("Mul", [x, g.f32(3e4)])], to=TensorProto.FLOAT16)], to=F))
    out("isnan_isinf", g.op("Cast", [g.op("Or", [g.op("IsNaN", [g.op("Sqrt", [x])]),
                                                 g.op("IsInf", [g.op("Exp", [g.op("Mul", [x, g.f32(100.0)])])],
                                                      detect_negative=0)])], to=I64), I64)
    # MatMul forms.
    xt = g.op("Transpose", [x], perm=[0, 2, 1])  # [3, 16, 4]
    out("mm_1d_nd", g.op("MatMul", [g.f32(g.randn(16)), xt]))  # [3, 4]
    out("mm_nd_1d", g.op("MatMul", [x, g.f32(g.randn(16))]))  # [3, 4]
    x4 = g.op("Unsqueeze", [x, g.i64([1])])  # [3, 1, 4, 16]
    out("mm_bcast", g.op("MatMul", [x4, g.init(g.randn(1, 2, 16, 5))]))  # [3, 2, 4, 5]
    out("mm_k1024", g.op("MatMul", [g.op("Reshape", [g.op("Tile", [x, g.i64([1, 1, 64])]), g.i64([3, 4, 1024])]),
                                    g.init(g.randn(1024, 7, scale=0.03))]))
    x2 = g.op("Reshape", [x, g.i64([12, 16])])
    out("gemm_ta_cscalar", g.op("Gemm", [g.op("Transpose", [x2]), g.init(g.randn(16, 6)), g.f32(0.5)],
                                transA=1, alpha=0.7, beta=-1.5))
    out("gemm_tb_ccol", g.op("Gemm", [x2, g.init(g.randn(6, 16)), g.init(g.randn(12, 1))], transB=1, beta=0.25))
    out("gemm_noc", g.op("Gemm", [x2, g.init(g.randn(16, 3))]))
    # Einsum forms.
    out("es_ellipsis", g.op("Einsum", [x, g.init(g.randn(16, 5))], equation="...ij,jk->...ik"))
    out("es_outer", g.op("Einsum", [g.f32(g.randn(4)), g.f32(g.randn(3))], equation="i,j->ij"))
    out("es_dot", g.op("Einsum", [x2, x2], equation="ij,ij->"))
    out("es_transpose", g.op("Einsum", [x], equation="bij->jbi"))
    out("es_diag", g.op("Einsum", [g.op("Slice", [x, g.i64([0]), g.i64([4]), g.i64([2])])], equation="bii->bi"))
    out("es_sum_keep", g.op("Einsum", [x, x], equation="bij,bkj->ik"))
    out("es_implicit", g.op("Einsum", [x2, g.init(g.randn(16, 2))], equation="ij,jk"))
    # Variadic and broadcasting.
    out("mean3", g.op("Mean", [x, g.f32(g.randn(16)), g.init(g.randn(3, 1, 1))]))
    out("min3", g.op("Min", [x, g.f32(0.2), g.init(g.randn(4, 1))]))
    out("where_bcast", g.op("Where", [g.op("Greater", [g.init(g.randn(4, 1)), g.f32(0.0)]), x,
                                      g.init(g.randn(3, 1, 16))]))
    out("expand_keep", g.op("Expand", [g.init(g.randn(3, 1)), g.i64([2, 1, 4])]))  # [2, 3, 4]
    out("pow_f_i", g.op("Pow", [x, g.i64(3)]))
    out("pow_frac", g.op("Pow", [g.op("Abs", [x]), g.f32(0.37)]))
    out("prelu_scalar", g.op("PRelu", [x, g.f32([0.1])]))
    out("hardmax_ties", g.op("Hardmax", [g.op("Round", [x])], axis=-1))
    out("flatten0", g.op("Flatten", [x], axis=0))
    out("flatten3", g.op("Flatten", [x], axis=3))
    out("reshape_allowzero", g.op("Reshape", [g.op("Slice", [x, g.i64([0]), g.i64([0]), g.i64([0])]),
                                              g.i64([0, 4, 4, 4])], allowzero=1))
    out("det", g.op("Det", [g.op("Slice", [x, g.i64([0]), g.i64([4]), g.i64([2])])]))
    m = g.model([vi(x, F, [3, 4, 16]), vi(k, I64, [3, 4, 16])], outs, 14)
    r = np.random.default_rng(18)
    return m, [("numerics", [r.standard_normal((3, 4, 16)).astype(np.float32),
                             r.integers(-20, 20, (3, 4, 16), dtype=np.int64)])]


def control():
    """Control flow and sequences as exporters emit them: a greedy-decode while-Loop whose state grows
    (Concat inside the body), nested If inside Loop capturing outer values, Scan with reversed inputs and
    outputs, SplitToSequence/SequenceAt/SequenceInsert/ConcatFromSequence, LayerNormalization over two
    axes with its Mean and InvStdDev outputs."""
    g = G("control", 119)
    outs = []

    def out(name, v, elem=F, shape=None):
        g.op_to("Identity", [v], [name])
        outs.append(vi(name, elem, shape))

    x, limit = "x", "limit"  # x [4, 6] float, limit [] int64 (max steps)
    W = g.init(g.randn(6, 6, scale=0.6), "Wdec")
    # Greedy decode: while (i < limit and score < threshold): h = tanh(h @ W + step); append argmax.
    body = helper.make_graph(
        [
            helper.make_node("MatMul", ["h_in", W], ["hw"]),
            helper.make_node("Cast", ["i"], ["fi"], to=F),
            helper.make_node("Mul", ["fi", "c01"], ["fi01"]),
            helper.make_node("Add", ["hw", "fi01"], ["hwa"]),
            helper.make_node("Tanh", ["hwa"], ["h_out"]),
            helper.make_node("ArgMax", ["h_out"], ["tok"], axis=1, keepdims=1),  # [4, 1]
            helper.make_node("Concat", ["toks_in", "tok"], ["toks_out"], axis=1),
            helper.make_node("ReduceSum", ["h_out"], ["score"], keepdims=0),
            helper.make_node("Less", ["score", "thr"], ["cond_out"]),
            # Nested If on the step parity; both branches read the outer x.
            helper.make_node("Mod", ["i", "two"], ["par"]),
            helper.make_node("Equal", ["par", "zero"], ["even"]),
            helper.make_node("If", ["even"], ["side"],
                             then_branch=helper.make_graph(
                                 [helper.make_node("ReduceMax", [x], ["tb"], axes=[1], keepdims=0)], "tb", [],
                                 [vi("tb", F, [4])]),
                             else_branch=helper.make_graph(
                                 [helper.make_node("ReduceMin", ["h_out"], ["eb"], axes=[1], keepdims=0)], "eb", [],
                                 [vi("eb", F, [4])])),
        ],
        "decode_body",
        [vi("i", I64, []), vi("cond_in", TensorProto.BOOL, []), vi("h_in", F, [4, 6]), vi("toks_in", I64, [4, "t"])],
        [vi("cond_out", TensorProto.BOOL, []), vi("h_out", F, [4, 6]), vi("toks_out", I64, [4, "t1"]),
         vi("side", F, [4])],
        initializer=[numpy_helper.from_array(np.array(0.1, np.float32), "c01"),
                     numpy_helper.from_array(np.array(7.0, np.float32), "thr"),
                     numpy_helper.from_array(np.array(2, np.int64), "two"),
                     numpy_helper.from_array(np.array(0, np.int64), "zero")])
    toks0 = g.op("ConstantOfShape", [g.i64([4, 0])], value=helper.make_tensor("v", I64, [1], [0]))
    hf, toks, side = g.op("Loop", [limit, g.init(np.array(True)), x, toks0], nout=3, body=body)
    out("dec_h", hf, shape=[4, 6])
    out("dec_tokens", toks, I64, shape=[4, "steps"])
    out("dec_side", side, shape=["steps", 4])
    # Scan: one input forward, one reversed; outputs forward and reversed along axis 1.
    sbody = helper.make_graph(
        [helper.make_node("Add", ["acc_in", "a_t"], ["acc_out"]),
         helper.make_node("Mul", ["acc_out", "b_t"], ["y1"]),
         helper.make_node("Sub", ["a_t", "b_t"], ["y2"])],
        "scan_body",
        [vi("acc_in", F, [6]), vi("a_t", F, [6]), vi("b_t", F, [6])],
        [vi("acc_out", F, [6]), vi("y1", F, [6]), vi("y2", F, [6])])
    xs = g.op("Mul", [x, g.f32(0.5)])
    acc, y1, y2 = g.op("Scan", [g.init(np.zeros(6, np.float32)), x, xs], nout=3, body=sbody, num_scan_inputs=2,
                       scan_input_directions=[0, 1], scan_output_directions=[1, 0], scan_output_axes=[0, 1])
    out("scan_acc", acc)
    out("scan_y1", y1)
    out("scan_y2", y2)
    # Sequences.
    seq = g.op("SplitToSequence", [x, g.i64([1, 2, 3])], axis=1)  # [4,1], [4,2], [4,3]
    out("seq_len", g.op("SequenceLength", [seq]), I64)
    out("seq_at_neg", g.op("SequenceAt", [seq, g.i64(-1)]))
    seq2 = g.op("SplitToSequence", [x], axis=0, keepdims=0)  # 4 × [6]
    seq2 = g.op("SequenceInsert", [seq2, g.op("ReduceMean", [x], axes=[0], keepdims=0), g.i64(1)])
    seq2 = g.op("SequenceErase", [seq2, g.i64(-2)])
    out("seq_stack", g.op("ConcatFromSequence", [seq2], axis=0, new_axis=1))
    out("seq_concat", g.op("ConcatFromSequence", [seq], axis=1))
    # LayerNormalization over the last two axes with its statistics.
    x3 = g.op("Reshape", [x, g.i64([2, 2, 6])])
    ln, mean, inv = g.op("LayerNormalization", [x3, g.init(g.uniform(0.5, 1.5, 2, 6)), g.init(g.randn(6))],
                         nout=3, axis=1, epsilon=1e-3)
    out("ln_ax1", ln)
    out("ln_mean", mean)
    out("ln_invstd", inv)
    # LayerNormalization of a channels-last 4-D tensor with a scale and no bias.
    out("ln_nhwc_nobias", g.op("LayerNormalization", [g.op("Reshape", [x, g.i64([1, 2, 2, 6])]),
                                                      g.init(g.uniform(0.5, 1.5, 6))], epsilon=1e-5))
    m = g.model([vi(x, F, [4, 6]), vi(limit, I64, [])], outs, 17)
    r = np.random.default_rng(19)
    xv = (r.standard_normal((4, 6)) * 0.8).astype(np.float32)
    return m, [("control_long", [xv, np.array(12, np.int64)]), ("control_short", [xv, np.array(2, np.int64)]),
               ("control_zero", [xv, np.array(0, np.int64)])]


def fp16_mlp():
    """A float16 MLP (weights and activations in half precision): MatMul, Add, Relu, Softmax, with a
    float32 copy of the logits. Compared at half-precision tolerance: ONNX Runtime's CPU provider runs
    these nodes in float32 behind inserted casts and never rounds the intermediates to half."""
    g = G("fp16_mlp", 120)
    H = TensorProto.FLOAT16
    h = g.op("MatMul", ["x", g.init(g.randn(32, 64, scale=0.18).astype(np.float16))])
    h = g.op("Add", [h, g.init(g.randn(64, scale=0.1).astype(np.float16))])
    h = g.op("Relu", [h])
    logits = g.op("MatMul", [h, g.init(g.randn(64, 10, scale=0.125).astype(np.float16))])
    g.op_to("Softmax", [logits], ["probs"], axis=-1)
    g.op_to("Cast", [logits], ["logits32"], to=F)
    m = g.model([vi("x", H, ["batch", 32])], [vi("probs", H, ["batch", 10]), vi("logits32", F, ["batch", 10])], 13)
    r = np.random.default_rng(20)
    return m, [("fp16_mlp_b8", [r.standard_normal((8, 32)).astype(np.float16)])], FP16_TOL


# Tolerance for cases computed in half precision (about two float16 ulps).
FP16_TOL = {"rtol": 2e-3, "atol": 1e-3}


def idioms():
    """PyTorch-exporter idioms and shape corner cases: Slice with INT64_MAX/INT64_MIN bounds and flips,
    Squeeze without axes, unsorted Unsqueeze axes, default Transpose, equal and zero-size Split,
    BatchNormalization on 2-D and 3-D inputs, pooling windows that start in the padding (ceil_mode),
    Range with negative or empty extent, ConstantOfShape of a scalar, TopK with k = axis length, Gather
    with 2-D int32 indices, Where with a scalar condition."""
    g = G("idioms", 121)
    outs = []
    IMAX, IMIN = np.iinfo(np.int64).max, np.iinfo(np.int64).min

    def out(name, v, elem=F, shape=None):
        g.op_to("Identity", [v], [name])
        outs.append(vi(name, elem, shape))

    x = "x"  # [2, 3, 5, 7]
    out("slice_to_max", g.op("Slice", [x, g.i64([1]), g.i64([IMAX]), g.i64([3])]))
    out("slice_from_min", g.op("Slice", [x, g.i64([IMIN, 2]), g.i64([-1, IMAX]), g.i64([2, 1])]))
    out("flip_w", g.op("Slice", [x, g.i64([-1]), g.i64([IMIN]), g.i64([-1]), g.i64([-1])]))
    out("flip_hw_step2", g.op("Slice", [x, g.i64([IMAX, IMAX]), g.i64([IMIN, IMIN]), g.i64([2, 3]),
                                        g.i64([-2, -3])]))
    out("slice_empty_rev", g.op("Slice", [x, g.i64([1]), g.i64([3]), g.i64([2]), g.i64([-1])]))
    out("squeeze_all", g.op("Squeeze", [g.op("Slice", [x, g.i64([0, 0]), g.i64([1, 1]), g.i64([0, 3])])]))
    out("unsqueeze_unsorted", g.op("Unsqueeze", [x, g.i64([5, 0])]))
    out("transpose_default", g.op("Transpose", [x]))
    a, b, c = g.op("Split", [x], nout=3, axis=1)
    out("split_eq_c", c)
    p, q, r_ = g.op("Split", [x, g.i64([3, 0, 4])], nout=3, axis=-1)
    out("split_zero", q)
    out("split_last", r_)
    out("concat_neg", g.op("Concat", [a, b, c], axis=-3))
    out("reshape_0_m1", g.op("Reshape", [x, g.i64([0, -1, 7])]))
    # BatchNormalization on [N, C] and [N, C, L] (BatchNorm1d).
    flat = g.op("Flatten", [x])  # [2, 105]
    out("bn_2d", g.bn(flat, 105))
    out("bn_3d", g.bn(g.op("Reshape", [x, g.i64([2, 3, -1])]), 3))
    out("instnorm_3d", g.op("InstanceNormalization", [g.op("Reshape", [x, g.i64([2, 3, -1])]),
                                                      g.init(g.uniform(0.5, 1.5, 3)), g.init(g.randn(3))]))
    # ceil_mode windows that would start inside the right padding.
    # (ONNX 1.12's shape inference keeps those windows; ORT 1.30 drops them as PyTorch does.)
    hw = [2, 3, "h", "w"]
    out("maxpool_ceil_pad", g.op("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 1, 1],
                                 ceil_mode=1), shape=hw)
    out("avgpool_ceil_pad_incl", g.op("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 1, 1],
                                      ceil_mode=1, count_include_pad=1), shape=hw)
    out("avgpool_ceil_pad_excl", g.op("AveragePool", [x], kernel_shape=[3, 2], strides=[3, 2], pads=[0, 1, 2, 1],
                                      ceil_mode=1), shape=hw)
    out("avgpool_ceil_nopad", g.op("AveragePool", [x], kernel_shape=[3, 3], strides=[2, 3], ceil_mode=1), shape=hw)
    out("range_neg", g.op("Range", [g.i64(5), g.i64(-6), g.i64(-3)]), I64)
    out("range_empty", g.op("Range", [g.f32(2.0), g.f32(1.0), g.f32(0.5)]))
    out("cos_scalar", g.op("ConstantOfShape", [g.i64([])], value=helper.make_tensor("v", F, [1], [3.5])))
    tv, ti = g.op("TopK", [x, g.i64([7])], nout=2, axis=-1)
    out("topk_full", tv)
    out("topk_full_idx", ti, I64)
    out("gather_2d_i32", g.op("Gather", [x, g.init(np.array([[0, 4], [-1, 2], [3, 3]], np.int32))], axis=2))
    out("where_scalar_cond", g.op("Where", [g.init(np.array(False)), x, g.f32(-1.0)]))
    out("expand_scalar", g.op("Expand", [g.f32(2.5), g.i64([2, 1, 3])]))
    out("size", g.op("Size", [x]), I64)
    out("shape_scalar", g.op("Shape", [g.f32(1.0)]), I64)
    out("mul_i32_bcast", g.op("Mul", [g.op("Cast", [g.op("Floor", [g.op("Mul", [x, g.f32(4.0)])])],
                                           to=TensorProto.INT32), g.init(np.array([[1], [-2], [3]], np.int32)
                                                                          .reshape(3, 1, 1))]), TensorProto.INT32)
    # Resize beyond 4-D images: 3-D trilinear, 5-D, 2-D bicubic, nearest on 3-D.
    x3 = g.op("Reshape", [x, g.i64([6, 5, 7])])
    out("rs_3d_linear", g.op("Resize", [x3, "", g.f32([1, 2, 1.5])], mode="linear"))
    # (Scales are picked so that input × scale is exact in float32 and float64, and integral under
    # align_corners: ORT sizes the output from the float32 product and aligns corners on the integer
    # output length, the ONNX reference on the float64 product; 5 × 1.4f is 7 for one and 6 for the other.)
    x5 = g.op("Unsqueeze", [x, g.i64([2])])
    out("rs_5d_linear", g.op("Resize", [x5, "", g.f32([1, 1, 2, 1.5, 0.75])], mode="linear"))
    out("rs_5d_linear_ac", g.op("Resize", [x5, "", g.f32([1, 1, 3, 1.6, 2])], mode="linear",
                                coordinate_transformation_mode="align_corners"))
    out("rs_2d_cubic", g.op("Resize", [g.op("Reshape", [x, g.i64([30, 7])]), "", "", g.i64([17, 12])], mode="cubic"))
    out("rs_3d_nearest", g.op("Resize", [x3, "", g.f32([1, 0.6, 2.3])], mode="nearest", nearest_mode="ceil"))
    # ConvTranspose padding forms.
    wt = g.init(g.randn(3, 2, 3, 4, scale=0.3))
    out("ct_same_lower", g.op("ConvTranspose", [x, wt], kernel_shape=[3, 4], strides=[2, 3], auto_pad="SAME_LOWER"))
    out("ct_same_upper_op", g.op("ConvTranspose", [x, wt], kernel_shape=[3, 4], strides=[2, 3], auto_pad="SAME_UPPER",
                                 output_padding=[1, 2]))
    out("ct_output_shape_odd", g.op("ConvTranspose", [x, wt], kernel_shape=[3, 4], strides=[2, 2],
                                    output_shape=[10, 16]))
    # Half-precision casts: bfloat16 rounding, float16 subnormals.
    out("cast_bf16", g.op("Cast", [g.op("Cast", [g.op("Mul", [x, g.f32(1000.0)])], to=TensorProto.BFLOAT16)], to=F))
    out("cast_f16_subnormal", g.op("Cast", [g.op("Cast", [g.op("Mul", [x, g.f32(3e-6)])], to=TensorProto.FLOAT16)],
                                   to=F))
    # Assorted shapes: empty Gather, per-channel Softmax,
    # ReduceMean over all axes, a kernel larger than the
    # input made valid by padding, integer and bool Pad, Tile with a zero repeat, Reshape/Flatten of empty.
    out("gather_empty", g.op("Gather", [x, g.init(np.zeros((0,), np.int64))], axis=1))
    out("softmax13_ax1", g.op("Softmax", [x], axis=1))
    out("reducemean_all", g.op("ReduceMean", [x], keepdims=0))
    out("conv_kernel_gt_input", g.conv(x, 3, 4, (7, 9), pad=[3, 4, 3, 4]))
    xi = g.op("Cast", [g.op("Mul", [x, g.f32(10.0)])], to=I64)
    out("pad_i64", g.op("Pad", [xi, g.i64([0, 0, 1, 2, 0, 0, 2, 1]), g.i64(-7)]), I64)
    out("pad_bool_reflect", g.op("Cast", [g.op("Pad", [g.op("Greater", [x, g.f32(0.0)]),
                                                       g.i64([0, 0, 2, 1, 0, 0, 1, 2])],
                                              mode="reflect")], to=I64), I64)
    out("tile_zero", g.op("Tile", [x, g.i64([1, 0, 2, 1])]))
    empty = g.op("Slice", [x, g.i64([3]), g.i64([3]), g.i64([1])])
    out("reshape_empty", g.op("Reshape", [empty, g.i64([-1, 7])]))
    out("flatten_empty", g.op("Flatten", [empty], axis=2))
    m = g.model([vi(x, F, [2, 3, 5, 7])], outs, 13)
    r = np.random.default_rng(21)
    return m, [("idioms", [r.standard_normal((2, 3, 5, 7)).astype(np.float32)])]


def gemm_shapes():
    """MatMul, Gemm and Conv at awkward sizes, where blocked kernels take their edge paths: M, K, N of
    1, primes and one past powers of two; transposed operands; depthwise with multiplier 2; 7×7 stride-2
    stem; 1×1 stride-2 conv; wide grouped conv."""
    g = G("gemm_shapes", 122)
    outs = []

    def out(name, v, elem=F, shape=None):
        g.op_to("Identity", [v], [name])
        outs.append(vi(name, elem, shape))

    a = "a"  # [129, 257]
    for (m, k, n) in [(1, 1, 1), (1, 7, 13), (5, 33, 17), (63, 65, 129), (128, 256, 64), (3, 1, 5), (17, 257, 3),
                      (129, 129, 33), (2, 100, 1000)]:
        lhs = g.op("Slice", [a, g.i64([0, 0]), g.i64([m, k])])
        out("mm_%d_%d_%d" % (m, k, n), g.op("MatMul", [lhs, g.init(g.randn(k, n, scale=1 / math.sqrt(k)))]))
    lhs = g.op("Slice", [a, g.i64([0, 0]), g.i64([40, 96])])
    out("gemm_tt", g.op("Gemm", [g.op("Transpose", [lhs]), g.init(g.randn(24, 96, scale=0.1)),
                                 g.init(g.randn(40, 24))], transA=1, transB=1, alpha=1.5, beta=0.5))
    out("mm_transposed_view", g.op("MatMul", [g.op("Transpose", [g.op("Slice", [a, g.i64([0, 0]), g.i64([31, 47])])]),
                                              g.op("Slice", [a, g.i64([0, 100]), g.i64([31, 119])])]))
    bat = g.op("Reshape", [g.op("Slice", [a, g.i64([0, 0]), g.i64([128, 256])]), g.i64([4, 2, 64, 64])])
    out("mm_batched_bcast", g.op("MatMul", [bat, g.init(g.randn(2, 64, 9, scale=0.125))]))
    out("mm_batched_self", g.op("MatMul", [bat, g.op("Transpose", [bat], perm=[0, 1, 3, 2])]))
    img = g.op("Reshape", [g.op("Slice", [a, g.i64([0, 0]), g.i64([96, 256])]), g.i64([1, 6, 64, 64])])
    out("conv_7x7_s2", g.conv(img, 6, 10, 7, stride=2, pad=3))
    out("conv_1x1_s2", g.conv(img, 6, 9, 1, stride=2))
    out("conv_dw_mult2", g.conv(img, 6, 12, 3, pad=1, group=6))
    out("conv_group3_wide", g.conv(img, 6, 33, 5, stride=3, pad=2, group=3))
    out("conv_1x1_big", g.conv(g.op("Reshape", [a, g.i64([1, 129, 257, 1])]), 129, 65, 1))
    m = g.model([vi(a, F, [129, 257])], outs, 13)
    r = np.random.default_rng(22)
    return m, [("gemm_shapes", [r.standard_normal((129, 257)).astype(np.float32)])]


def encodings():
    """How other producers write the same things: initializers in typed fields (float_data, int64_data,
    int32_data for float16/int8/bool/bfloat16, double_data, uint64_data), a sparse initializer, Constant
    nodes with value_float(s)/value_int(s)/sparse_value, an initializer that is also an overridable graph
    input, weights in an external data file, model-local functions (one with an attribute reference, one
    calling another), a graph output that is a graph input, unused node outputs and empty node names."""
    g = G("encodings", 123)
    outs = []
    H = TensorProto.FLOAT16

    def out(name, v, elem=F, shape=None):
        g.op_to("Identity", [v], [name])
        outs.append(vi(name, elem, shape))

    def typed(name, dtype, arr):
        """An initializer in the typed field of its dtype, not raw_data."""
        arr = np.asarray(arr)
        vals = arr.flatten().tolist()
        if dtype == H:
            vals = arr.astype(np.float16).flatten()
        elif dtype == TensorProto.BFLOAT16:
            vals = arr.astype(np.float32).flatten()
        t = helper.make_tensor(name, dtype, list(arr.shape), vals, raw=False)
        g.inits.append(t)
        return name

    x = "x"  # [3, 8]
    w = typed("w_float_data", F, g.randn(8, 8, scale=0.35))
    h = g.op("MatMul", [x, w])
    out("i64_data", g.op("Reshape", [h, typed("shape_int64_data", I64, np.array([4, 6]))]), shape=[4, 6])
    out("f16_int32_data", g.op("Add", [h, g.op("Cast", [typed("b_f16", H, g.randn(8)), ], to=F)]))
    out("bf16_int32_data", g.op("Mul", [h, g.op("Cast", [typed("s_bf16", TensorProto.BFLOAT16, g.uniform(0.5, 2, 8))],
                                                 to=F)]))
    out("i8_int32_data", g.op("Cast", [typed("q_i8", TensorProto.INT8, np.arange(-4, 4, dtype=np.int8))], to=F))
    out("bool_int32_data", g.op("Where", [typed("m_bool", TensorProto.BOOL, np.array([True, False] * 4)), h,
                                          g.f32(0.0)]))
    out("f64_double_data", g.op("Cast", [g.op("Mul", [g.op("Cast", [h], to=TensorProto.DOUBLE),
                                                    typed("d_f64", TensorProto.DOUBLE, np.linspace(-1, 1, 8))])],
                                 to=F))
    out("u64_uint64_data", g.op("Cast", [typed("u_u64", TensorProto.UINT64, np.array([1, 2**40, 7], np.uint64))], to=F))
    # Sparse initializer: a 8×8 matrix with 5 non-zeros (COO, linear indices).
    sp_vals = helper.make_tensor("sp_w", F, [5], [1.5, -2.0, 0.25, 3.0, -0.5])
    sp_idx = helper.make_tensor("sp_idx", I64, [5], [0, 9, 27, 40, 63])
    sparse_init = helper.make_sparse_tensor(sp_vals, sp_idx, [8, 8])
    out("sparse_init", g.op("MatMul", [x, "sp_w"]), shape=[3, 8])
    # Constants in every attribute form.
    out("c_value_float", g.op("Add", [h, g.op("Constant", [], value_float=0.75)]))
    out("c_value_floats", g.op("Mul", [h, g.op("Constant", [], value_floats=[float(v) for v in np.linspace(0, 1, 8)])]))
    out("c_value_int", g.op("Cast", [g.op("Add", [g.op("Constant", [], value_int=5), g.i64(2)])], to=F))
    out("c_value_ints", g.op("Reshape", [h, g.op("Constant", [], value_ints=[2, -1, 4])]), shape=[2, 3, 4])
    sc = helper.make_sparse_tensor(helper.make_tensor("v", F, [2], [4.0, -1.0]), helper.make_tensor("i", I64, [2, 2],
                                                                                                     [0, 1, 2, 7]), [3, 8])
    out("c_sparse_value", g.op("Add", [h, g.op("Constant", [], sparse_value=sc)]))
    # Overridable initializer: "temperature" is a graph input with a default.
    g.inits.append(numpy_helper.from_array(np.array(2.0, np.float32), "temperature"))
    out("default_input", g.op("Div", [h, "temperature"]))
    # Weights large enough to go to the external file.
    big = g.init(g.randn(8, 256, scale=0.3), "ext_w")
    out("external", g.op("MatMul", [x, big]))
    # Model-local functions in domain "zoo.local".
    out("fn_swish", g.op("SwishBeta", [h], domain="zoo.local", beta=1.7), shape=[3, 8])
    out("fn_nested", g.op("GatedBlock", [h, x], domain="zoo.local"), shape=[3, 8])
    # Node with an unused second output and no name.
    g.nodes.append(helper.make_node("Split", [h], ["split_used", "split_unused"], axis=1))
    out("unused_output_sibling", "split_used")
    m = g.model_raw([vi(x, F, [3, 8]), vi("temperature", F, [])], outs + [vi(x, F, [3, 8])], 15,
                    sparse=[sparse_init])
    # Local functions. SwishBeta's Constant reads the caller's beta through an attribute reference.
    beta = helper.make_attribute("value_float", 0.0)
    beta.ClearField("f")
    beta.ref_attr_name = "beta"
    beta_node = helper.make_node("Constant", [], ["bv"])
    beta_node.attribute.append(beta)
    swish = helper.make_function(
        "zoo.local", "SwishBeta", ["X"], ["Y"],
        [beta_node,
         helper.make_node("Mul", ["X", "bv"], ["xb"]),
         helper.make_node("Sigmoid", ["xb"], ["sg"]),
         helper.make_node("Mul", ["X", "sg"], ["Y"])],
        [helper.make_operatorsetid("", 15)], attributes=["beta"])
    gated = helper.make_function(
        "zoo.local", "GatedBlock", ["A", "B"], ["Y"],
        [helper.make_node("SwishBeta", ["A"], ["sa"], domain="zoo.local", beta=0.5),
         helper.make_node("Tanh", ["B"], ["tb"]),
         helper.make_node("Mul", ["sa", "tb"], ["Y"])],
        [helper.make_operatorsetid("", 15), helper.make_operatorsetid("zoo.local", 1)])
    m.functions.extend([swish, gated])
    m.opset_import.append(helper.make_operatorsetid("zoo.local", 1))
    m = finish(m, full=False)  # onnx 1.12's strict inference does not see sparse initializers
    return m, [("encodings", [np.random.default_rng(23).standard_normal((3, 8)).astype(np.float32)])]


def control2():
    """More subgraph shapes exporters produce: a while-Loop without a trip count carrying a sequence
    (SequenceInsert each step), branches and bodies that only forward outer-scope values (through Identity:
    ORT rejects a subgraph output that is an outer value itself), a Loop nested in a Loop reading the outer
    iteration number, an If nested in an If, and an LSTM whose Y output is omitted."""
    g = G("control2", 124)
    outs = []
    SEQ = helper.make_tensor_sequence_value_info

    def out(name, v, elem=F, shape=None):
        g.op_to("Identity", [v], [name])
        outs.append(vi(name, elem, shape))

    x = "x"  # [3, 5]
    # while (sum(v) < 20): v = v * 1.3 + 0.5; seq.append(v)
    body = helper.make_graph(
        [helper.make_node("Mul", ["v_in", "k13"], ["v1"]),
         helper.make_node("Add", ["v1", "k05"], ["v_out"]),
         helper.make_node("SequenceInsert", ["s_in", "v_out"], ["s_out"]),
         helper.make_node("ReduceSum", ["v_out"], ["tot"], keepdims=0),
         helper.make_node("Less", ["tot", "k20"], ["cond_out"])],
        "while_body",
        [vi("i", I64, []), vi("cond_in", TensorProto.BOOL, []), vi("v_in", F, [3, 5]), SEQ("s_in", F, None)],
        [vi("cond_out", TensorProto.BOOL, []), vi("v_out", F, [3, 5]), SEQ("s_out", F, None)],
        initializer=[numpy_helper.from_array(np.array(1.3, np.float32), "k13"),
                     numpy_helper.from_array(np.array(0.5, np.float32), "k05"),
                     numpy_helper.from_array(np.array(20.0, np.float32), "k20")])
    empty_seq = g.op("SequenceEmpty", [], dtype=F)
    vfin, sfin = g.op("Loop", ["", g.init(np.array(True)), x, empty_seq], nout=2, body=body)
    out("while_v", vfin, shape=[3, 5])
    out("while_stack", g.op("ConcatFromSequence", [sfin], axis=0, new_axis=1), shape=["n", 3, 5])
    out("while_count", g.op("SequenceLength", [sfin]), I64, shape=[])
    # If whose branches output outer-scope values directly.
    cond = g.op("Greater", [g.op("ReduceMax", [x], keepdims=0), g.f32(1.0)])
    xa = g.op("Abs", [x])
    xn = g.op("Neg", [x])
    passthrough = g.op("If", [cond],
                       then_branch=helper.make_graph([helper.make_node("Identity", [xa], ["tp"])], "then_pass", [],
                                                     [vi("tp", F, [3, 5])]),
                       else_branch=helper.make_graph([helper.make_node("Identity", [xn], ["ep"])], "else_pass", [],
                                                     [vi("ep", F, [3, 5])]))
    out("if_passthrough", passthrough, shape=[3, 5])
    # If nested in an If.
    inner = helper.make_graph(
        [helper.make_node("If", ["c2"], ["r_in"],
                          then_branch=helper.make_graph([helper.make_node("Sin", [x], ["s_t"])], "tt", [],
                                                        [vi("s_t", F, [3, 5])]),
                          else_branch=helper.make_graph([helper.make_node("Cos", [x], ["s_e"])], "te", [],
                                                        [vi("s_e", F, [3, 5])]))],
        "then_nested", [], [vi("r_in", F, [3, 5])])
    c2 = g.op("Less", [g.op("ReduceMin", [x], keepdims=0), g.f32(-1.0)])
    g.nodes.append(helper.make_node("Identity", [c2], ["c2"]))
    out("if_nested", g.op("If", [cond], then_branch=inner,
                          else_branch=helper.make_graph([helper.make_node("Identity", [x], ["xp"])], "else_plain",
                                                        [], [vi("xp", F, [3, 5])])), shape=[3, 5])
    # Loop nested in a Loop; the inner body reads the outer iteration number and an outer value.
    inner_body = helper.make_graph(
        [helper.make_node("Cast", ["oi"], ["oif"], to=F),
         helper.make_node("Cast", ["j"], ["jf"], to=F),
         helper.make_node("Mul", ["oif", "jf"], ["ij"]),
         helper.make_node("Add", ["a_in", "ij"], ["a1"]),
         helper.make_node("Add", ["a1", "xsum"], ["a_out"]),
         helper.make_node("Identity", ["ci"], ["co"])],
        "inner_body", [vi("j", I64, []), vi("ci", TensorProto.BOOL, []), vi("a_in", F, [])],
        [vi("co", TensorProto.BOOL, []), vi("a_out", F, [])])
    outer_body = helper.make_graph(
        [helper.make_node("Identity", ["i_o"], ["oi"]),
         helper.make_node("Add", ["i_o", "one64"], ["ntrip"]),
         helper.make_node("Loop", ["ntrip", "", "acc_in"], ["acc_out"], body=inner_body),
         helper.make_node("Identity", ["acc_out"], ["acc_scan"]),
         helper.make_node("Identity", ["c_o"], ["c_o2"])],
        "outer_body", [vi("i_o", I64, []), vi("c_o", TensorProto.BOOL, []), vi("acc_in", F, [])],
        [vi("c_o2", TensorProto.BOOL, []), vi("acc_out", F, []), vi("acc_scan", F, [])],
        initializer=[numpy_helper.from_array(np.array(1, np.int64), "one64")])
    xsum = g.op("ReduceSum", [x], keepdims=0)
    g.nodes.append(helper.make_node("Identity", [xsum], ["xsum"]))
    acc, accs = g.op("Loop", [g.i64(4), "", g.f32(0.0)], nout=2, body=outer_body)
    out("nested_loop", acc, shape=[])
    out("nested_loop_scan", accs, shape=[4])
    # Loop body whose scan output forwards an outer value.
    pass_body = helper.make_graph(
        [helper.make_node("Identity", ["pc"], ["pc_out"]),
         helper.make_node("Add", ["pv", xa], ["pv_out"]),
         helper.make_node("Identity", [xn], ["xn_scan"])],
        "pass_body", [vi("pi", I64, []), vi("pc", TensorProto.BOOL, []), vi("pv", F, [3, 5])],
        [vi("pc_out", TensorProto.BOOL, []), vi("pv_out", F, [3, 5]), vi("xn_scan", F, [3, 5])])
    pv, pscan = g.op("Loop", [g.i64(3), "", x], nout=2, body=pass_body)
    out("loop_outer_scan", pscan, shape=[3, 3, 5])
    out("loop_pass_v", pv, shape=[3, 5])
    # LSTM with Y omitted.
    s_ = 0.5
    outs_l = ["", g.fresh("yh")]
    g.nodes.append(helper.make_node("LSTM", [g.op("Unsqueeze", [x, g.i64([1])]),
                                             g.init(g.uniform(-s_, s_, 1, 16, 5)), g.init(g.uniform(-s_, s_, 1, 16, 4))],
                                    outs_l, hidden_size=4))
    out("lstm_no_y", outs_l[1], shape=[1, 1, 4])
    m = g.model(
        [vi(x, F, [3, 5])], outs, 16)
    r = np.random.default_rng(24)
    xv = (r.standard_normal((3, 5)) * 0.8).astype(np.float32)
    return m, [("control2_a", [xv]), ("control2_b", [(-np.abs(xv) - 0.3).astype(np.float32)])]


def ml_pipeline():
    """A scikit-learn-style pipeline in ai.onnx.ml (opset 3): Imputer for NaN, Scaler, ArrayFeatureExtractor,
    Binarizer, Normalizer (L1, L2, MAX), LinearRegressor with two targets, TreeEnsembleRegressor (SUM of
    three trees; AVERAGE of four on the raw input, so NaNs meet the splits) and TreeEnsembleClassifier
    (three classes, SOFTMAX) with labels and probabilities."""
    g = G("ml_pipeline", 125)
    outs = []
    ML = "ai.onnx.ml"

    def out(name, v, elem=F, shape=None):
        g.op_to("Identity", [v], [name])
        outs.append(vi(name, elem, shape))

    x = "x"  # [N, 6] with NaNs
    imp = g.op("Imputer", [x], domain=ML, imputed_value_floats=[float(v) for v in g.randn(6)],
               replaced_value_float=float("nan"))
    sc = g.op("Scaler", [imp], domain=ML, offset=[float(v) for v in g.randn(6)],
              scale=[float(v) for v in g.uniform(0.5, 2.0, 6)])
    out("scaled", sc, shape=["N", 6])
    sel = g.op("ArrayFeatureExtractor", [sc, g.i64([4, 0, 2])], domain=ML)
    out("selected", sel, shape=["N", 3])
    out("binarized", g.op("Binarizer", [sc], domain=ML, threshold=0.3), shape=["N", 6])
    for norm in ["L1", "L2", "MAX"]:
        out("norm_" + norm.lower(), g.op("Normalizer", [sc], domain=ML, norm=norm), shape=["N", 6])
    out("linreg", g.op("LinearRegressor", [sc], domain=ML, coefficients=[float(v) for v in g.randn(12)],
                       intercepts=[0.5, -1.0], targets=2), shape=["N", 2])
    # Three small regression trees on the scaled features.
    def tree_attrs(n_trees, leaf_fn):
        a = dict(nodes_treeids=[], nodes_nodeids=[], nodes_featureids=[], nodes_values=[], nodes_modes=[],
                 nodes_truenodeids=[], nodes_falsenodeids=[], nodes_missing_value_tracks_true=[],
                 nodes_hitrates=[])
        leaves = []
        for t in range(n_trees):
            # node 0: split; node 1: split; node 2: leaf; node 3, 4: leaves
            feats = [int(v) for v in g.rng.integers(0, 6, 2)]
            thr = [float(v) for v in g.randn(2, scale=0.5)]
            for nid, mode, f, v, tr, fa in [(0, "BRANCH_LEQ", feats[0], thr[0], 1, 2),
                                            (1, "BRANCH_LT", feats[1], thr[1], 3, 4),
                                            (2, "LEAF", 0, 0.0, 0, 0), (3, "LEAF", 0, 0.0, 0, 0),
                                            (4, "LEAF", 0, 0.0, 0, 0)]:
                a["nodes_treeids"].append(t)
                a["nodes_nodeids"].append(nid)
                a["nodes_featureids"].append(f)
                a["nodes_values"].append(v)
                a["nodes_modes"].append(mode)
                a["nodes_truenodeids"].append(tr)
                a["nodes_falsenodeids"].append(fa)
                a["nodes_missing_value_tracks_true"].append(1 if nid == 0 else 0)
                a["nodes_hitrates"].append(1.0)
            for leaf in (2, 3, 4):
                leaves.extend(leaf_fn(t, leaf))
        return a, leaves

    a, leaves = tree_attrs(3, lambda t, leaf: [(t, leaf, 0, float(g.randn(1)[0]))])
    out("tree_reg", g.op("TreeEnsembleRegressor", [sc], domain=ML, n_targets=1, aggregate_function="SUM",
                         base_values=[0.25], target_treeids=[l[0] for l in leaves],
                         target_nodeids=[l[1] for l in leaves], target_ids=[l[2] for l in leaves],
                         target_weights=[l[3] for l in leaves], **a), shape=["N", 1])
    # The same kind of ensemble on the raw input, so NaNs reach the splits (missing_value_tracks_true).
    a, leaves = tree_attrs(4, lambda t, leaf: [(t, leaf, 0, float(g.randn(1)[0]))])
    out("tree_reg_nan", g.op("TreeEnsembleRegressor", [x], domain=ML, n_targets=1, aggregate_function="AVERAGE",
                             post_transform="NONE", target_treeids=[l[0] for l in leaves],
                             target_nodeids=[l[1] for l in leaves], target_ids=[l[2] for l in leaves],
                             target_weights=[l[3] for l in leaves], **a), shape=["N", 1])
    a, leaves = tree_attrs(3, lambda t, leaf: [(t, leaf, c, float(g.randn(1)[0])) for c in range(3)])
    lab, prob = g.op("TreeEnsembleClassifier", [sc], nout=2, domain=ML, classlabels_int64s=[10, 20, 30],
                     post_transform="SOFTMAX", class_treeids=[l[0] for l in leaves],
                     class_nodeids=[l[1] for l in leaves], class_ids=[l[2] for l in leaves],
                     class_weights=[l[3] for l in leaves], **a)
    out("tree_label", lab, I64, shape=["N"])
    out("tree_prob", prob, shape=["N", 3])
    m = g.model_raw([vi(x, F, ["N", 6])], outs, 15)
    m.opset_import.append(helper.make_operatorsetid(ML, 3))
    m = finish(m, full=False)  # onnx 1.12 infers few ai.onnx.ml types
    r = np.random.default_rng(25)
    xv = r.standard_normal((16, 6)).astype(np.float32)
    xv[r.random((16, 6)) < 0.15] = np.nan
    return m, [("ml_pipeline", [xv])]


def legacy7():
    """Opset 7/8 exports (Caffe2/early PyTorch era): Upsample-7 with a scales attribute, BatchNormalization-7,
    Dropout-7, Gemm-7 with broadcast C, MaxPool-8 with Indices, Pad-2, Slice-1 without axes, Reshape-5,
    Concat-4, Sum/Max/Mean-8 with broadcasting, Expand-8, AveragePool-7 count_include_pad, PRelu-7."""
    g = G("legacy7", 126)
    outs = []

    def out(name, v, elem=F, shape=None):
        g.op_to("Identity", [v], [name])
        outs.append(vi(name, elem, shape))

    x = "x"  # [1, 4, 6, 8]
    c = g.op("PRelu", [g.bn(g.conv(x, 4, 8, 3, pad=1), 8), g.init(g.uniform(0.05, 0.3, 8, 1, 1))])
    c = g.op("Dropout", [c], ratio=0.3)
    out("bn_prelu", c)
    out("upsample7", g.op("Upsample", [c], scales=[1.0, 1.0, 2.0, 1.5], mode="nearest"))
    out("upsample7_linear", g.op("Upsample", [c], scales=[1.0, 1.0, 2.0, 2.0], mode="linear"))
    mp, mi = g.op("MaxPool", [c], nout=2, kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    out("maxpool8", mp)
    out("maxpool8_idx", mi, I64)
    out("avgpool7", g.op("AveragePool", [c], kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=1))
    out("pad2_edge", g.op("Pad", [x], pads=[0, 0, 1, 2, 0, 0, 2, 1], mode="edge"))
    out("slice1_noaxes", g.op("Slice", [x], starts=[0, 1, 2, -5], ends=[1, 3, 100, -1]))
    flat = g.op("Reshape", [c, g.i64([1, -1])])
    out("gemm7_bcast", g.op("Gemm", [flat, g.init(g.randn(384, 5, scale=0.05)), g.init(g.randn(5))], beta=0.5))
    out("concat4", g.op("Concat", [x, c], axis=1))
    out("sum8", g.op("Sum", [x, g.init(g.randn(1, 4, 1, 1)), g.init(g.randn(8))]))
    out("max8", g.op("Max", [x, g.init(g.randn(6, 1))]))
    out("mean8", g.op("Mean", [x, g.f32([0.5])]))
    out("expand8", g.op("Expand", [g.init(g.randn(4, 1, 1)), g.i64([1, 1, 3, 2])]))
    m = g.model([vi(x, F, [1, 4, 6, 8])], outs, 8)
    r = np.random.default_rng(26)
    return m, [("legacy7_b1", [r.standard_normal((1, 4, 6, 8)).astype(np.float32)])]


def vit():
    """ViT-tiny style: 8×8 patchify Conv (kernel = stride), Flatten/Transpose to tokens, class token
    Expanded to the batch and Concatenated, learned position embedding, 2 pre-norm blocks with fused QKV
    projection Split into q/k/v, Softmax attention, erf GELU MLP, final LayerNorm on the class token."""
    g = G("vit", 127)
    D, NH, HD, FF = 64, 4, 16, 128
    x = g.conv("image", 3, D, 8, stride=8)  # [B, D, 8, 8]
    t = g.op("Transpose", [g.op("Reshape", [x, g.i64([0, D, -1])])], perm=[0, 2, 1])  # [B, 64, D]
    bs = g.op("Slice", [g.op("Shape", ["image"]), g.i64([0]), g.i64([1])])
    cls = g.op("Expand", [g.init(g.randn(1, 1, D, scale=0.5), "cls"), g.op("Concat", [bs, g.i64([1, D])], axis=0)])
    t = g.op("Concat", [cls, t], axis=1)  # [B, 65, D]
    t = g.op("Add", [t, g.init(g.randn(1, 65, D, scale=0.3), "pos")])
    for _ in range(2):
        h = g.layernorm(t, D)
        qkv = g.linear(h, D, 3 * D)
        q, k, v = g.op("Split", [qkv, g.i64([D, D, D])], nout=3, axis=-1)

        def heads(u):
            return g.op("Transpose", [g.op("Reshape", [u, g.i64([0, 65, NH, HD])])], perm=[0, 2, 1, 3])

        a = g.op("Softmax", [g.op("Mul", [g.op("MatMul", [heads(q), g.op("Transpose", [heads(k)], perm=[0, 1, 3, 2])]),
                                          g.f32(HD ** -0.5)])], axis=-1)
        o = g.op("Reshape", [g.op("Transpose", [g.op("MatMul", [a, heads(v)])], perm=[0, 2, 1, 3]), g.i64([0, 65, D])])
        t = g.op("Add", [t, g.linear(o, D, D)])
        t = g.op("Add", [t, g.linear(g.gelu_erf(g.linear(g.layernorm(t, D), D, FF)), FF, D)])
    c = g.layernorm(g.op("Gather", [t, g.i64(0)], axis=1), D)
    g.op_to("Gemm", [c, g.init(g.randn(10, D, scale=0.2)), g.init(g.randn(10, scale=0.1))], ["logits"], transB=1)
    m = g.model([vi("image", F, ["batch", 3, 64, 64])], [vi("logits", F, ["batch", 10])], 17)
    r = np.random.default_rng(27)
    return m, [("vit_b2", [r.standard_normal((2, 3, 64, 64)).astype(np.float32)])]


def yolo_head():
    """YOLO-style detection head and decode: 1×1 conv to anchors × (5 + classes), Reshape/Transpose to
    [B, A, H, W, 5+C], Sigmoid, grid offsets from Range/Unsqueeze/Expand/Concat, Pow for box sizes, anchor
    Mul, Concat of two strides, score = objectness × class, ReduceMax/ArgMax, a score filter with
    Greater/NonZero/Gather (data-dependent count), then TopK."""
    g = G("yolo_head", 128)
    A, C = 3, 4
    dets = []
    for fm, stride, cin in [("p3", 8, 16), ("p4", 16, 32)]:
        y = g.conv(fm, cin, A * (5 + C), 1)  # [B, A*(5+C), H, W]
        shp = g.op("Shape", [y])
        hgt = g.op("Slice", [shp, g.i64([2]), g.i64([3])])
        wid = g.op("Slice", [shp, g.i64([3]), g.i64([4])])
        tgt = g.op("Concat", [g.op("Slice", [shp, g.i64([0]), g.i64([1])]), g.i64([A, 5 + C]), hgt, wid], axis=0)
        y = g.op("Transpose", [g.op("Reshape", [y, tgt])], perm=[0, 1, 3, 4, 2])  # [B, A, H, W, 9]
        y = g.op("Sigmoid", [y])
        xy, wh, rest = g.op("Split", [y, g.i64([2, 2, 5])], nout=3, axis=-1)
        gy = g.op("Range", [g.i64(0), g.op("Squeeze", [hgt, g.i64([0])]), g.i64(1)])
        gx = g.op("Range", [g.i64(0), g.op("Squeeze", [wid, g.i64([0])]), g.i64(1)])
        hw = g.op("Concat", [hgt, wid], axis=0)
        gxx = g.op("Expand", [g.op("Unsqueeze", [gx, g.i64([0])]), hw])
        gyy = g.op("Expand", [g.op("Unsqueeze", [gy, g.i64([1])]), hw])
        grid = g.op("Cast", [g.op("Concat", [g.op("Unsqueeze", [gxx, g.i64([-1])]),
                                             g.op("Unsqueeze", [gyy, g.i64([-1])])], axis=-1)], to=F)  # [H, W, 2]
        xy = g.op("Mul", [g.op("Add", [g.op("Sub", [g.op("Mul", [xy, g.f32(2.0)]), g.f32(0.5)]), grid]),
                          g.f32(float(stride))])
        anchors = g.init((g.uniform(1, 4, A, 1, 1, 2) * stride).astype(np.float32))
        wh = g.op("Mul", [g.op("Pow", [g.op("Mul", [wh, g.f32(2.0)]), g.f32(2.0)]), anchors])
        d = g.op("Concat", [xy, wh, rest], axis=-1)
        dets.append(g.op("Reshape", [d, g.i64([0, -1, 5 + C])]))
    det = g.op("Concat", dets, axis=1)  # [B, N, 9]
    g.op_to("Identity", [det], ["decoded"])
    obj = g.op("Slice", [det, g.i64([4]), g.i64([5]), g.i64([2])])
    cls = g.op("Slice", [det, g.i64([5]), g.i64([9]), g.i64([2])])
    sc = g.op("Mul", [cls, obj])
    best = g.op("ReduceMax", [sc], axes=[2], keepdims=0)  # [B, N]
    g.op_to("ArgMax", [sc], ["best_class"], axis=2, keepdims=0)
    b0 = g.op("Gather", [best, g.i64(0)], axis=0)  # first image
    keep = g.op("Squeeze", [g.op("NonZero", [g.op("Greater", [b0, g.f32(0.2)])]), g.i64([0])])
    g.op_to("Identity", [keep], ["kept_idx"])
    kept = g.op("Gather", [b0, keep])
    k = g.op("Min", [g.op("Shape", [kept]), g.i64([5])])
    tv, ti = g.op("TopK", [kept, k], nout=2)
    g.op_to("Identity", [tv], ["top_scores"])
    g.op_to("Gather", [keep, ti], ["top_idx"])
    m = g.model([vi("p3", F, ["batch", 16, 16, 16]), vi("p4", F, ["batch", 32, 8, 8])],
                [vi("decoded", F, ["batch", "n", 9]), vi("best_class", I64, ["batch", "n"]),
                 vi("kept_idx", I64, ["k"]), vi("top_scores", F, ["t"]), vi("top_idx", I64, ["t"])], 13)
    r = np.random.default_rng(28)
    return m, [("yolo_head_b2", [r.standard_normal((2, 16, 16, 16)).astype(np.float32),
                                 r.standard_normal((2, 32, 8, 8)).astype(np.float32)])]


MODELS = [
    mlp_gelu, mlp_ln, resnet, mobilenet, seghead, convpad, bert, audio, kws, detect, misc,
    legacy7, legacy9, legacy12, decoder, quant, vision_misc, rnn_variants, numerics, control, control2,
    fp16_mlp, idioms, gemm_shapes, encodings, ml_pipeline, vit, yolo_head,
]


def first_sentence(doc):
    text = " ".join(doc.split())
    end = text.find(". ")
    return text if end < 0 else text[:end + 1]


def main():
    manifest = {"tolerance": {"rtol": 1e-4, "atol": 1e-5}, "cases": []}
    for build in MODELS:
        built = build()
        m, cases = built[0], built[1]
        tol = built[2] if len(built) > 2 else None
        name = m.graph.name
        path = name + ".onnx"
        if any(t.name.startswith("ext_") for t in m.graph.initializer):
            # Tensors of 4 KiB and more go to <model>.weights (relative location). onnx appends to an
            # existing file, so start from none.
            if os.path.exists(os.path.join(HERE, name + ".weights")):
                os.remove(os.path.join(HERE, name + ".weights"))
            onnx.save_model(m, os.path.join(HERE, path), save_as_external_data=True, all_tensors_to_one_file=True,
                            location=name + ".weights", size_threshold=4096)
        else:
            onnx.save(m, os.path.join(HERE, path))
        size = os.path.getsize(os.path.join(HERE, path))
        assert size < 2 << 20, (path, size)
        nout = len(m.graph.output)
        for case, inputs in cases:
            ins = []
            for i, arr in enumerate(inputs):
                fn = "%s.in%d.npy" % (case, i)
                np.save(os.path.join(HERE, fn), arr)
                ins.append(fn)
            manifest["cases"].append({
                "name": case, "model": path, "inputs": ins,
                "outputs": ["%s.out%d.npy" % (case, i) for i in range(nout)],
                "output_names": [o.name for o in m.graph.output],
                "doc": first_sentence(build.__doc__),
            })
            if tol:
                manifest["cases"][-1]["tolerance"] = tol
        print("%-10s %7d bytes  %3d nodes  cases: %s" % (name, size, len(m.graph.node), ", ".join(c for c, _ in cases)))
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    # Remove models and arrays no case refers to any more.
    keep = set()
    for c in manifest["cases"]:
        keep.update([c["model"], c["model"][:-len(".onnx")] + ".weights"] + c["inputs"] + c["outputs"])
    for fn in os.listdir(HERE):
        if fn.endswith((".onnx", ".npy", ".weights")) and fn not in keep:
            os.remove(os.path.join(HERE, fn))
            print("removed stale", fn)


if __name__ == "__main__":
    main()
