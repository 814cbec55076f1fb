#!/usr/bin/python3
"""Generates the tiny MLP used by the CLI's end-to-end test and the README.

Run with Debian's python3 (onnx and numpy installed):

    /usr/bin/python3 testdata/models/gen.py

mlp.onnx:           x float32 [batch, 4] -> Gemm(4->8) -> Relu -> Gemm(8->3) -> Softmax -> y [batch, 3]
mlp_input.npy:      a float32 [5, 4] input
mlp_expected.npy:   y for that input, computed here with numpy (the oracle), in float64 then
                    rounded to float32
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(7)

w1 = rng.standard_normal((8, 4)).astype(np.float32)  # Gemm 1 uses transB=1, as PyTorch exports
b1 = rng.standard_normal(8).astype(np.float32)
w2 = rng.standard_normal((8, 3)).astype(np.float32)
b2 = rng.standard_normal(3).astype(np.float32)

graph = helper.make_graph(
    [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h1"], name="fc1", transB=1),
        helper.make_node("Relu", ["h1"], ["h2"], name="relu"),
        helper.make_node("Gemm", ["h2", "w2", "b2"], ["logits"], name="fc2"),
        helper.make_node("Softmax", ["logits"], ["y"], name="softmax", axis=1),
    ],
    "mlp",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
    initializer=[
        numpy_helper.from_array(w1, "w1"),
        numpy_helper.from_array(b1, "b1"),
        numpy_helper.from_array(w2, "w2"),
        numpy_helper.from_array(b2, "b2"),
    ],
)
model = helper.make_model(graph, producer_name="sinter-testdata", opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
onnx.checker.check_model(model, full_check=True)
onnx.save(model, os.path.join(HERE, "mlp.onnx"))

x = rng.standard_normal((5, 4)).astype(np.float32)
h = np.maximum(x.astype(np.float64) @ w1.T.astype(np.float64) + b1, 0)
z = h @ w2.astype(np.float64) + b2
e = np.exp(z - z.max(axis=1, keepdims=True))
y = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)

np.save(os.path.join(HERE, "mlp_input.npy"), x)
np.save(os.path.join(HERE, "mlp_expected.npy"), y)
print("y =", y)
