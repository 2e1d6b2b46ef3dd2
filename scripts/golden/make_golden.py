#!/usr/bin/env python3
"""Generate golden cases (random checkpoint + input + PyTorch logits/activations).

Single case:
  /usr/bin/python3 scripts/golden/make_golden.py --model efficientvit_m0 --res 224 --batch 2 --seed 0 \
      --out DIR [--distillation] [--activations]
Many cases in one process (torch imported once; one checkpoint per model+res+seed is built and
reused for every batch size):
  /usr/bin/python3 scripts/golden/make_golden.py --out DIR --cases efficientvit_m0:224:1,efficientvit_m0:192:2
  /usr/bin/python3 scripts/golden/make_golden.py --out DIR --matrix   # all 6 EfficientViT x {224,192,256} x b{1,2}
Each case spec is MODEL:RES:BATCH[:SEED] (SEED defaults to --seed).

Writes, with NAME = {model}_r{res}_b{batch}_s{seed} (+ "_dist" when --distillation, "_shift" when --shift):
  NAME.pth          EfficientViT, DeiT, Swin: torch.save({'model': state_dict}); EdgeViT: bare state_dict (as upstream)
  NAME.input.f32    float32 NCHW little-endian, N(0,1)
  NAME.logits.f32   float32 [batch, 1000]; with --shift computed in float64 (the checkpoint's exact
                    answer: PyTorch's own float32 LayerNorm rounds its mean at the offset's scale)
  NAME.torch32.f32  with --shift: the same logits from PyTorch in float32, for comparison
  NAME.json         model, res, batch, seed, input_shape, logits_shape, logits_absmax, params, ...
  NAME.{stage}.f32  with --activations: raw float32 per-stage outputs (NCHW), listed in the json
  {model}_r{res}_s{seed}.onnx  with --onnx: the same model (same weights, BN unfolded as PyTorch
                    runs it) exported to ONNX (opset 17, batch dimension dynamic), for the benchmarks'
                    onnxruntime runs

Determinism: the checkpoint depends only on (model, res, seed, distillation); the input on
(res, batch, seed); inputs of different batch sizes share one stream, so the batch-1 input
is the first sample of the batch-2 input.
"""
import argparse
import json
import math
import os
import shutil
import sys
import time

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import deit  # noqa: E402
import edgevit  # noqa: E402
import efficientvit  # noqa: E402
import swin  # noqa: E402

MODELS = list(efficientvit.CONFIGS) + list(edgevit.CONFIGS) + list(deit.CONFIGS) + list(swin.CONFIGS)


def build(model, res, distillation):
    if model in efficientvit.CONFIGS:
        if isinstance(res, str):
            raise ValueError("EfficientViT cases are square: give RES as one number")
        return efficientvit.build(model, img_size=res, distillation=distillation)
    if model in edgevit.CONFIGS:
        if distillation:
            raise ValueError("--distillation is EfficientViT only")
        return edgevit.build(model)
    if model in deit.CONFIGS:
        if distillation or isinstance(res, str):
            raise ValueError("DeiT cases are square, without distillation")
        return deit.build(model, img_size=res)
    if model in swin.CONFIGS:
        if distillation or isinstance(res, str):
            raise ValueError("Swin cases are square, without distillation")
        return swin.build(model, img_size=res)
    raise ValueError(f"unknown model {model!r}; one of {MODELS}")


def _residual_tail_bns(model):
    """BatchNorms that end a residual branch in EfficientViT (x + m(x)): given a small gamma
    (U(0.1, 0.3)) so that the residual stream stays O(1) through all the blocks."""
    out = set()
    for mod in model.modules():
        if isinstance(mod, efficientvit.Residual):
            m = mod.m
            if isinstance(m, efficientvit.Conv2d_BN):
                out.add(m.bn)
            elif isinstance(m, efficientvit.FFN):
                out.add(m.pw2.bn)
            elif isinstance(m, efficientvit.LocalWindowAttention):
                out.add(m.attn.proj[1].bn)
    return out


def _edgevit_branch_tails(model):
    """Last layers of EdgeViT's residual branches (x + f(x)): their weights get std x0.25, else the
    residual stream grows ~1.4x per residual (to ~4e3 in edgevit_s stage 3)."""
    out = set()
    for mod in model.modules():
        if isinstance(mod, edgevit.LocalAgg):
            out |= {mod.pos_embed, mod.conv2, mod.mlp.fc2}
        elif isinstance(mod, edgevit.SelfAttn):
            out |= {mod.pos_embed, mod.attn.proj, mod.mlp.fc2}
    return out


