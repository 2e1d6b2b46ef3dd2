#!/usr/bin/env python3
"""The PyTorch side of the GPU benchmark kit (bench/gpu/run.sh runs it; see bench/gpu/README.md).

The models are the repository's golden definitions (scripts/golden/: EfficientViT M0-M5, EdgeViT
XXS/XS/S, DeiT-T, Swin-T), built and given seeded random weights as make_golden.py does; time does
not depend on the values. float32 throughout: TF32 is switched off for matmuls and convolutions, so
PyTorch computes what webvit computes (pass --tf32 to leave PyTorch's defaults).

  torch_bench.py meta --out META.json [--device cuda|cpu]
  torch_bench.py eager   --models a,b --batches 1,64 --out F.jsonl [--device cuda] [--runs 30] [--deadline EPOCH_S]
  torch_bench.py compile --models a,b --batches 1,64 --out F.jsonl [--budget-s 90] [--deadline EPOCH_S]
  torch_bench.py export  --models a,b --dir ONNX_DIR --out F.jsonl [--threads 2]

eager/compile: warm-up, then `--runs` timed forwards; on CUDA each timed by CUDA events around the
forward with the input already on the GPU (its GPU-side latency, launch gaps included), plus the wall
time of host input -> logits on the host; on the CPU (the kit's --dry) by the wall clock. Each cell is
appended to the JSONL file as soon as it is measured.
export: torch.onnx.export as make_golden.py does it (opset 17, batch dimension dynamic), one file per
model, for onnxruntime-node's WebGPU EP.
"""
import argparse
import json
import os
import statistics
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts", "golden"))

import torch  # noqa: E402

import make_golden  # noqa: E402

RES = 224


def record(path, **kw):
    with open(path, "a") as f:
        f.write(json.dumps(kw) + "\n")


def reason(e):
    lines = [l for l in str(e).strip().splitlines() if l.strip()]
    return f"{type(e).__name__}: {lines[0] if lines else ''}"[:400]


def build(name, device):
    return make_golden.randomize(make_golden.build(name, RES, False), 0).eval().to(device)


def sync(device):
    if device == "cuda":
        torch.cuda.synchronize()


def time_forward(fn, x, device, runs, warmup, cell_s):
    """(median GPU-side ms or None, median wall ms, runs): CUDA events on CUDA, the wall clock always."""
    with torch.no_grad():
        for _ in range(warmup):
            fn(x)
        sync(device)
        until = time.time() + cell_s
        gpu, wall = [], []
        xc = x.cpu()
        for i in range(runs):
            if i >= 3 and time.time() > until:
                break
            if device == "cuda":
                s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                s.record()
                fn(x)
                e.record()
                e.synchronize()
                gpu.append(s.elapsed_time(e))
            t = time.perf_counter()
            fn(xc.to(device)).cpu()
            sync(device)
            wall.append(1000 * (time.perf_counter() - t))
    return (statistics.median(gpu) if gpu else None), statistics.median(wall), len(wall), gpu, wall


def cell(out, runtime, model, batch, fn, x, a, extra=None, warmup=5):
    ms, wall, n, gpu, walls = time_forward(fn, x, a.device, a.runs, warmup, a.cell_s)
    key = ms if ms is not None else wall
    r = dict(runtime=runtime, model=model, batch=batch, status="ok", device=a.device,
             method="CUDA events (input on the GPU)" if ms is not None else "wall clock (CPU)",
             ms=round(key, 4), wallMs=round(wall, 4), imagesPerSec=round(1000 * batch / key, 3), runs=n,
             times=[round(t, 4) for t in (gpu or walls)], **(extra or {}))
    record(out, **r)
    print(f"{runtime} {model} b{batch}: {key:.3f} ms ({r['method']}), wall {wall:.3f} ms, {n} runs", flush=True)


def spent(a):
    return a.deadline and time.time() > a.deadline


def eager(a):
    for name in a.models:
        try:
            model = build(name, a.device)
        except Exception as e:  # noqa: BLE001
            for b in a.batches:
                record(a.out, runtime="torch-eager", model=name, batch=b, status="failed", reason="failed: building the model: " + reason(e))
            continue
        for b in a.batches:
            if spent(a):
                record(a.out, runtime="torch-eager", model=name, batch=b, status="skipped", reason="skipped: the step's time budget was spent")
                continue
            try:
                x = torch.randn(b, 3, RES, RES, device=a.device)
                cell(a.out, "torch-eager", name, b, model, x, a)
            except Exception as e:  # noqa: BLE001
                record(a.out, runtime="torch-eager", model=name, batch=b, status="failed", reason="failed: " + reason(e))
        del model
        if a.device == "cuda":
            torch.cuda.empty_cache()


