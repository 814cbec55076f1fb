#!/usr/bin/env python3
"""Builds the opset 18-21 test models and their inputs.

Each case becomes a directory <name>/ holding model.onnx and input_<i>.npy;
manifest.json lists the cases with their inputs inlined so run_ort.js can
feed ONNX Runtime, which writes the reference outputs (see README.md).

onnx 1.12 cannot check models of opsets above 17, so the checker is not run.
"""
import json
import os
import shutil
import sys
import zlib
import struct

import numpy as np
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20240518)

NP2ONNX = {
    np.dtype("float32"): TensorProto.FLOAT, np.dtype("float64"): TensorProto.DOUBLE,
    np.dtype("float16"): TensorProto.FLOAT16, np.dtype("int64"): TensorProto.INT64,
    np.dtype("int32"): TensorProto.INT32, np.dtype("int16"): TensorProto.INT16,
    np.dtype("int8"): TensorProto.INT8, np.dtype("uint8"): TensorProto.UINT8,
    np.dtype("uint16"): TensorProto.UINT16, np.dtype("bool"): TensorProto.BOOL,
}
F, I64, B, S = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL, TensorProto.STRING

cases = []


def ir_version(opset):
    return 8 if opset <= 18 else 9 if opset <= 20 else 10


def elem(a):
    if a.dtype.kind in "US":
        return S
    return NP2ONNX[a.dtype]


def case(name, opset, nodes, inputs, outputs, inits=(), atol=None):
    """inputs: list of (name, array); outputs: list of (name, elem_type).
    atol, if set, widens the absolute tolerance of float outputs (written to
    atol.txt) where ONNX Runtime's float32 arithmetic is less exact than
    Sinter's float64, as in DFT."""
    vin = [helper.make_tensor_value_info(n, elem(a), list(a.shape)) for n, a in inputs]
    vout = [helper.make_tensor_value_info(n, t, None) for n, t in outputs]
    inits = [numpy_helper.from_array(a, n) for n, a in inits]
    g = helper.make_graph(nodes, name, vin, vout, initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                          ir_version=ir_version(opset), producer_name="sinter-opset18plus")
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "model.onnx"), "wb") as f:
        f.write(m.SerializeToString())
    if atol is not None:
        with open(os.path.join(d, "atol.txt"), "w") as f:
            f.write(f"{atol}\n")
    ins = []
    for i, (n, a) in enumerate(inputs):
        np.save(os.path.join(d, f"input_{i}.npy"), a)
        if a.dtype.kind in "US":
            data, t = [str(s) for s in a.ravel()], "string"
        else:
            t = {"float32": "float32", "float64": "float64", "float16": "float16", "int64": "int64",
                 "int32": "int32", "int16": "int16", "int8": "int8", "uint8": "uint8",
                 "uint16": "uint16", "bool": "bool"}[str(a.dtype)]
            data = a.ravel().view(np.uint16).tolist() if t == "float16" else \
                [str(v) for v in a.ravel().tolist()] if t == "int64" else \
                [v if not isinstance(v, float) or np.isfinite(v) else
                 ("NaN" if np.isnan(v) else "Infinity" if v > 0 else "-Infinity") for v in a.ravel().tolist()]
        ins.append({"name": n, "type": t, "dims": list(a.shape), "data": data})
    cases.append({"name": name, "opset": opset, "inputs": ins, "outputs": [n for n, _ in outputs]})