@torch.no_grad()
def randomize(model, seed):
    """Every parameter and BN statistic drawn from a generator seeded with `seed`, in module order:
    conv/linear weights N(0, 1/fan_in) (fan_in = weight[0].numel(); std x0.25 for the last layer of
    each EdgeViT residual branch), biases N(0, 0.1^2),
    BN/LN gamma U(0.5, 1.5) (U(0.1, 0.3) at EfficientViT residual-branch ends), beta N(0, 0.1^2),
    BN running_mean N(0, 0.1^2), running_var U(0.5, 1.5), attention_biases N(0, 0.5^2)."""
    g = torch.Generator().manual_seed(seed)
    small = _residual_tail_bns(model)
    tails = _edgevit_branch_tails(model)

    def normal_(t, std):
        t.copy_(torch.randn(t.shape, generator=g) * std)

    def uniform_(t, lo, hi):
        t.copy_(torch.rand(t.shape, generator=g) * (hi - lo) + lo)

    for mod in model.modules():
        if isinstance(mod, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            w = mod.weight
            normal_(w, (0.25 if mod in tails else 1.0) / math.sqrt(w[0].numel()))
            if mod.bias is not None:
                normal_(mod.bias, 0.1)
        elif isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d)):
            if mod in small:
                uniform_(mod.weight, 0.1, 0.3)
            else:
                uniform_(mod.weight, 0.5, 1.5)
            normal_(mod.bias, 0.1)
            normal_(mod.running_mean, 0.1)
            uniform_(mod.running_var, 0.5, 1.5)
        elif isinstance(mod, nn.LayerNorm):
            uniform_(mod.weight, 0.5, 1.5)
            normal_(mod.bias, 0.1)
        elif isinstance(mod, efficientvit.CascadedGroupAttention):
            normal_(mod.attention_biases, 0.5)
        elif isinstance(mod, swin.WindowAttention):
            normal_(mod.relative_position_bias_table, 0.5)
        elif isinstance(mod, deit.VisionTransformer):
            normal_(mod.cls_token, 0.5)
            normal_(mod.pos_embed, 0.5)
    return model


def hw(res):
    """res is an int (square) or "HxW" (non-square, EdgeViT only)."""
    if isinstance(res, str):
        h, w = res.split("x")
        return int(h), int(w)
    return res, res


def make_input(res, batch, seed):
    g = torch.Generator().manual_seed(seed + 1_000_003)
    return torch.randn((batch, 3, *hw(res)), generator=g)


# --shift: the residual stream's offset (EdgeViT and DeiT, their shift_stream()).
SHIFT = 1000.0


def shift_stream(model_name, model):
    for mod in (edgevit, deit):
        if model_name in mod.CONFIGS:
            return mod.shift_stream(model, SHIFT)
    raise ValueError(f"--shift is EdgeViT and DeiT only, not {model_name}")


def case_name(model, res, batch, seed, distillation=False, shift=False):
    return f"{model}_r{res}_b{batch}_s{seed}" + ("_dist" if distillation else "") + ("_shift" if shift else "")


def write_f32(path, t):
    t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tofile(path)


def save_checkpoint(model_name, model, path):
    sd = model.state_dict()
    if model_name in efficientvit.CONFIGS or model_name in deit.CONFIGS or model_name in swin.CONFIGS:
        torch.save({"model": sd}, path)
    else:
        torch.save(sd, path)


def export_onnx(model, res, path):
    """The eval-mode model as ONNX: input "input" [N, 3, H, W] -> "logits" [N, classes], N dynamic."""
    x = make_input(res, 1, 0)
    kw = {"dynamo": False} if "dynamo" in torch.onnx.export.__code__.co_varnames else {}
    torch.onnx.export(model, (x,), path, input_names=["input"], output_names=["logits"], opset_version=17,
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, do_constant_folding=True, **kw)


