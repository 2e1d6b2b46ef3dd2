#!/usr/bin/env python3
"""Check this directory's model definitions against upstream-produced reference cases.

usage: /usr/bin/python3 scripts/golden/check_refcases.py [REFCASE_DIR]   (default ../shared/refcases,
relative to the repository root)

Also works on a make_golden.py output directory (stage outputs then come from the json's
"activations" list).

For every NAME.pth in REFCASE_DIR (NAME = {model}_r{res}_s{seed}, with NAME.json giving model/res):
builds the model, load_state_dict(strict=True), runs NAME.input.f32, and prints max|diff| of the
logits and of every stage activation stored in NAME.activations.safetensors. Exit status 1 if any
max|diff| > 1e-4 * max(1, max|reference|), or if a case cannot be loaded.
"""
import json
import os
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import edgevit  # noqa: E402
import efficientvit  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))


def read_safetensors(path):
    """Minimal safetensors reader (F32 only): 8-byte LE header length, JSON header, raw data."""
    with open(path, "rb") as f:
        buf = f.read()
    n = struct.unpack("<Q", buf[:8])[0]
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        if v["dtype"] != "F32":
            raise ValueError(f"{path}: {k} has dtype {v['dtype']}")
        a, b = v["data_offsets"]
        out[k] = np.frombuffer(buf[base + a:base + b], dtype="<f4").reshape(v["shape"])
    return out


def build_model(model, res, sd):
    if model.startswith("efficientvit"):
        m = efficientvit.build(model, img_size=res, distillation=any(k.startswith("head_dist.") for k in sd))
    elif model.startswith("edgevit"):
        m = edgevit.build(model)
    else:
        raise ValueError(f"unknown model {model}")
    m.load_state_dict(sd, strict=True)
    return m.eval()


def check_case(d, name):
    meta = json.load(open(os.path.join(d, name + ".json")))
    model, res = meta["model"], int(meta["res"])
    ck = torch.load(os.path.join(d, name + ".pth"), map_location="cpu")
    sd = ck["model"] if "model" in ck else ck
    m = build_model(model, res, sd)
    nparams = sum(p.numel() for p in m.parameters())
    x = np.fromfile(os.path.join(d, name + ".input.f32"), dtype="<f4").reshape(meta["input_shape"])
    with torch.no_grad():
        y, outs = m.forward_features(torch.from_numpy(x.copy()))
    refs = {"logits": np.fromfile(os.path.join(d, name + ".logits.f32"), dtype="<f4").reshape(meta["logits_shape"])}
    act_path = os.path.join(d, name + ".activations.safetensors")
    acts = read_safetensors(act_path) if os.path.exists(act_path) else {}
    for k, v in (meta.get("activations") or {}).items():  # make_golden.py --activations output
        acts[k] = np.fromfile(os.path.join(d, v["file"]), dtype="<f4").reshape(v["shape"])
    if "input" in acts and not np.array_equal(acts["input"], x):
        print(f"  WARNING: activations' input differs from {name}.input.f32")
    if "logits" in acts:
        np.testing.assert_array_equal(acts["logits"], refs["logits"])
    ok = True
    print(f"{name}: model={model} res={res} params={nparams} (json {meta.get('params')})")
    if meta.get("params") is not None and meta["params"] != nparams:
        print(f"  FAIL params {nparams} != {meta['params']}")
        ok = False
    pairs = [(k, v, outs.get(k)) for k, v in acts.items() if k not in ("input", "logits")]
    pairs.append(("logits", refs["logits"], y))
    for k, ref, got in pairs:
        if got is None:
            print(f"  FAIL {k}: not produced by this definition")
            ok = False
            continue
        got = got.numpy()
        if got.shape != ref.shape:
            print(f"  FAIL {k}: shape {got.shape} != {ref.shape}")
            ok = False
            continue
        diff = float(np.abs(got.astype(np.float64) - ref).max())
        scale = float(np.abs(ref).max())
        tol = 1e-4 * max(1.0, scale)
        good = diff <= tol
        ok &= good
        print(f"  {'ok  ' if good else 'FAIL'} {k:14s} {str(list(ref.shape)):20s} max|ref|={scale:9.4f} "
              f"max|diff|={diff:.3e} (tol {tol:.1e})")
    return ok


def main(argv):
    d = argv[1] if len(argv) > 1 else os.path.join(REPO, "..", "shared", "refcases")
    d = os.path.abspath(d)
    torch.set_num_threads(1)
    if not os.path.isdir(d):
        print(f"no such directory: {d}")
        return 1
    names = sorted(f[:-4] for f in os.listdir(d) if f.endswith(".pth"))
    if not names:
        print(f"no *.pth in {d}")
        return 1
    ok = True
    for name in names:
        try:
            ok &= check_case(d, name)
        except Exception as e:  # noqa: BLE001
            print(f"{name}: FAIL {type(e).__name__}: {e}")
            ok = False
    print("ALL OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
