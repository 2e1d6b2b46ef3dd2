#!/usr/bin/env python3
"""Self-checks of the golden model definitions on the paths the refcases (224 only) do not cover.

usage: /usr/bin/python3 scripts/golden/selftest.py

1. LocalWindowAttention (pad / partition / reverse / crop) against a naive per-window loop, for
   resolutions needing padding (10, 12, 16) and not (14, 7, 4).
2. How much the padding tokens matter: masking them out of the keys instead changes the output by
   a clearly visible amount (so goldens at res 192/256/160 catch a runtime that masks them).
3. EdgeViT: sampler == x[:, :, ::sr, ::sr]; LocalProp == per-pixel kernel x repeat; non-square input.
4. make_golden round trip: written .pth loads strictly into a fresh model and reproduces the logits;
   batch-1 input/logits == first sample of the batch-2 ones.
"""
import os
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import edgevit  # noqa: E402
import efficientvit  # noqa: E402
import make_golden  # noqa: E402

torch.set_num_threads(1)
FAIL = []


def report(tag, diff, tol):
    ok = diff <= tol
    print(f"{'ok  ' if ok else 'FAIL'} {tag}: {diff:.3e} (tol {tol:.0e})")
    if not ok:
        FAIL.append(tag)


def naive_lwa(lwa, x, mask_padding=False):
    """Per-window loop; optionally masks padded keys (what upstream does NOT do)."""
    B, C, H, W = x.shape
    wr = lwa.window_resolution
    if H <= wr and W <= wr:
        return lwa.attn(x)
    pH, pW = -(-H // wr) * wr, -(-W // wr) * wr
    xp = torch.zeros(B, C, pH, pW)
    xp[:, :, :H, :W] = x
    out = torch.zeros_like(xp)
    attn = lwa.attn
    for b in range(B):
        for i in range(pH // wr):
            for j in range(pW // wr):
                win = xp[b:b + 1, :, i * wr:(i + 1) * wr, j * wr:(j + 1) * wr]
                if not mask_padding:
                    out[b:b + 1, :, i * wr:(i + 1) * wr, j * wr:(j + 1) * wr] = attn(win)
                    continue
                valid = torch.zeros(wr, wr, dtype=torch.bool)
                valid[:max(0, min(wr, H - i * wr)), :max(0, min(wr, W - j * wr))] = True
                out[b:b + 1, :, i * wr:(i + 1) * wr, j * wr:(j + 1) * wr] = masked_cga(attn, win, valid.flatten())
    return out[:, :, :H, :W]


def masked_cga(m, x, valid):
    B, C, H, W = x.shape
    ab = m.attention_biases[:, m.attention_bias_idxs]
    feats_in = x.chunk(len(m.qkvs), dim=1)
    outs, feat = [], feats_in[0]
    for i, qkv in enumerate(m.qkvs):
        if i > 0:
            feat = feat + feats_in[i]
        feat = qkv(feat)
        q, k, v = feat.view(B, -1, H, W).split([m.key_dim, m.key_dim, m.d], dim=1)
        q = m.dws[i](q)
        q, k, v = q.flatten(2), k.flatten(2), v.flatten(2)
        a = (q.transpose(-2, -1) @ k) * m.scale + ab[i]
        a = a.masked_fill(~valid[None, None, :], float("-inf")).softmax(-1)
        feat = (v @ a.transpose(-2, -1)).view(B, m.d, H, W)
        outs.append(feat)
    return m.proj(torch.cat(outs, 1))


@torch.no_grad()
def test_windows():
    for res, heads in ((10, 4), (12, 4), (16, 3), (14, 4), (7, 2), (4, 4)):
        C = 16 * heads
        lwa = efficientvit.LocalWindowAttention(C, 16, heads, C / (16 * heads), res, 7, [5, 5, 5, 5])
        make_golden.randomize(lwa, res)
        lwa.eval()
        x = torch.randn(2, C, res, res)
        y = lwa(x)
        report(f"window attention r={res} vs naive loop", float((y - naive_lwa(lwa, x)).abs().max()), 1e-5)
        if res % 7 and res > 7:
            d = float((y - naive_lwa(lwa, x, mask_padding=True)).abs().max())
            print(f"     r={res}: |upstream - masked-padding| = {d:.3e} (padding tokens take part)")
            if d < 1e-3:
                FAIL.append(f"padding influence too small at r={res}")


@torch.no_grad()
def test_edgevit_ops():
    torch.manual_seed(0)
    att = edgevit.GlobalSparseAttn(36, 1, 4)
    make_golden.randomize(att, 0)
    x = torch.randn(2, 36, 8, 12)
    report("AvgPool2d(1,sr) == strided pick", float((att.sampler(x) - x[:, :, ::4, ::4]).abs().max()), 0)
    d = torch.randn(2, 36, 2, 3)
    w = att.LocalProp.weight[:, 0]  # [C, sr, sr]
    ref = (d[:, :, :, None, :, None] * w[None, :, None, :, None, :]).reshape(2, 36, 8, 12) + att.LocalProp.bias[None, :, None, None]
    report("LocalProp == depthwise kernel*repeat", float((att.LocalProp(d) - ref).abs().max()), 1e-6)
    m = make_golden.randomize(edgevit.build("edgevit_xxs"), 0).eval()
    y, outs = m.forward_features(torch.randn(1, 3, 224, 288))
    print(f"ok   edgevit_xxs non-square 224x288: logits {list(y.shape)}, blocks3 {list(outs['blocks3'].shape)}")
    try:
        m(torch.randn(1, 3, 240, 240))
        FAIL.append("edgevit 240 should be rejected")
    except ValueError as e:
        print(f"ok   edgevit_xxs 240x240 rejected: {e}")


@torch.no_grad()
def test_roundtrip():
    with tempfile.TemporaryDirectory() as d:
        cases = [("efficientvit_m1", 192, 1, 3), ("efficientvit_m1", 192, 2, 3), ("edgevit_xs", 224, 2, 5),
                 ("edgevit_xs", 224, 1, 5)]
        make_golden.run_cases(cases, d, verbose=False, activations=True)
        make_golden.run_cases([("efficientvit_m2", 160, 2, 1)], d, distillation=True, verbose=False)
        for model, res, batch, seed, dist in [c + (False,) for c in cases] + [("efficientvit_m2", 160, 2, 1, True)]:
            name = make_golden.case_name(model, res, batch, seed, dist)
            ck = torch.load(os.path.join(d, name + ".pth"))
            sd = ck["model"] if model.startswith("efficientvit") else ck
            m = make_golden.build(model, res, dist)
            m.load_state_dict(sd, strict=True)
            m.eval()
            x = torch.from_numpy(np.fromfile(os.path.join(d, name + ".input.f32"), "<f4").reshape(batch, 3, res, res))
            ref = np.fromfile(os.path.join(d, name + ".logits.f32"), "<f4").reshape(batch, 1000)
            report(f"roundtrip {name}", float(np.abs(m(x).numpy() - ref).max()), 0)
        for model, res, seed in (("efficientvit_m1", 192, 3), ("edgevit_xs", 224, 5)):
            n1, n2 = (make_golden.case_name(model, res, b, seed) for b in (1, 2))
            x1, x2 = (np.fromfile(os.path.join(d, n + ".input.f32"), "<f4") for n in (n1, n2))
            y1, y2 = (np.fromfile(os.path.join(d, n + ".logits.f32"), "<f4") for n in (n1, n2))
            report(f"{model} b1 input == b2 input[0]", float(np.abs(x1 - x2[:x1.size]).max()), 0)
            report(f"{model} b1 logits ~ b2 logits[0]", float(np.abs(y1 - y2[:1000]).max()), 1e-5)


if __name__ == "__main__":
    test_windows()
    test_edgevit_ops()
    test_roundtrip()
    print("SELFTEST OK" if not FAIL else f"SELFTEST FAILED: {FAIL}")
    sys.exit(1 if FAIL else 0)
