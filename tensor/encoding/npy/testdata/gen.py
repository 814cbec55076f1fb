#!/usr/bin/python3
"""Generates the .npy test corpus for package npy and its expectations.

Run from anywhere with Debian's python3 (numpy installed):

    /usr/bin/python3 tensor/encoding/npy/testdata/gen.py

Every file here is written by numpy (np.save / np.lib.format.write_array), or,
for the header-syntax cases, by hand and then checked to load with np.load.
expected.json records, per file, the values numpy itself reads back (numpy
is the oracle), or, for arrays Sinter refuses by policy, the error to expect.
The same files seed the FuzzDecode corpus.
"""
import io
import json
import math
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20240601)
cases = []

# numpy dtype kind+size -> Sinter dtype name.
SINTER = {
    "b1": "bool", "i1": "int8", "i2": "int16", "i4": "int32", "i8": "int64",
    "u1": "uint8", "u2": "uint16", "u4": "uint32", "u8": "uint64",
    "f2": "float16", "f4": "float32", "f8": "float64",
}


def jsonable(v):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (np.integer, int)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        f = float(v)
        if math.isnan(f):
            return "nan"
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return f
    if isinstance(v, bytes):
        return v.decode("latin1")
    return str(v)


def expect(name, path, canonical):
    """Load path with numpy and record what numpy sees."""
    arr = np.load(path, allow_pickle=False)
    kind = arr.dtype.kind
    if kind in "US":
        dtype = "string"
    else:
        dtype = SINTER[arr.dtype.kind + str(arr.dtype.itemsize)]
    cases.append({
        "name": name,
        "file": os.path.basename(path),
        "dtype": dtype,
        "shape": list(arr.shape),
        "values": [jsonable(v) for v in arr.reshape(-1).tolist()],
        # canonical: np.save wrote it in the layout Sinter's encoder produces
        # (v1.0, little-endian, C order, strings as wide as the longest), so
        # re-encoding what Sinter decoded must give back these exact bytes.
        "canonical": canonical,
    })


def save(name, arr, version=None, canonical=None):
    path = os.path.join(HERE, name + ".npy")
    with open(path, "wb") as f:
        if version is None:
            np.save(f, arr, allow_pickle=False)
        else:
            np.lib.format.write_array(f, arr, version=version, allow_pickle=False)
    if canonical is None:
        canonical = version is None and (arr.dtype.byteorder in "=|<")
    expect(name, path, canonical)


def refuse(name, arr, error, pickle=False):
    """Arrays numpy reads but Sinter refuses by policy (Fortran order, objects, ...)."""
    path = os.path.join(HERE, name + ".npy")
    with open(path, "wb") as f:
        np.save(f, arr, allow_pickle=pickle)
    cases.append({"name": name, "file": os.path.basename(path), "error": error})


def raw(name, header, data, version=(1, 0), canonical=False):
    """A file with a hand-written header; numpy must load it."""
    hb = header.encode("utf8" if version[0] == 3 else "latin1")
    fmt = "<H" if version[0] == 1 else "<I"
    path = os.path.join(HERE, name + ".npy")
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY" + bytes(version) + struct.pack(fmt, len(hb)) + hb + data)
    expect(name, path, canonical)


def broken(name, content, error):
    """Malformed files: numpy must fail to load them too."""
    path = os.path.join(HERE, name + ".npy")
    with open(path, "wb") as f:
        f.write(content)
    try:
        np.load(path, allow_pickle=False)
    except Exception:
        pass
    else:
        raise SystemExit("numpy loaded " + name + ", which is meant to be broken")
    cases.append({"name": name, "file": os.path.basename(path), "error": error})