def compiled(a):
    if not hasattr(torch, "compile"):
        for name in a.models:
            for b in a.batches:
                record(a.out, runtime="torch-compile", model=name, batch=b, status="unavailable",
                       reason=f"unavailable: torch {torch.__version__} has no torch.compile (2.0+)")
        print(f"torch.compile unavailable in torch {torch.__version__}", flush=True)
        return
    t0 = time.time()
    for name in a.models:
        for b in a.batches:
            left = a.budget_s - (time.time() - t0)
            if spent(a) or left < 10:
                record(a.out, runtime="torch-compile", model=name, batch=b, status="skipped",
                       reason=f"skipped: torch.compile's time budget ({a.budget_s:.0f} s) was spent")
                continue
            try:
                model = build(name, a.device)
                fn = torch.compile(model, dynamic=False)
                x = torch.randn(b, 3, RES, RES, device=a.device)
                tc = time.time()
                with torch.no_grad():
                    fn(x)
                sync(a.device)
                compile_s = time.time() - tc
                cell(a.out, "torch-compile", name, b, fn, x, a, extra={"compileS": round(compile_s, 2), "mode": "default, dynamic=False"}, warmup=3)
            except Exception as e:  # noqa: BLE001
                record(a.out, runtime="torch-compile", model=name, batch=b, status="failed", reason="failed: " + reason(e))
                print(f"torch.compile {name} b{b}: FAILED {reason(e)}", flush=True)
            finally:
                torch._dynamo.reset()


def export(a):
    torch.set_num_threads(a.threads)
    os.makedirs(a.dir, exist_ok=True)
    for name in a.models:
        t = time.time()
        path = os.path.join(a.dir, f"{name}.onnx")
        try:
            model = build(name, "cpu")
            try:
                make_golden.export_onnx(model, RES, path)
                how = "torch.onnx.export (TorchScript exporter where torch has dynamo=, opset 17)"
            except Exception as e:  # noqa: BLE001 - the legacy exporter gone or failing: the dynamo one
                if "dynamo" not in torch.onnx.export.__code__.co_varnames:
                    raise
                print(f"export {name}: the TorchScript exporter failed ({reason(e)}); trying dynamo=True", flush=True)
                x = make_golden.make_input(RES, 1, 0)
                torch.onnx.export(model, (x,), path, input_names=["input"], output_names=["logits"], opset_version=18, dynamo=True,
                                  dynamic_shapes=({0: torch.export.Dim("batch", min=1, max=1024)},))
                how = "torch.onnx.export(dynamo=True, opset 18)"
            record(a.out, model=name, status="ok", file=path, seconds=round(time.time() - t, 2), exporter=how, bytes=os.path.getsize(path))
            print(f"export {name}: {time.time() - t:.1f} s", flush=True)
        except Exception as e:  # noqa: BLE001
            record(a.out, model=name, status="failed", reason="failed: " + reason(e), seconds=round(time.time() - t, 2))
            print(f"export {name}: FAILED {reason(e)}", flush=True)
            traceback.print_exc()


def meta(a):
    m = {"torch": torch.__version__, "cuda": torch.version.cuda or "none", "python": sys.version.split()[0],
         "cudnn": str(torch.backends.cudnn.version()) if torch.backends.cudnn.is_available() else "none",
         "compile": "available" if hasattr(torch, "compile") else f"unavailable (torch {torch.__version__})",
         "tf32": bool(a.tf32), "device": a.device}
    if a.device == "cuda":
        p = torch.cuda.get_device_properties(0)
        m.update(gpu=p.name, multiprocessors=p.multi_processor_count, memoryGiB=round(p.total_memory / 2**30, 1))
    try:
        import onnx  # noqa: F401
        m["onnx"] = onnx.__version__
    except ImportError:
        m["onnx"] = "not installed"
    with open(a.out, "w") as f:
        json.dump(m, f, indent=1)
    print(json.dumps(m), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["meta", "eager", "compile", "export"])
    ap.add_argument("--models", default=",".join(make_golden.MODELS))
    ap.add_argument("--batches", default="1,64")
    ap.add_argument("--out", required=True)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--cell-s", type=float, default=15)
    ap.add_argument("--budget-s", type=float, default=90)
    ap.add_argument("--deadline", type=float, default=0, help="epoch seconds: cells not begun by then are skipped")
    ap.add_argument("--dir", default="onnx")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tf32", action="store_true")
    a = ap.parse_args()
    a.models = list(dict.fromkeys(m for m in a.models.split(",") if m))  # in order, once each
    a.batches = [int(b) for b in a.batches.split(",")]
    for m in a.models:
        if m not in make_golden.MODELS:
            ap.error(f"unknown model {m!r}")
    if a.device == "cuda" and not a.tf32:
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(0)
    {"meta": meta, "eager": eager, "compile": compiled, "export": export}[a.command](a)


if __name__ == "__main__":
    main()