def f32(*shape, lo=-3.0, hi=3.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


def i64(*v):
    return np.array(v, dtype=np.int64)


N = helper.make_node

# ---------------------------------------------------------------- opset 18
x = f32(2, 3, 4)
for op in ["ReduceMax", "ReduceMin", "ReduceMean", "ReduceProd", "ReduceL1", "ReduceL2",
           "ReduceLogSumExp", "ReduceSumSquare"]:
    case(f"{op.lower()}18_axes", 18, [N(op, ["x", "axes"], ["y"], keepdims=0)],
         [("x", x), ("axes", i64(-1, 0))], [("y", F)])
case("reducelogsum18_keepdims", 18, [N("ReduceLogSum", ["x", "axes"], ["y"])],
     [("x", f32(2, 3, 4, lo=0.1)), ("axes", i64(1))], [("y", F)])
case("reducemean18_all", 18, [N("ReduceMean", ["x"], ["y"])], [("x", x)], [("y", F)])
case("reducemax18_noop", 18, [N("ReduceMax", ["x", "axes"], ["y"], noop_with_empty_axes=1)],
     [("x", x), ("axes", np.zeros(0, np.int64))], [("y", F)])
case("reducemin18_int", 18, [N("ReduceMin", ["x", "axes"], ["y"])],
     [("x", rng.integers(-50, 50, (3, 5)).astype(np.int32)), ("axes", i64(1))], [("y", TensorProto.INT32)])

case("split18_num_outputs", 18, [N("Split", ["x"], ["a", "b", "c"], axis=1, num_outputs=3)],
     [("x", f32(2, 7))], [("a", F), ("b", F), ("c", F)])
case("split18_sizes", 18, [N("Split", ["x", "s"], ["a", "b"], axis=0)],
     [("x", f32(5, 2)), ("s", i64(2, 3))], [("a", F), ("b", F)])

case("pad18_axes", 18, [N("Pad", ["x", "pads", "v", "axes"], ["y"], mode="constant")],
     [("x", f32(2, 3, 4)), ("pads", i64(1, 0, 2, 3)), ("v", np.array(1.5, np.float32)), ("axes", i64(-1, 1))],
     [("y", F)])
case("pad18_reflect_axes", 18, [N("Pad", ["x", "pads", "", "axes"], ["y"], mode="reflect")],
     [("x", f32(3, 4)), ("pads", i64(2, 1)), ("axes", i64(1))], [("y", F)])
case("pad18_edge_negative", 18, [N("Pad", ["x", "pads"], ["y"], mode="edge")],
     [("x", f32(3, 4)), ("pads", i64(-1, 2, 1, -1))], [("y", F)])

data = f32(3, 4)
case("scatterelements18_max", 18, [N("ScatterElements", ["d", "i", "u"], ["y"], axis=1, reduction="max")],
     [("d", data), ("i", i64(1, 1, 3, 0, 0, 0).reshape(3, 2)), ("u", f32(3, 2))], [("y", F)])
case("scatterelements18_min", 18, [N("ScatterElements", ["d", "i", "u"], ["y"], axis=0, reduction="min")],
     [("d", data), ("i", i64(2, 0, 2, 1).reshape(1, 4)), ("u", f32(1, 4))], [("y", F)])
case("scatternd18_max", 18, [N("ScatterND", ["d", "i", "u"], ["y"], reduction="max")],
     [("d", f32(4, 3)), ("i", i64(1, 3, 1).reshape(3, 1)), ("u", f32(3, 3))], [("y", F)])
case("scatternd18_min", 18, [N("ScatterND", ["d", "i", "u"], ["y"], reduction="min")],
     [("d", f32(4, 3)), ("i", i64(0, 2, 0, 2).reshape(2, 2)), ("u", f32(2))], [("y", F)])

img = f32(1, 2, 7, 9)
empty = np.zeros(0, np.float32)
for mode in ["linear", "cubic"]:
    case(f"resize18_{mode}_antialias", 18,
         [N("Resize", ["x", "", "scales"], ["y"], mode=mode, antialias=1)],
         [("x", img), ("scales", np.array([1, 1, 0.6, 0.45], np.float32))], [("y", F)])
    case(f"resize18_{mode}_antialias_sizes", 18,
         [N("Resize", ["x", "", "", "sizes"], ["y"], mode=mode, antialias=1, axes=[2, 3])],
         [("x", img), ("sizes", i64(3, 4))], [("y", F)])
case("resize18_cubic_antialias_exclude", 18,
     [N("Resize", ["x", "", "scales"], ["y"], mode="cubic", antialias=1, exclude_outside=1)],
     [("x", img), ("scales", np.array([1, 1, 0.5, 0.7], np.float32))], [("y", F)])
case("resize18_linear_antialias_up", 18,
     [N("Resize", ["x", "", "scales"], ["y"], mode="linear", antialias=1)],
     [("x", img), ("scales", np.array([1, 1, 1.5, 0.5], np.float32))], [("y", F)])
case("resize18_axes_scales", 18,
     [N("Resize", ["x", "", "scales"], ["y"], mode="linear", axes=[3, 2])],
     [("x", img), ("scales", np.array([1.5, 0.8], np.float32))], [("y", F)])
case("resize18_not_larger", 18,
     [N("Resize", ["x", "", "", "sizes"], ["y"], mode="linear", axes=[2, 3], keep_aspect_ratio_policy="not_larger")],
     [("x", img), ("sizes", i64(5, 5))], [("y", F)])
case("resize18_not_smaller", 18,
     [N("Resize", ["x", "", "", "sizes"], ["y"], mode="nearest", keep_aspect_ratio_policy="not_smaller")],
     [("x", img), ("sizes", i64(1, 2, 10, 10))], [("y", F)])
case("resize18_tf_crop_axes", 18,
     [N("Resize", ["x", "roi", "", "sizes"], ["y"], mode="linear", axes=[2, 3],
        coordinate_transformation_mode="tf_crop_and_resize", extrapolation_value=-1.0)],
     [("x", img), ("roi", np.array([0.1, -0.1, 0.8, 0.7], np.float32)), ("sizes", i64(4, 5))], [("y", F)])

case("lppool18_ceil", 18, [N("LpPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2], p=2, ceil_mode=1)],
     [("x", f32(1, 2, 5, 5))], [("y", F)])
case("lppool18_dilations", 18, [N("LpPool", ["x"], ["y"], kernel_shape=[2, 2], dilations=[2, 1], p=1)],
     [("x", f32(1, 1, 5, 5))], [("y", F)])

case("col2im18", 18, [N("Col2Im", ["x", "img", "blk"], ["y"])],
     [("x", f32(1, 2 * 4, 12)), ("img", i64(4, 5)), ("blk", i64(2, 2))], [("y", F)])
case("col2im18_strided", 18, [N("Col2Im", ["x", "img", "blk"], ["y"], strides=[2, 1], pads=[1, 0, 0, 1], dilations=[1, 2])],
     [("x", f32(2, 3 * 4, 3 * 3)), ("img", i64(5, 4)), ("blk", i64(2, 2))], [("y", F)])

case("centercroppad18", 18, [N("CenterCropPad", ["x", "s"], ["y"])],
     [("x", f32(5, 4, 3)), ("s", i64(2, 7, 3))], [("y", F)])
case("centercroppad18_axes", 18, [N("CenterCropPad", ["x", "s"], ["y"], axes=[-1, 0])],
     [("x", f32(5, 4, 3)), ("s", i64(6, 2))], [("y", F)])

a32 = rng.integers(-1000, 1000, (3, 4)).astype(np.int32)
b32 = rng.integers(-1000, 1000, (4,)).astype(np.int32)
for op in ["BitwiseAnd", "BitwiseOr", "BitwiseXor"]:
    case(f"{op.lower()}18", 18, [N(op, ["a", "b"], ["y"])], [("a", a32), ("b", b32)], [("y", TensorProto.INT32)])
case("bitwisenot18_uint8", 18, [N("BitwiseNot", ["a"], ["y"])],
     [("a", rng.integers(0, 256, (5,)).astype(np.uint8))], [("y", TensorProto.UINT8)])
case("bitwiseand18_uint16", 18, [N("BitwiseAnd", ["a", "b"], ["y"])],
     [("a", rng.integers(0, 65536, (2, 3)).astype(np.uint16)), ("b", rng.integers(0, 65536, (2, 1)).astype(np.uint16))],
     [("y", TensorProto.UINT16)])

case("groupnorm18", 18, [N("GroupNormalization", ["x", "s", "b"], ["y"], num_groups=2, epsilon=1e-3)],
     [("x", f32(2, 4, 3, 2)), ("s", f32(2)), ("b", f32(2))], [("y", F)])
case("mish18", 18, [N("Mish", ["x"], ["y"])], [("x", f32(10))], [("y", F)])
case("optionalhaselement18_tensor", 18,
     [N("OptionalHasElement", ["x"], ["h"]), N("OptionalGetElement", ["x"], ["y"])],
     [("x", f32(3))], [("h", B), ("y", F)])

# ---------------------------------------------------------------- opset 19
case("pad19_wrap", 19, [N("Pad", ["x", "pads"], ["y"], mode="wrap")],
     [("x", f32(3, 4)), ("pads", i64(1, 3, 2, 1))], [("y", F)])
for mode in ["linear", "nearest", "cubic"]:
    case(f"resize19_half_pixel_symmetric_{mode}", 19,
         [N("Resize", ["x", "", "scales"], ["y"], mode=mode, coordinate_transformation_mode="half_pixel_symmetric")],
         [("x", img), ("scales", np.array([1, 1, 0.55, 1.7], np.float32))], [("y", F)])
case("averagepool19_dilations", 19,
     [N("AveragePool", ["x"], ["y"], kernel_shape=[2, 2], dilations=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1)],
     [("x", f32(1, 2, 6, 6))], [("y", F)])
case("averagepool19_dilations_ceil", 19,
     [N("AveragePool", ["x"], ["y"], kernel_shape=[3], dilations=[2], strides=[2], ceil_mode=1)],
     [("x", f32(1, 1, 10))], [("y", F)])
case("cast19", 19, [N("Cast", ["x"], ["y"], to=TensorProto.INT32, saturate=1), N("Cast", ["s"], ["t"], to=F)],
     [("x", f32(6)), ("s", np.array(["1.5", "-2", "1e3"]))], [("y", TensorProto.INT32), ("t", F)])
case("castlike19", 19, [N("CastLike", ["x", "like"], ["y"])],
     [("x", f32(4)), ("like", np.zeros(1, np.float16))], [("y", TensorProto.FLOAT16)])
case("equal19_string", 19, [N("Equal", ["a", "b"], ["y"])],
     [("a", np.array([["ab", "c"], ["", "x"]])), ("b", np.array(["ab", "x"]))], [("y", B)])
case("deformconv19", 19, [N("DeformConv", ["x", "w", "off", "b", "m"], ["y"], kernel_shape=[2, 2], pads=[1, 0, 0, 1])],
     [("x", f32(1, 2, 4, 4)), ("w", f32(3, 2, 2, 2)), ("off", f32(1, 8, 4, 4, lo=-1.5, hi=1.5)),
      ("b", f32(3)), ("m", f32(1, 4, 4, 4, lo=0, hi=1))], [("y", F)])
case("deformconv19_groups", 19,
     [N("DeformConv", ["x", "w", "off"], ["y"], kernel_shape=[3, 3], group=2, offset_group=2, strides=[2, 1], dilations=[1, 2])],
     [("x", f32(1, 4, 6, 7)), ("w", f32(2, 2, 3, 3)), ("off", f32(1, 2 * 2 * 9, 2, 3, lo=-2, hi=2))], [("y", F)])
case("quantize19", 19, [N("QuantizeLinear", ["x", "s", "z"], ["y"], axis=1)],
     [("x", f32(2, 3, 2, lo=-100, hi=100)), ("s", np.array([0.5, 1.0, 2.0], np.float32)),
      ("z", np.array([-3, 0, 5], np.int8))], [("y", TensorProto.INT8)])
case("dequantize19_f16", 19, [N("DequantizeLinear", ["x", "s", "z"], ["y"])],
     [("x", rng.integers(0, 256, (3, 4)).astype(np.uint8)), ("s", np.array(0.25, np.float16)),
      ("z", np.array(128, np.uint8))], [("y", TensorProto.FLOAT16)])
case("shape_size_reshape19", 19,
     [N("Shape", ["x"], ["sh"], start=1), N("Size", ["x"], ["n"]), N("Reshape", ["x", "r"], ["y"]),
      N("Identity", ["y"], ["z"])],
     [("x", f32(2, 3, 4)), ("r", i64(4, -1))], [("sh", I64), ("n", I64), ("z", F)])

# ---------------------------------------------------------------- opset 20
case("gelu20", 20, [N("Gelu", ["x"], ["y"])], [("x", f32(12, lo=-5, hi=5))], [("y", F)])
case("gelu20_tanh", 20, [N("Gelu", ["x"], ["y"], approximate="tanh")], [("x", f32(12, lo=-5, hi=5))], [("y", F)])
grid = f32(1, 3, 4, 2, lo=-1.2, hi=1.2)
for mode in ["linear", "nearest", "cubic"]:
    for pad in ["zeros", "border", "reflection"]:
        case(f"gridsample20_{mode}_{pad}", 20,
             [N("GridSample", ["x", "g"], ["y"], mode=mode, padding_mode=pad)],
             [("x", f32(1, 2, 4, 5)), ("g", grid)], [("y", F)])
for mode in ["linear", "nearest"]:
    for ac in [0, 1]:
        case(f"gridsample20_3d_{mode}_ac{ac}", 20,
             [N("GridSample", ["x", "g"], ["y"], mode=mode, align_corners=ac, padding_mode="border" if ac else "zeros")],
             [("x", f32(1, 2, 3, 4, 5)), ("g", f32(1, 2, 3, 2, 3, lo=-1.1, hi=1.1))], [("y", F)])
for ac in [0, 1]:
    case(f"affinegrid20_2d_ac{ac}", 20, [N("AffineGrid", ["t", "s"], ["y"], align_corners=ac)],
         [("t", f32(2, 2, 3)), ("s", i64(2, 3, 4, 5))], [("y", F)])
    case(f"affinegrid20_3d_ac{ac}", 20, [N("AffineGrid", ["t", "s"], ["y"], align_corners=ac)],
         [("t", f32(1, 3, 4)), ("s", i64(1, 1, 2, 3, 4))], [("y", F)])
sig = f32(2, 6, 5, 1)
case("dft20_axis", 20, [N("DFT", ["x", "", "ax"], ["y"])], [("x", sig), ("ax", np.array(1, np.int64))], [("y", F)],
     atol=1e-5)
case("dft20_default_axis_onesided", 20, [N("DFT", ["x"], ["y"], onesided=1)], [("x", sig)], [("y", F)], atol=1e-5)
case("dft20_inverse_length", 20, [N("DFT", ["x", "n", "ax"], ["y"], inverse=1)],
     [("x", f32(2, 6, 5, 2)), ("n", np.array(8, np.int64)), ("ax", np.array(-3, np.int64))], [("y", F)], atol=1e-5)
special = np.array([1.0, np.inf, -np.inf, np.nan, 0.0, -2.5], np.float32)
case("isinf_isnan20", 20, [N("IsInf", ["x"], ["a"], detect_negative=0), N("IsNaN", ["x"], ["b"])],
     [("x", special)], [("a", B), ("b", B)])
bools = rng.integers(0, 2, (3, 4)).astype(bool)
case("reducemax20_bool", 20, [N("ReduceMax", ["x", "axes"], ["y"])], [("x", bools), ("axes", i64(1))], [("y", B)])
case("reducemin20_bool", 20, [N("ReduceMin", ["x"], ["y"], keepdims=0)], [("x", bools)], [("y", B)])
case("constantofshape20", 20,
     [N("ConstantOfShape", ["s"], ["y"], value=helper.make_tensor("v", TensorProto.INT32, [1], [7]))],
     [("s", i64(2, 3))], [("y", TensorProto.INT32)])
case("stringconcat20", 20, [N("StringConcat", ["a", "b"], ["y"])],
     [("a", np.array([["a", "bc"], ["", "d"]])), ("b", np.array(["_x", "yz"]))], [("y", S)])
case("regexfullmatch20", 20, [N("RegexFullMatch", ["x"], ["y"], pattern=r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}")],
     [("x", np.array(["bob@example.com", "not an email", "a@b.c", "x.y@z.org"]))], [("y", B)])
case("regexfullmatch20_alt", 20, [N("RegexFullMatch", ["x"], ["y"], pattern=r"(ab|a)b*c?")],
     [("x", np.array(["ab", "abbbc", "ac", "abca", ""]))], [("y", B)])
words = np.array(["a,b,,c", "hello", "", ",x,"])
case("stringsplit20_delim", 20, [N("StringSplit", ["x"], ["y", "n"], delimiter=",")],
     [("x", words)], [("y", S), ("n", I64)])
case("stringsplit20_maxsplit", 20, [N("StringSplit", ["x"], ["y", "n"], delimiter=",", maxsplit=1)],
     [("x", words)], [("y", S), ("n", I64)])
case("stringsplit20_space", 20, [N("StringSplit", ["x"], ["y", "n"])],
     [("x", np.array([["  the quick  brown", "fox"], ["", " jumps over "]]))], [("y", S), ("n", I64)])
case("stringsplit20_space_maxsplit", 20, [N("StringSplit", ["x"], ["y", "n"], maxsplit=1)],
     [("x", np.array(["  a b  c ", "d"]))], [("y", S), ("n", I64)])


def png_bytes(pix):
    """A minimal RGB PNG of the uint8 array pix (H, W, 3)."""
    h, w, _ = pix.shape
    raw = b"".join(b"\x00" + pix[y].tobytes() for y in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


png = np.frombuffer(png_bytes(rng.integers(0, 256, (3, 4, 3)).astype(np.uint8)), np.uint8).copy()
for fmt in ["RGB", "BGR", "Grayscale"]:
    case(f"imagedecoder20_png_{fmt.lower()}", 20, [N("ImageDecoder", ["x"], ["y"], pixel_format=fmt)],
         [("x", png)], [("y", TensorProto.UINT8)])

# ---------------------------------------------------------------- opset 21
w = f32(4, 6, lo=-10, hi=10)
case("quantize21_block", 21, [N("QuantizeLinear", ["x", "s", "z"], ["y"], axis=1, block_size=4)],
     [("x", w), ("s", f32(4, 2, lo=0.05, hi=0.2)), ("z", rng.integers(-5, 5, (4, 2)).astype(np.int8))],
     [("y", TensorProto.INT8)])
case("quantize21_output_dtype", 21, [N("QuantizeLinear", ["x", "s"], ["y"], output_dtype=TensorProto.INT16)],
     [("x", w), ("s", np.array(0.001, np.float32))], [("y", TensorProto.INT16)])
case("quantize21_uint16", 21, [N("QuantizeLinear", ["x", "s", "z"], ["y"], axis=0)],
     [("x", w), ("s", f32(4, lo=0.001, hi=0.01)), ("z", np.array([0, 100, 30000, 65000], np.uint16))],
     [("y", TensorProto.UINT16)])
case("dequantize21_block", 21, [N("DequantizeLinear", ["x", "s", "z"], ["y"], axis=0, block_size=3)],
     [("x", rng.integers(-128, 128, (7, 3)).astype(np.int8)), ("s", f32(3, 3, lo=0.01, hi=1)),
      ("z", rng.integers(-5, 5, (3, 3)).astype(np.int8))], [("y", F)])
case("dequantize21_int16", 21, [N("DequantizeLinear", ["x", "s", "z"], ["y"])],
     [("x", rng.integers(-30000, 30000, (5,)).astype(np.int16)), ("s", np.array(0.01, np.float32)),
      ("z", np.array(-7, np.int16))], [("y", F)])
case("groupnorm21", 21, [N("GroupNormalization", ["x", "s", "b"], ["y"], num_groups=2)],
     [("x", f32(2, 4, 3, 2)), ("s", f32(4)), ("b", f32(4))], [("y", F)])
case("groupnorm21_one_group", 21, [N("GroupNormalization", ["x", "s", "b"], ["y"], num_groups=1, epsilon=0.01)],
     [("x", f32(1, 3, 5)), ("s", f32(3)), ("b", f32(3))], [("y", F)])
case("shape_ops21", 21,
     [N("Flatten", ["x"], ["f"], axis=2), N("Transpose", ["f"], ["t"], perm=[1, 0]),
      N("Unsqueeze", ["t", "ax"], ["u"]), N("Squeeze", ["u", "ax"], ["q"]),
      N("Pad", ["q", "p"], ["y"], mode="edge"), N("Cast", ["y"], ["c"], to=TensorProto.INT64),
      N("Reshape", ["c", "r"], ["z"]), N("Shape", ["z"], ["sh"]), N("Size", ["z"], ["n"])],
     [("x", f32(2, 3, 4)), ("ax", i64(0)), ("p", i64(1, 0, 0, 2)), ("r", i64(-1))],
     [("t", F), ("y", F), ("c", I64), ("z", I64), ("sh", I64), ("n", I64)])
case("constantofshape21", 21, [N("ConstantOfShape", ["s"], ["y"])], [("s", i64(3, 1))], [("y", F)])
case("qlinearmatmul21", 21, [N("QLinearMatMul", ["a", "as", "az", "b", "bs", "bz", "ys", "yz"], ["y"])],
     [("a", rng.integers(0, 256, (2, 3)).astype(np.uint8)), ("as", np.array(0.02, np.float32)),
      ("az", np.array(120, np.uint8)), ("b", rng.integers(0, 256, (3, 4)).astype(np.uint8)),
      ("bs", np.array(0.03, np.float32)), ("bz", np.array(130, np.uint8)),
      ("ys", np.array(0.05, np.float32)), ("yz", np.array(128, np.uint8))], [("y", TensorProto.UINT8)])
# If, Loop and Scan at opset 21.
then_g = helper.make_graph([N("Add", ["x", "x"], ["o"])], "then", [], [helper.make_tensor_value_info("o", F, None)])
else_g = helper.make_graph([N("Neg", ["x"], ["o2"])], "else", [], [helper.make_tensor_value_info("o2", F, None)])
case("if21", 21, [N("If", ["c"], ["y"], then_branch=then_g, else_branch=else_g)],
     [("c", np.array(False)), ("x", f32(3))], [("y", F)])
body = helper.make_graph(
    [N("Add", ["acc", "x"], ["acc2"]), N("Identity", ["cond"], ["cond2"])], "body",
    [helper.make_tensor_value_info("i", I64, []), helper.make_tensor_value_info("cond", B, []),
     helper.make_tensor_value_info("acc", F, None)],
    [helper.make_tensor_value_info("cond2", B, []), helper.make_tensor_value_info("acc2", F, None)])
case("loop21", 21, [N("Loop", ["n", "", "a"], ["y"], body=body)],
     [("n", np.array(3, np.int64)), ("a", f32(2)), ("x", f32(2))], [("y", F)])
sbody = helper.make_graph(
    [N("Add", ["s", "e"], ["s2"]), N("Identity", ["s2"], ["o"])], "sbody",
    [helper.make_tensor_value_info("s", F, [2]), helper.make_tensor_value_info("e", F, [2])],
    [helper.make_tensor_value_info("s2", F, [2]), helper.make_tensor_value_info("o", F, [2])])
case("scan21", 21, [N("Scan", ["s0", "xs"], ["sN", "ys"], body=sbody, num_scan_inputs=1)],
     [("s0", f32(2)), ("xs", f32(4, 2))], [("sN", F), ("ys", F)])

with open(os.path.join(HERE, "manifest.json"), "w") as f:
    json.dump(cases, f, indent=1)
print(f"{len(cases)} cases", file=sys.stderr)
