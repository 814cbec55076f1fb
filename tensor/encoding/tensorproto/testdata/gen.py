#!/usr/bin/python3
"""Generates the typed-field fixtures of tensorproto's tests.

Each typed_<name>.pb is a TensorProto written by onnx.helper.make_tensor with
raw=False, so its data travels in the typed fields (float_data, int32_data,
...) rather than raw_data. typed_<name>.want holds the expected storage:
little-endian element bytes (one byte per bool), or for strings the values
joined by newlines. Run with Debian's python3-onnx 1.12:

    /usr/bin/python3 gen.py
"""
import numpy as np
from onnx import TensorProto, helper

cases = {
    "float32": (TensorProto.FLOAT, [2, 3], [1.5, -2.0, 0.0, 3.25, float("inf"), -0.5], np.float32),
    "float64": (TensorProto.DOUBLE, [3], [1e300, -2.5, 0.1], np.float64),
    "int32": (TensorProto.INT32, [4], [1, -1, 2**31 - 1, -(2**31)], np.int32),
    "int64": (TensorProto.INT64, [2, 2], [1, -1, 2**63 - 1, -(2**63)], np.int64),
    "int16": (TensorProto.INT16, [3], [-32768, 32767, -1], np.int16),
    "int8": (TensorProto.INT8, [3], [-128, 127, -1], np.int8),
    "uint8": (TensorProto.UINT8, [3], [0, 255, 7], np.uint8),
    "uint16": (TensorProto.UINT16, [2], [65535, 1], np.uint16),
    "uint32": (TensorProto.UINT32, [2], [2**32 - 1, 5], np.uint32),
    "uint64": (TensorProto.UINT64, [2], [2**64 - 1, 5], np.uint64),
    "bool": (TensorProto.BOOL, [2, 2], [True, False, False, True], np.bool_),
    "float16": (TensorProto.FLOAT16, [3], [1.0, -0.5, 65504.0], np.float16),
    "scalar": (TensorProto.FLOAT, [], [42.0], np.float32),
    "empty": (TensorProto.FLOAT, [0, 3], [], np.float32),
}

for name, (dt, dims, vals, npt) in cases.items():
    t = helper.make_tensor(name, dt, dims, vals, raw=False)
    assert not t.raw_data
    with open("typed_%s.pb" % name, "wb") as f:
        f.write(t.SerializeToString())
    with open("typed_%s.want" % name, "wb") as f:
        f.write(np.array(vals, dtype=npt).tobytes())

t = helper.make_tensor("bf16", TensorProto.BFLOAT16, [3], [1.0, -2.0, 0.5], raw=False)
with open("typed_bfloat16.pb", "wb") as f:
    f.write(t.SerializeToString())
with open("typed_bfloat16.want", "wb") as f:
    f.write(np.array([0x3F80, 0xC000, 0x3F00], dtype="<u2").tobytes())

t = helper.make_tensor("strs", TensorProto.STRING, [3], [b"a", b"", "h\u00e9".encode()], raw=False)
with open("typed_string.pb", "wb") as f:
    f.write(t.SerializeToString())
with open("typed_string.want", "wb") as f:
    f.write(b"\n".join([b"a", b"", "h\u00e9".encode()]))