# Every numeric dtype, little-endian, with edge values.
floats = [0.0, -0.0, 1.5, -2.25, np.inf, -np.inf, np.nan, 1e-3]
save("f2", np.array(floats + [65504.0, 6e-8], np.float16).reshape(2, 5))
save("f4", np.array(floats + [3.4028235e38, 1e-45], np.float32).reshape(2, 5))
save("f8", np.array(floats + [1.7976931348623157e308, 5e-324], np.float64).reshape(2, 5))
for dt in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64):
    info = np.iinfo(dt)
    vals = np.array([info.min, info.max, 0, 1, info.max // 3, info.min // 7], dt)
    save(np.dtype(dt).str[1:], vals.reshape(3, 2))
save("b1", np.array([[True, False, True], [False, False, True]]))
save("f4_3d", rng.standard_normal((2, 3, 4)).astype(np.float32))
save("i8_4d", rng.integers(-1000, 1000, (2, 1, 3, 2)).astype(np.int64))

# Big-endian variants, converted to little-endian by the reader.
for dt in (">f2", ">f4", ">f8", ">i2", ">i4", ">i8", ">u2", ">u4", ">u8"):
    if dt[1] == "f":
        vals = rng.standard_normal(6) * 100
    elif dt[1] == "i":
        vals = np.arange(-3, 3) * 1000
    else:
        vals = np.arange(6) * 12345
    vals = vals.astype(dt).reshape(2, 3)
    assert vals.dtype.byteorder == ">"
    save("be_" + dt[1:], vals)

# Format versions 2.0 and 3.0 (3.0 allows a utf8 header).
save("v2_f4", rng.standard_normal((3, 2)).astype(np.float32), version=(2, 0))
save("v3_f8", rng.standard_normal((4,)), version=(3, 0))
save("v3_u", np.array(["héllo", "wörld"]), version=(3, 0))

# Scalars and empty arrays.
save("scalar_f8", np.array(3.25))
save("scalar_b1", np.array(True))
save("scalar_i4", np.array(-7, np.int32))
save("empty_f4", np.zeros((0,), np.float32))
save("empty_3d", np.zeros((2, 0, 3), np.int16))

# Unicode (numpy's '<U', UCS-4) and byte-string arrays become String tensors.
save("unicode", np.array([["a", "héé", ""], ["日本語", "emoji 🎉", "tab\tx"]]))
save("unicode_wide", np.array(["x", "yz"], dtype="<U7"), canonical=False)
save("unicode_be", np.array(["big", "endian ✓"], dtype=">U8"))
save("unicode_empty", np.array([], dtype=str))
save("bytes", np.array([b"ab", b"", b"xyz"]), canonical=False)

# Header syntax numpy accepts: odd spacing, key order, trailing commas,
# double quotes, Python 2 long integers, '=' and '|' byte orders.
data23 = np.arange(6, dtype="<f4").tobytes()
raw("hdr_spacing", "{ 'shape' : ( 2 , 3 , ) ,'fortran_order':False,\"descr\":\"<f4\",}\n", data23)
raw("hdr_long", "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }          \n", data23)
raw("hdr_native", "{'descr': '=f4', 'fortran_order': False, 'shape': (6,)}\n", data23)
raw("hdr_pipe", "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2)}\n", bytes([1, 2, 250, 255]))
raw("hdr_fortran_1d", "{'descr': '<f4', 'fortran_order': True, 'shape': (6,)}\n", data23)
raw("hdr_v2_raw", "{'descr':'<i2','fortran_order':False,'shape':(3,)}\n", np.array([1, -2, 3], "<i2").tobytes(), version=(2, 0))

# Refused by Sinter's policy (numpy itself reads these).
refuse("fortran", np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)), "Fortran")
refuse("object", np.array([1, "a", None], dtype=object), "object", pickle=True)
refuse("structured", np.zeros(3, dtype=[("a", "<f4"), ("b", "<i4")]), "structured")
refuse("complex", np.array([1 + 2j], np.complex64), "complex")
refuse("datetime", np.array(["2020-01-01"], dtype="datetime64[D]"), "datetime")

# Malformed files numpy also rejects.
good = open(os.path.join(HERE, "f4.npy"), "rb").read()
broken("bad_truncated", good[:-3], "truncated")
broken("bad_magic", b"\x93NUMPZ" + good[6:], "magic")
broken("bad_version", good[:6] + b"\x04\x00" + good[8:], "version")
broken("bad_header", b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'\n", "header")

with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump({"numpy": np.__version__, "cases": cases}, f, indent=1, ensure_ascii=True)
    f.write("\n")
print(len(cases), "cases")
