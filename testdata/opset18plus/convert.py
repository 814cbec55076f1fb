#!/usr/bin/env python3
"""Turns ort_outputs.json (written by run_ort.js) into <case>/output_<i>.npy
files, and cases ONNX Runtime could not run into <case>/ort_error.txt."""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
res = json.load(open(os.path.join(HERE, "ort_outputs.json")))
for name, r in sorted(res.items()):
    d = os.path.join(HERE, name)
    for f in os.listdir(d):
        if f.startswith("output_") or f in ("ort_error.txt", "expected_from_pil.txt"):
            os.remove(os.path.join(d, f))
    if "error" in r and name.startswith("imagedecoder"):
        # ONNX Runtime has no ImageDecoder: take ONNX's reference behaviour
        # (PIL) instead.
        import io
        from PIL import Image
        img = Image.open(io.BytesIO(np.load(os.path.join(d, "input_0.npy")).tobytes()))
        fmt = name.rsplit("_", 1)[1]
        if fmt == "grayscale":
            a = np.array(img.convert("L"))[..., None]
        else:
            a = np.array(img.convert("RGB"))
            if fmt == "bgr":
                a = a[:, :, ::-1]
        np.save(os.path.join(d, "output_0.npy"), np.ascontiguousarray(a))
        with open(os.path.join(d, "expected_from_pil.txt"), "w") as f:
            f.write("ONNX Runtime: " + r["error"] + "\nExpected output decoded with PIL (ONNX's reference).\n")
        continue
    if "error" in r:
        with open(os.path.join(d, "ort_error.txt"), "w") as f:
            f.write(r["error"] + "\n")
        continue
    for i, o in enumerate(r["outputs"]):
        t = o["type"]
        if t == "string":
            a = np.array(o["data"], dtype=str)
        elif t == "bool":
            a = np.array(o["data"], dtype=bool)
        elif t == "float16":
            a = np.array(o["data"], dtype=np.uint16).view(np.float16)
        elif t in ("int64", "uint64"):
            a = np.array([int(v) for v in o["data"]], dtype=t)
        else:
            a = np.array([float(v) if isinstance(v, str) else v for v in o["data"]], dtype=t)
        np.save(os.path.join(d, f"output_{i}.npy"), a.reshape(o["dims"]))
