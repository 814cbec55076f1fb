#!/usr/bin/python3
"""Writes the ONNX models bench/ort/run.js times (MatMul and Conv shapes of
bench/RESULTS.md) into bench/ort/models/. Run with /usr/bin/python3 (needs
python3-onnx and python3-numpy); the models are small and deterministic but
not committed (random weights are regenerated with a fixed seed)."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
rng = np.random.default_rng(1)


def save(model, name):
    model.opset_import[0].version = 17
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, name + ".onnx"))


def matmul(m, k, n, weights):
    """MatMul [m,k]×[k,n]; weights=True makes B an initializer (ORT prepacks it)."""
    a = helper.make_tensor_value_info("A", TensorProto.FLOAT, [m, k])
    y = helper.make_tensor_value_info("Y", TensorProto.FLOAT, [m, n])
    inits, inputs = [], [a]
    if weights:
        inits.append(numpy_helper.from_array(rng.standard_normal((k, n)).astype(np.float32), "B"))
    else:
        inputs.append(helper.make_tensor_value_info("B", TensorProto.FLOAT, [k, n]))
    node = helper.make_node("MatMul", ["A", "B"], ["Y"])
    g = helper.make_graph([node], "matmul", inputs, [y], inits)
    save(helper.make_model(g), f"matmul_{m}x{k}x{n}_{'w' if weights else 'in'}")


def conv(name, c, h, w, oc, kh, stride, pad, group=1):
    """Conv NCHW batch 1 with weight and bias initializers."""
    oh = (h + 2 * pad - kh) // stride + 1
    ow = (w + 2 * pad - kh) // stride + 1
    x = helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, c, h, w])
    y = helper.make_tensor_value_info("Y", TensorProto.FLOAT, [1, oc, oh, ow])
    wt = numpy_helper.from_array((rng.standard_normal((oc, c // group, kh, kh)) * 0.1).astype(np.float32), "W")
    bias = numpy_helper.from_array(rng.standard_normal(oc).astype(np.float32), "Bias")
    node = helper.make_node("Conv", ["X", "W", "Bias"], ["Y"], kernel_shape=[kh, kh],
                            strides=[stride, stride], pads=[pad] * 4, group=group)
    g = helper.make_graph([node], "conv", [x], [y], [wt, bias])
    save(helper.make_model(g), "conv_" + name)


# ResNet-50 convolution layers (batch 1, 224×224 input).
RESNET = [
    ("r50_conv1", 3, 224, 224, 64, 7, 2, 3),
    ("r50_l1_1x1a", 64, 56, 56, 64, 1, 1, 0),
    ("r50_l1_3x3", 64, 56, 56, 64, 3, 1, 1),
    ("r50_l1_1x1b", 64, 56, 56, 256, 1, 1, 0),
    ("r50_l2_3x3", 128, 28, 28, 128, 3, 1, 1),
    ("r50_l3_3x3", 256, 14, 14, 256, 3, 1, 1),
    ("r50_l4_1x1", 512, 7, 7, 2048, 1, 1, 0),
]

MATMULS = [(64, 64, 64), (128, 128, 128), (256, 256, 256), (512, 512, 512), (1024, 1024, 1024),
           (2048, 2048, 2048), (128, 384, 1536), (128, 1536, 384), (1, 768, 768)]


def main():
    os.makedirs(OUT, exist_ok=True)
    for m, k, n in MATMULS:
        matmul(m, k, n, False)
        matmul(m, k, n, True)
    for args in RESNET:
        conv(*args)
    print("wrote", len(os.listdir(OUT)), "models to", OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
