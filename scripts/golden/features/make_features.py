#!/usr/bin/env python3
"""Golden cases for backbone mode: a random checkpoint, an input, and PyTorch's feature maps and embedding.

  /usr/bin/python3 scripts/golden/features/make_features.py --out DIR --cases efficientvit_m0:320x480:2,efficientvit_m4:512x640:1:det

A case is MODEL:HxW:BATCH[:det]. The checkpoint is the golden definition's (scripts/golden/*.py,
randomised as make_golden.py does, seed 0) made at 224 (its classification tables); ":det"
(EfficientViT only) makes a detector's checkpoint instead, as mmdet saves it: the backbone built with
7x7 windows in every stage (what downstream/efficientvit.py builds), without the classifier head,
under "backbone." beside a neck and a bbox head, in {'meta': ..., 'state_dict': ...}.

The outputs are read from the golden definitions' own forward_features (their per-stage outputs):
- EfficientViT: blocks1, blocks2, blocks3; embedding = the global mean of blocks3. Every
  LocalWindowAttention runs downstream/efficientvit.py's forward: windows of the side its attention
  bias table was made for, the map padded at the bottom and right to whole windows and cropped after,
  or the whole map when it is that one window; no check of the map size against the model's.
- EdgeViT: blocks1 .. blocks4; embedding = mean over H, W of norm(blocks4).
- DeiT: the tokens after the last block: `blocks` (the patch tokens as a [B, C, H/16, W/16] map) and
  `blocks.cls` (the class token, [B, C, 1, 1]); embedding = norm(tokens)[:, 0].
- Swin: layers.0 .. layers.3, each stage's output before its patch merging (the last block's
  output, [B, H*W, C] as a map); embedding = mean over tokens of norm(layers.3).

Writes NAME = {model}_r{H}x{W}_b{batch}_s0[_det]: NAME.pth, NAME.input.f32 (float32 NCHW, N(0,1)),
NAME.{output}.f32 (float32, the shape in NAME.json) and NAME.json ({"outputs": [{name, stride, shape}]}).
"""
import argparse
import json
import os
import sys
import types

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import deit  # noqa: E402
import edgevit  # noqa: E402
import efficientvit  # noqa: E402
import make_golden  # noqa: E402
import swin  # noqa: E402

SEED = 0
TRAIN_RES = 224


def build(model, det):
    if model in efficientvit.CONFIGS:
        # A detector's backbone has 7x7 tables in every stage: built where every stage's map is at least 7.
        m = efficientvit.build(model, img_size=448 if det else TRAIN_RES)
        # downstream/efficientvit.py's LocalWindowAttention.forward: windows of the attention table's side, any map size.
        for mod in m.modules():
            if isinstance(mod, efficientvit.LocalWindowAttention):
                mod.forward = types.MethodType(lambda self, x: self.attend(x, self.attn.resolution), mod)
        return m
    if det:
        raise ValueError(":det cases are EfficientViT's (its downstream backbone)")
    if model in edgevit.CONFIGS:
        return edgevit.build(model)
    if model in deit.CONFIGS:
        return deit.build(model, img_size=TRAIN_RES)
    if model in swin.CONFIGS:
        return swin.build(model, img_size=TRAIN_RES)
    raise ValueError(f"unknown model {model!r}")


def tokens_as_map(t, H, W):
    """[B, H*W, C] tokens -> [B, C, H, W]."""
    B, _, C = t.shape
    return t.transpose(1, 2).reshape(B, C, H, W)


@torch.no_grad()
def outputs(model_name, model, x):
    """[(name, stride, tensor)] of the backbone outputs and the embedding."""
    H, W = x.shape[2:]
    if model_name in efficientvit.CONFIGS:
        _, outs = model.forward_features(x)
        b3 = outs["blocks3"]
        return [(f"blocks{i}", 16 * 2 ** (i - 1), outs[f"blocks{i}"]) for i in (1, 2, 3)] + [("embedding", 0, b3.mean((2, 3)))]
    if model_name in edgevit.CONFIGS:
        _, outs = model.forward_features(x)
        return [(f"blocks{i}", 4 * 2 ** (i - 1), outs[f"blocks{i}"]) for i in (1, 2, 3, 4)] + [("embedding", 0, outs["norm"].flatten(2).mean(-1))]
    if model_name in deit.CONFIGS:
        _, outs = model.forward_features(x)
        t, p = outs["blocks"], model.patch_embed.proj.kernel_size[0]
        return [("blocks", p, tokens_as_map(t[:, 1:], H // p, W // p)), ("blocks.cls", 0, t[:, 0, :, None, None]),
                ("embedding", 0, outs["norm"][:, 0])]
    if model_name in swin.CONFIGS:
        stages = []
        hooks = [layer.blocks[-1].register_forward_hook(lambda _m, _i, o, i=i: stages.append((i, o))) for i, layer in enumerate(model.layers)]
        _, outs = model.forward_features(x)
        for h in hooks:
            h.remove()
        res = [(f"layers.{i}", 4 * 2 ** i, tokens_as_map(o, H // (4 * 2 ** i), W // (4 * 2 ** i))) for i, o in stages]
        return res + [("embedding", 0, outs["norm"].mean(1))]
    raise ValueError(model_name)


def save(model_name, model, path, det):
    sd = model.state_dict()
    if not det:
        make_golden.save_checkpoint(model_name, model, path)
        return
    # mmdet's layout: the backbone (no classifier head) under "backbone.", a neck and a head beside it.
    g = torch.Generator().manual_seed(SEED + 7)
    state = {f"backbone.{k}": v for k, v in sd.items() if not k.startswith("head")}
    for k, shape in [("neck.lateral_convs.0.conv.weight", (256, 128, 1, 1)), ("neck.lateral_convs.0.conv.bias", (256,)),
                     ("bbox_head.retina_cls.weight", (720, 256, 3, 3)), ("bbox_head.retina_cls.bias", (720,))]:
        state[k] = torch.randn(shape, generator=g) * 0.01
    meta = {"mmdet_version": "2.11.0", "CLASSES": ("person", "bicycle", "car"), "epoch": 12, "iter": 87960, "config": "model = dict(type='RetinaNet')"}
    torch.save({"meta": meta, "state_dict": state}, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--cases", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    for spec in a.cases.split(","):
        parts = spec.split(":")
        model_name, res, batch = parts[0], parts[1], int(parts[2])
        det = len(parts) > 3 and parts[3] == "det"
        H, W = (int(v) for v in res.split("x"))
        torch.manual_seed(SEED)
        model = make_golden.randomize(build(model_name, det), SEED).eval()
        name = f"{model_name}_r{H}x{W}_b{batch}_s{SEED}" + ("_det" if det else "")
        base = os.path.join(a.out, name)
        g = torch.Generator().manual_seed(SEED + 1_000_003)
        x = torch.randn((batch, 3, H, W), generator=g)
        outs = outputs(model_name, model, x)
        save(model_name, model, base + ".pth", det)
        make_golden.write_f32(base + ".input.f32", x)
        listed = []
        for out_name, stride, t in outs:
            make_golden.write_f32(f"{base}.{out_name}.f32", t)
            listed.append({"name": out_name, "stride": stride, "shape": list(t.shape)})
        with open(base + ".json", "w") as f:
            json.dump({"model": model_name, "height": H, "width": W, "batch": batch, "det": det, "outputs": listed}, f, indent=1)


if __name__ == "__main__":
    main()
