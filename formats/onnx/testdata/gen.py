#!/usr/bin/python3
"""Generates the hand-made ONNX fixtures of formats/onnx's tests.

The backend test data installed on the machine has no sparse tensors, model
functions, external data or map types; these small models cover them. Run
with Debian's python3-onnx 1.12 from this directory:

    /usr/bin/python3 gen.py

Expected values are asserted in decode_test.go.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSETS = [helper.make_opsetid("", 16)]

# sparse.onnx: a sparse initializer with linear indices, one with [NNZ, rank]
# coordinates, and a Constant with a sparse_value attribute.
lin = helper.make_sparse_tensor(
    helper.make_tensor("S1", TensorProto.FLOAT, [2], [5.0, 7.0]),
    helper.make_tensor("S1_idx", TensorProto.INT64, [2], [1, 4]),
    [2, 3])
coo = helper.make_sparse_tensor(
    helper.make_tensor("S2", TensorProto.INT32, [2], [9, -3]),
    helper.make_tensor("S2_idx", TensorProto.INT64, [2, 2], [0, 2, 1, 0]),
    [2, 3])
cval = helper.make_sparse_tensor(
    helper.make_tensor("C", TensorProto.FLOAT, [1], [2.5]),
    helper.make_tensor("C_idx", TensorProto.INT64, [1], [3]),
    [4])
g = helper.make_graph(
    [helper.make_node("Constant", [], ["c"], sparse_value=cval),
     helper.make_node("Add", ["S1", "x"], ["y"])],
    "sparse",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3]),
     helper.make_tensor_value_info("c", TensorProto.FLOAT, [4])],
    sparse_initializer=[lin, coo])
onnx.save(helper.make_model(g, opset_imports=OPSETS, producer_name="gen.py"), "sparse.onnx")

# function.onnx: a model-local function with an attribute referenced by its
# body (ref_attr_name), called from the main graph.
fn = helper.make_function(
    "custom", "Scale", ["X"], ["Y"],
    [helper.make_node("Constant", [], ["k"], value_float=0.0),
     helper.make_node("Mul", ["X", "k"], ["Y"])],
    OPSETS, attributes=["alpha"])
fn.node[0].attribute[0].ref_attr_name = "alpha"
fn.doc_string = "multiplies by alpha"
g = helper.make_graph(
    [helper.make_node("Scale", ["x"], ["y"], domain="custom", alpha=2.0, name="scale")],
    "main",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])])
m = helper.make_model(g, opset_imports=OPSETS + [helper.make_opsetid("custom", 1)], functions=[fn])
m.metadata_props.add(key="author", value="gen.py")
onnx.save(m, "function.onnx")

# types.onnx: value types beyond plain tensors, symbolic dims, denotations.
seq = helper.make_tensor_sequence_value_info("seq", TensorProto.FLOAT, None)
mt = onnx.TypeProto()
mt.map_type.key_type = TensorProto.INT64
mt.map_type.value_type.CopyFrom(helper.make_tensor_type_proto(TensorProto.FLOAT, None))
mp = helper.make_value_info("map", mt)
opt = helper.make_value_info("opt", helper.make_optional_type_proto(helper.make_tensor_type_proto(TensorProto.INT32, [2])))
sp = helper.make_value_info("sp", helper.make_sparse_tensor_type_proto(TensorProto.FLOAT, [3, None]))
x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, None], shape_denotation=["DATA_BATCH", "DATA_CHANNEL", ""])
scalar = helper.make_tensor_value_info("s", TensorProto.DOUBLE, [])
unranked = helper.make_tensor_value_info("u", TensorProto.STRING, None)
g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "types",
                      [x, seq, mp, opt, sp, scalar, unranked],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3, None])])
onnx.save(helper.make_model(g, opset_imports=OPSETS), "types.onnx")

# external/model.onnx: initializers stored in external/weights.bin.
w = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(3, 4), "W")
b = numpy_helper.from_array(np.array([1, -2, 3], dtype=np.int64), "B")
g = helper.make_graph(
    [helper.make_node("MatMul", ["W", "x"], ["y"])], "ext",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 1])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 1])],
    initializer=[w, b])
m = helper.make_model(g, opset_imports=OPSETS)
onnx.save_model(m, "external/model.onnx", save_as_external_data=True,
                all_tensors_to_one_file=True, location="weights.bin", size_threshold=0)