def run_cases(cases, out, distillation=False, activations=False, verbose=True, onnx=False, shift=False):
    """cases: list of (model, res, batch, seed). Returns list of written json dicts."""
    os.makedirs(out, exist_ok=True)
    written = []
    groups = {}
    for c in cases:  # group by checkpoint identity, keep first-seen order
        groups.setdefault((c[0], c[1], c[3]), []).append(c[2])
    for (model_name, res, seed), batches in groups.items():
        torch.manual_seed(seed)
        model = randomize(build(model_name, res, distillation), seed).eval()
        if shift:
            shift_stream(model_name, model)
        params = sum(p.numel() for p in model.parameters())
        if onnx:
            export_onnx(model, res, os.path.join(out, f"{model_name}_r{res}_s{seed}" + ("_dist" if distillation else "") + ".onnx"))
        first_pth = None
        for batch in batches:
            t0 = time.time()
            name = case_name(model_name, res, batch, seed, distillation, shift)
            pth = os.path.join(out, name + ".pth")
            if os.path.exists(pth):
                os.remove(pth)
            if first_pth is None:
                save_checkpoint(model_name, model, pth)
                first_pth = pth
            else:  # identical checkpoint: hard link (copy if the filesystem refuses)
                try:
                    os.link(first_pth, pth)
                except OSError:
                    shutil.copyfile(first_pth, pth)
            x = make_input(res, batch, seed)
            with torch.no_grad():
                y, stages = model.forward_features(x)
            extra = {}
            if shift:
                y32 = y
                write_f32(os.path.join(out, name + ".torch32.f32"), y32)
                with torch.no_grad():
                    y = model.double().forward_features(x.double())[0].float()
                model.float()
                extra["torch_f32_vs_f64_maxdiff"] = float((y32 - y).abs().max())
            write_f32(os.path.join(out, name + ".input.f32"), x)
            write_f32(os.path.join(out, name + ".logits.f32"), y)
            meta = {
                "model": model_name, "res": res, "batch": batch, "seed": seed,
                "input_shape": list(x.shape), "logits_shape": list(y.shape),
                "logits_absmax": float(y.abs().max()), "params": params,
                "distillation": bool(distillation),
                "checkpoint": os.path.basename(pth),
                "checkpoint_layout": "{'model': state_dict}" if model_name in efficientvit.CONFIGS or model_name in deit.CONFIGS or model_name in swin.CONFIGS else "state_dict",
                "torch": torch.__version__, **extra,
            }
            if activations:
                acts = {}
                for k, v in stages.items():
                    fn = f"{name}.{k}.f32"
                    write_f32(os.path.join(out, fn), v)
                    acts[k] = {"file": fn, "shape": list(v.shape), "absmax": float(v.abs().max())}
                meta["activations"] = acts
            with open(os.path.join(out, name + ".json"), "w") as f:
                json.dump(meta, f, indent=1)
            written.append(meta)
            if verbose:
                print(f"{name}: logits_absmax={meta['logits_absmax']:.3f} params={params} "
                      f"({time.time() - t0:.2f}s)", flush=True)
    return written


def parse_cases(spec, default_seed):
    out = []
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        p = item.split(":")
        if len(p) not in (3, 4):
            raise SystemExit(f"bad case {item!r}: want MODEL:RES:BATCH[:SEED]")
        res = p[1] if "x" in p[1] else int(p[1])
        out.append((p[0], res, int(p[2]), int(p[3]) if len(p) == 4 else default_seed))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=MODELS)
    ap.add_argument("--res", type=int, default=224)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cases", help="comma-separated MODEL:RES:BATCH[:SEED] list")
    ap.add_argument("--matrix", action="store_true",
                    help="all EfficientViT M0-M5 x res {224,192,256} x batch {1,2}")
    ap.add_argument("--out", required=True)
    ap.add_argument("--distillation", action="store_true", help="EfficientViT: add head_dist")
    ap.add_argument("--activations", action="store_true", help="also write per-stage outputs")
    ap.add_argument("--shift", action="store_true",
                    help=f"EdgeViT, DeiT: residual stream offset by {SHIFT:g} (shift_stream), logits in float64")
    ap.add_argument("--onnx", action="store_true", help="also export each checkpoint's model to ONNX")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    cases = []
    if a.model:
        cases.append((a.model, a.res, a.batch, a.seed))
    if a.cases:
        cases += parse_cases(a.cases, a.seed)
    if a.matrix:
        cases += [(m, r, b, a.seed) for m in efficientvit.CONFIGS for r in (224, 192, 256) for b in (1, 2)]
    if not cases:
        ap.error("give --model, --cases or --matrix")
    for m, r, b, s in cases:
        if m not in MODELS:
            ap.error(f"unknown model {m!r}")
        if b < 1 or min(hw(r)) < 32:
            ap.error(f"bad res/batch in {m}:{r}:{b}")
    t0 = time.time()
    run_cases(cases, a.out, a.distillation, a.activations, verbose=not a.quiet, onnx=a.onnx, shift=a.shift)
    if not a.quiet:
        print(f"{len(cases)} case(s) in {time.time() - t0:.1f}s -> {a.out}")


if __name__ == "__main__":
    main()
