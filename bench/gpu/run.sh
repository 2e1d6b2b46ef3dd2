#!/usr/bin/env bash
# The GPU benchmark kit: webvit (both kernel families, fused and unfused) against PyTorch eager and
# torch.compile (CUDA) and onnxruntime-node's WebGPU EP, on one NVIDIA GPU, from a copy of this tree
# plus .gpukit/ (bench/gpu/prepare.sh): no Node, no npm and no network needed there. bench/gpu/README.md.
#   bash bench/gpu/run.sh [--dry] [--models a,b] [--families gpu,cpu] [--part all|webvit|peers]
#                         [--merge RECORDS.tar.gz] [--kit DIR] [--results DIR] [--budget SECONDS]
#   --dry      here, on the CPU adapter (SwiftShader) and PyTorch on the CPU, batch 1 only; results to a
#              temporary folder unless --results names one
#   --families webvit's kernel families to measure, profile and tune (default both)
#   --part     webvit: setup, webvit, profile, tune; peers: setup, PyTorch, the ONNX export, onnxruntime
#   --merge    records.tar.gz of an earlier part's run, folded into this run's results
# Every step is time-boxed (the whole run ends inside --budget, default 450 s; --dry 600 s) and prints
# its elapsed time. Writes bench/results/gpu-DEVICE.{json,md}, and to $OUT (when set) those, the tuned
# entry, the profiles and the raw records (tar.gz) and the log.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO"
ALL=efficientvit_m0,efficientvit_m1,efficientvit_m2,efficientvit_m3,efficientvit_m4,efficientvit_m5,edgevit_xxs,edgevit_xs,edgevit_s,deit_tiny_patch16_224,swin_tiny_patch4_window7_224
PROFILED=efficientvit_m4,edgevit_xs,deit_tiny_patch16_224,swin_tiny_patch4_window7_224
DRY=0 MODELS=$ALL FAMILIES=gpu,cpu PART=all KIT="$REPO/.gpukit" RESULTS="" BUDGET="" MERGE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dry) DRY=1; shift ;;
    --models) MODELS=$2; shift 2 ;;
    --families) FAMILIES=$2; shift 2 ;;
    --part) PART=$2; shift 2 ;;
    --kit) KIT=$(cd "$2" && pwd); shift 2 ;;
    --results) mkdir -p "$2"; RESULTS=$(cd "$2" && pwd); shift 2 ;;
    --budget) BUDGET=$2; shift 2 ;;
    --merge) MERGE=$(readlink -f "$2"); shift 2 ;;
    *) echo "run.sh: unknown argument $1 (see the header of bench/gpu/run.sh)" >&2; exit 2 ;;
  esac
done
case "$PART" in all|webvit|peers) ;; *) echo "run.sh: --part must be all, webvit or peers" >&2; exit 2 ;; esac
T0=$(date +%s)
WORK=$(mktemp -d /tmp/webvit-gpukit.XXXXXX)
RT=$WORK/rt
# The knobs: --dry keeps every step but times as little as shows that it works (SwiftShader compiles
# a model's pipelines for tens of seconds on two cores; onnxruntime's first run takes ~40 s there).
if [ $DRY = 1 ]; then
  BATCHES=1 RESULTS=${RESULTS:-$WORK/results} BUDGET=${BUDGET:-600} CELL=60 RUNS=1 WARM=0 ORT_CELL=90 ORT_RUNS=1 EAGER_RUNS=3 NICE=0
  PROF=(--schedule fused --runs 1) TUNE=(--models "${MODELS%%,*}" --runs 1 --fields pointwise.wg --dry-run)
  BOX_WEBVIT=200 BOX_ORT=150 BOX_PROFILE=150 BOX_TUNE=150 BOX_COMPILE=60
else
  BATCHES=1,64 RESULTS=${RESULTS:-$REPO/bench/results} BUDGET=${BUDGET:-450} CELL=15 RUNS=10 WARM=1 ORT_CELL=10 ORT_RUNS=10 EAGER_RUNS=30 NICE=10
  PROF=(--runs 5) TUNE=(--models efficientvit_m0,edgevit_xxs --runs 3)
  BOX_WEBVIT=160 BOX_ORT=50 BOX_PROFILE=50 BOX_TUNE=120 BOX_COMPILE=45
fi
# Profiled: --dry, the models asked for; else those of PROFILED among them (or the first asked for).
if [ $DRY = 1 ]; then PROFILED=$MODELS
else P=$(tr ',' '\n' <<<"$PROFILED" | grep -x -F -f <(tr ',' '\n' <<<"$MODELS") | paste -sd, || true); PROFILED=${P:-${MODELS%%,*}}; fi
DEADLINE=$((T0 + BUDGET))
mkdir -p "$RESULTS" "$WORK/profiles"
exec > >(tee -a "$WORK/run.log") 2>&1
el() { echo $(( $(date +%s) - T0 )); }
say() { echo "[$(el)s] $*"; }
say "webvit GPU kit: work $WORK; models $MODELS; families $FAMILIES; batches $BATCHES; part $PART; budget ${BUDGET}s$([ $DRY = 1 ] && echo '; --dry')"
want() { [ "$PART" = all ] || [ "$PART" = "$1" ]; }

# Steps: begin NAME BOX (false when no time is left: recorded as skipped), boxed CMD… (the step's time
# left), end NAME RC [REASON]. Each step's record goes to steps.jsonl; report.js reads them.
clean() { tr -d '"\\' <<<"$1" | tr '\n' ' ' | cut -c1-300; }
rec() { printf '{"step":"%s","status":"%s","seconds":%d,"rc":%d,"reason":"%s"}\n' "$1" "$2" "$3" "$4" "$(clean "${5:-}")" >>"$WORK/steps.jsonl"; }
begin() {
  local left=$(( DEADLINE - $(date +%s) ))
  if [ $left -lt 5 ]; then say "== $1: skipped (the run's ${BUDGET}s budget is spent)"; rec "$1" skipped 0 0 "skipped: the run's ${BUDGET} s budget was spent"; return 1; fi
  STEP_T=$(date +%s); STEP_END=$(( STEP_T + ($2 < left ? $2 : left) )); say "== $1 (time box $(( STEP_END - STEP_T ))s)"
}
boxed() { local left=$(( STEP_END - $(date +%s) )); [ $left -ge 2 ] || return 124; timeout -k 5 "$left" "$@"; }
# boxed_to EPOCH_S CMD…: boxed, and stopped at EPOCH_S too (a model's process: a hang costs its share, not the step).
boxed_to() { local end=$(( $1 < STEP_END ? $1 : STEP_END )) left; shift; left=$(( end - $(date +%s) )); [ $left -ge 2 ] || return 124; timeout -k 5 "$left" "$@"; }
end() {
  local dt=$(( $(date +%s) - STEP_T )) st=ok
  case "$2" in 0) ;; 124|137) st=timeout ;; *) st=failed ;; esac
  rec "$1" "$st" "$dt" "$2" "${3:-$([ "$st" = ok ] || echo "exit $2; see run.log")}"; say "== $1: $st in ${dt}s"
}
skip() { say "== $1: skipped ($2)"; rec "$1" skipped 0 0 "$2"; }

# 1. Setup: Node, Dawn, onnxruntime-node out of the kit; the Vulkan loader; the adapter.
begin setup 90
[ -f "$KIT/bin/node.xz" ] || { say "no kit at $KIT: run bash bench/gpu/prepare.sh first (it makes .gpukit/)"; exit 1; }
# unxz SRC DEST: xz, or Python's lzma where the machine has no xz.
unxz() { if command -v xz >/dev/null; then xz -dc "$1" >"$2"; else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi; }
mkdir -p "$RT/bin" "$RT/node_modules"
unxz "$KIT/bin/node.xz" "$RT/bin/node" && chmod +x "$RT/bin/node"
NODE=$RT/bin/node
cp -r "$KIT/js" "$RT/js"
if want webvit; then
  mkdir -p "$RT/node_modules/webgpu/dist/linux-x64"
  cp "$KIT/webgpu/index.js" "$KIT/webgpu/package.json" "$RT/node_modules/webgpu/"
  unxz "$KIT/webgpu/dawn.node.xz" "$RT/node_modules/webgpu/dist/linux-x64/dawn.node"
  cp -r "$KIT/dist" "$RT/dist"
fi
if want peers; then
  cp -r "$KIT/ort/onnxruntime-node" "$KIT/ort/onnxruntime-common" "$RT/node_modules/"
  unxz "$KIT/ort/libonnxruntime.so.1.xz" "$RT/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1"
fi
cp "$KIT/meta.json" "$WORK/kit-meta.json"
say "node $("$NODE" --version) ($(du -sh "$RT" | cut -f1) unpacked)"
export WEBVIT_ROOT=$REPO XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp} PYTHONUNBUFFERED=1
# The checkout as this run finds it (before the tune step rewrites src/tuning/tuned.json).
git -C "$REPO" rev-parse HEAD >"$WORK/git-commit.txt" 2>/dev/null && git -C "$REPO" status --porcelain --untracked-files=no >"$WORK/git-status.txt" 2>/dev/null || rm -f "$WORK/git-commit.txt"
# A copy of the tree without .git: git answers from the kit's record of the checkout it was made from.
if ! git -C "$REPO" rev-parse HEAD >/dev/null 2>&1; then
  mkdir -p "$RT/shim"; C=$(sed -n 's/.*"commit": "\([0-9a-f]*\)".*/\1/p' "$KIT/meta.json")
  printf '#!/bin/sh\n# the kit'"'"'s record of the checkout (no .git here)\ncase "$*" in\n *rev-parse*--short=12*) [ -n "%s" ] && echo %s ;;\n *rev-parse*) [ -n "%s" ] && echo %s ;;\n *status*) cat "%s" ;;\n *) exit 1 ;;\nesac\n' \
    "$C" "${C:0:12}" "$C" "$C" "$KIT/git-status.txt" >"$RT/shim/git"; chmod +x "$RT/shim/git"; export PATH="$RT/shim:$PATH"
  say "no git repository here: commit $C from the kit's meta.json"
fi
# (Pipes into grep -q or head are avoided: under pipefail the writer's SIGPIPE would fail them.)
LDC=$(ldconfig -p 2>/dev/null || true)
if grep -q 'libvulkan.so.1 ' <<<"$LDC"; then VULKAN="system loader ($(grep 'libvulkan.so.1 ' <<<"$LDC" | sed -n '1s/.*=> //p'))"
elif [ $DRY = 1 ]; then VULKAN="none (--dry installs nothing into /)"
else
  DEBS=("$KIT"/debs/*.deb); for f in "${DEBS[@]}"; do dpkg -x "$f" /; done; ldconfig; VULKAN="installed from the kit's $(basename "${DEBS[0]}")"
fi
NV_ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ $DRY = 0 ] && [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ] && ! ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json >/dev/null 2>&1 && [ -f $NV_ICD ]; then
  export VK_DRIVER_FILES=$NV_ICD VK_ICD_FILENAMES=$NV_ICD; VULKAN="$VULKAN; VK_DRIVER_FILES=$NV_ICD"   # (the older name too, for an older loader)
fi
# --dry: both WebGPU runtimes (webvit's Dawn, onnxruntime's own) on the same CPU driver, SwiftShader.
SWIFTSHADER=/usr/lib/chromium/vk_swiftshader_icd.json
if [ $DRY = 1 ] && [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ] && [ -f $SWIFTSHADER ]; then export VK_ICD_FILENAMES=$SWIFTSHADER; VULKAN="$VULKAN; VK_ICD_FILENAMES=$SWIFTSHADER"; fi
say "Vulkan: $VULKAN"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,power.limit --format=csv || true
  Q=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader); Q=${Q%%$'\n'*}
  CU=$(nvidia-smi | grep -o 'CUDA Version: [0-9.]*' | cut -d' ' -f3 || true)
  IFS=',' read -r GNAME GDRV GMEM <<<"$Q"
  printf '{"name":"%s","driver":"%s","memory":"%s","cuda":"%s"}\n' "$(clean "$GNAME")" "$(clean "${GDRV# }")" "$(clean "${GMEM# }")" "${CU:-unknown}" >"$WORK/nvidia-smi.json"
else say "no nvidia-smi$([ $DRY = 1 ] && echo ' (--dry)')"; fi
PY=""
for p in ${PYTHON:-} python3 /usr/bin/python3; do "$p" -c 'import torch' >/dev/null 2>&1 && { PY=$p; break; }; done
end setup 0
# An earlier part's records (--merge): this run's steps are added to them, its files never replaced.
if [ -n "$MERGE" ]; then
  mkdir -p "$WORK/merge" && tar -xzf "$MERGE" -C "$WORK/merge"
  for f in "$WORK"/merge/*; do b=$(basename "$f"); case "$b" in steps.jsonl|args.json|git-*) ;; *) [ -e "$WORK/$b" ] || cp -r "$f" "$WORK/" ;; esac; done
  cat "$WORK/merge/steps.jsonl" "$WORK/steps.jsonl" >"$WORK/steps.all" 2>/dev/null; mv "$WORK/steps.all" "$WORK/steps.jsonl"
  MF=$(sed -n 's/.*"families":"\([^"]*\)".*/\1/p' "$WORK/merge/args.json" 2>/dev/null || true)
  [ "$PART" != peers ] || [ -z "$MF" ] || FAMILIES=$MF
  say "merged the records of $MERGE"
fi
ADAPTER_PROBLEM=""
if want webvit; then
  probe() { begin adapter 60 && { rc=0; boxed "$NODE" "$RT/js/kit.js" adapter --out "$WORK/adapter.json" || rc=$?; end adapter $rc; }; }
  probe
  fallback() { [ ! -f "$WORK/adapter.json" ] || grep -q '"isFallback": true' "$WORK/adapter.json"; }
  if [ $DRY = 0 ] && fallback && [ -z "${VK_DRIVER_FILES:-}" ] && [ -f $NV_ICD ]; then
    export VK_DRIVER_FILES=$NV_ICD VK_ICD_FILENAMES=$NV_ICD; VULKAN="$VULKAN; VK_DRIVER_FILES=$NV_ICD (after a first try without)"; say "retrying with VK_DRIVER_FILES=$NV_ICD"; probe
  fi
  if [ $DRY = 0 ] && fallback; then
    ADAPTER_PROBLEM="FAIL: webvit's WebGPU adapter is $([ -f "$WORK/adapter.json" ] && echo 'a CPU fallback' || echo 'missing'), not the NVIDIA GPU ($VULKAN)"
    say "$ADAPTER_PROBLEM"; rec adapter-check failed 0 3 "$ADAPTER_PROBLEM"
  fi
fi
NAME=unknown
[ -f "$WORK/adapter.json" ] && NAME=$(sed -n 's/.*"description": "\([^"]*\)".*/\1/p' "$WORK/adapter.json")
[ -f "$WORK/nvidia-smi.json" ] && NAME=$(sed -n 's/.*"name":"\([^"]*\)".*/\1/p' "$WORK/nvidia-smi.json")
NAME=${NAME:-unknown}
SLUG=$( echo "$NAME" | tr 'A-Z' 'a-z' | sed 's/[^a-z0-9]\{1,\}/-/g; s/^-//; s/-$//' )$([ $DRY = 1 ] && echo -dry || true)
say "device: $NAME → gpu-$SLUG"
DEV=$([ $DRY = 1 ] && echo cpu || echo cuda)

# The ONNX export (CPU, niced) runs beside the GPU steps: onnxruntime needs its files only at the end.
if want peers && [ -n "$PY" ]; then
  EXPORT_T=$(date +%s)
  timeout -k 5 $(( DEADLINE - EXPORT_T )) nice -n $NICE env CUDA_VISIBLE_DEVICES= OMP_NUM_THREADS=2 "$PY" bench/gpu/torch_bench.py export --models "$MODELS" --dir "$WORK/onnx" --out "$WORK/onnx-export.jsonl" --threads 2 >"$WORK/export.log" 2>&1 &
  EXPORT_PID=$!
fi

# share N: epoch ms by which the next of N models still to run must begin its last cell: an equal
# share of the step's time left (what a model leaves unused goes to the ones after it).
share() { local now; now=$(date +%s); echo $(( (now + (STEP_END - now) / $1) * 1000 )); }

# 2. webvit: one process per model (a crash or a hang costs that model only), each with its share of
# the time box; within a model the cells go in order of importance (gpu fused, cpu fused, then unfused).
if want webvit; then
  if [ -n "$ADAPTER_PROBLEM" ]; then skip webvit "skipped: $ADAPTER_PROBLEM"
  elif begin webvit $BOX_WEBVIT; then
    rc=0 n=$(tr ',' ' ' <<<"$MODELS" | wc -w)
    for m in ${MODELS//,/ }; do
      d=$(share $n); n=$((n - 1))
      boxed_to $(( d / 1000 + 2 * CELL + 20 )) "$NODE" "$RT/js/kit.js" webvit --models "$m" --batches "$BATCHES" --out "$WORK/webvit.jsonl" --families "$FAMILIES" --cell-s $CELL --runs $RUNS --warmup $WARM \
        --deadline $(( d < (STEP_END - CELL) * 1000 ? d : (STEP_END - CELL) * 1000 )) || { rc=$?; say "webvit $m: exit $rc"; }
    done
    end webvit $rc
  fi
fi

# 3. PyTorch on CUDA (--dry: the CPU): eager, then torch.compile where it works.
if want peers; then
  if [ -z "$PY" ]; then for s in torch-meta torch-eager torch-compile onnx-export ort; do skip $s "skipped: no python3 with torch found (set PYTHON=)"; done
  else
    if begin torch-meta 60; then rc=0; boxed "$PY" bench/gpu/torch_bench.py meta --device $DEV --out "$WORK/torch-meta.json" || rc=$?; end torch-meta $rc; fi
    if begin torch-eager 45; then rc=0; boxed "$PY" bench/gpu/torch_bench.py eager --device $DEV --models "$MODELS" --batches "$BATCHES" --out "$WORK/torch.jsonl" \
      --runs $EAGER_RUNS --deadline $(( STEP_END - 3 )) || rc=$?; end torch-eager $rc; fi
    if begin torch-compile $BOX_COMPILE; then rc=0; boxed "$PY" bench/gpu/torch_bench.py compile --device $DEV --models "$PROFILED,$MODELS" --batches "$BATCHES" --out "$WORK/torch.jsonl" \
      --runs $(( EAGER_RUNS < 20 ? EAGER_RUNS : 20 )) --budget-s $(( STEP_END - $(date +%s) - 5 )) || rc=$?; end torch-compile $rc; fi
    # 4. onnxruntime-node, WebGPU EP, on the exported files.
    # The export gets at most 30 s more (the files done by then are used; the others are recorded as not exported).
    for _ in $(seq 30); do kill -0 "$EXPORT_PID" 2>/dev/null || break; sleep 1; done
    kill -0 "$EXPORT_PID" 2>/dev/null && { say "onnx-export: still running after the PyTorch steps and 30 s more: stopped"; kill "$EXPORT_PID" 2>/dev/null || true; }
    erc=0; wait "$EXPORT_PID" || erc=$?
    est=$(case $erc in 0) echo ok ;; 124|137|143) echo timeout ;; *) echo failed ;; esac); edt=$(( $(date +%s) - EXPORT_T ))
    rec onnx-export "$est" $edt "$erc" "$([ "$erc" = 0 ] || grep -v -i 'warn\|^ ' "$WORK/export.log" | tail -2)"
    nok=$(grep -s -c '"ok"' "$WORK/onnx-export.jsonl" || true); say "== onnx-export: $est in ${edt}s (${nok:-0} of the models exported, beside the GPU steps)"
    if begin ort $BOX_ORT; then
      rc=0 n=$(tr ',' ' ' <<<"$MODELS" | wc -w)
      for m in ${MODELS//,/ }; do
        d=$(share $n); n=$((n - 1))
        boxed_to $(( d / 1000 + 2 * ORT_CELL + 20 )) "$NODE" "$RT/js/kit.js" ort --models "$m" --batches "$BATCHES" --onnx-dir "$WORK/onnx" --out "$WORK/ort.jsonl" --cell-s $ORT_CELL \
          --runs $ORT_RUNS --warmup $WARM --deadline $(( d < (STEP_END - 5) * 1000 ? d : (STEP_END - 5) * 1000 )) || { rc=$?; say "ort $m: exit $rc"; }
      done
      end ort $rc
    fi
  fi
fi

# 5. webvit profile --project h100, both families; 6. npm run tune's sweep on this adapter.
if want webvit; then
  if [ -n "$ADAPTER_PROBLEM" ]; then skip profile "skipped: $ADAPTER_PROBLEM"; skip tune "skipped: $ADAPTER_PROBLEM"
  else
    PROJECT=(--project h100)
    HELP=$("$NODE" "$RT/dist/cli.js" help 2>&1 || true)
    grep -q -- '--project' <<<"$HELP" || { PROJECT=(); say "this cli.js has no --project: profiles without projection"; }
    if begin profile $BOX_PROFILE; then
      rc=0
      for m in ${PROFILED//,/ }; do for k in ${FAMILIES//,/ }; do
        t=$(date +%s); r=0
        boxed "$NODE" "$RT/dist/cli.js" profile --model "$m" --kernels $k "${PROF[@]}" "${PROJECT[@]}" --json "$WORK/profiles/$m-$k.json" >"$WORK/profiles/$m-$k.txt" 2>&1 || { r=$?; rc=$r; }
        printf '{"model":"%s","kernels":"%s","file":"%s","rc":%d,"seconds":%d,"status":"%s","log":"profiles/%s"}\n' "$m" $k "$m-$k.json" $r $(( $(date +%s) - t )) "$([ $r = 0 ] && echo ok || echo failed)" "$m-$k.txt" >>"$WORK/profile.jsonl"
        say "profile $m $k: exit $r"
      done; done
      end profile $rc
    fi
    if begin tune $BOX_TUNE; then
      rc=0
      [ -z "${TUNE_FIELDS:-}" ] || TUNE+=(--fields "$TUNE_FIELDS")   # e.g. TUNE_FIELDS=kernels,matmul.wg: a shorter sweep
      boxed "$NODE" "$RT/js/tune.js" "${TUNE[@]}" --out "$WORK/tuning" >"$WORK/tune.out" 2>&1 || rc=$?
      tail -4 "$WORK/tune.out"; end tune $rc
    fi
  fi
fi

# 7. The results: JSON and Markdown, to bench/results (or --results) and $OUT.
IFS=',' read -ra BA <<<"$BATCHES"; IFS=',' read -ra MA <<<"$MODELS"
printf '{"date":"%s","dry":%s,"part":"%s","families":"%s","models":[%s],"batches":[%s],"slug":"%s","vulkan":"%s","budgetS":%d,"adapterProblem":"%s"}\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  "$([ $DRY = 1 ] && echo true || echo false)" "$PART" "$FAMILIES" "$(printf '"%s",' "${MA[@]}" | sed 's/,$//')" "$(IFS=,; echo "${BA[*]}")" "$SLUG" "$(clean "$VULKAN")" "$BUDGET" "$(clean "$ADAPTER_PROBLEM")" >"$WORK/args.json"
STEP_T=$(date +%s); STEP_END=$(( STEP_T + 60 )); rc=0
boxed "$NODE" "$RT/js/report.js" assemble --work "$WORK" --out "$RESULTS/gpu-$SLUG.json" --tuned "$WORK/tuned-entry.json" || rc=$?
boxed "$NODE" "$RT/js/report.js" md "$RESULTS/gpu-$SLUG.json" --out "$RESULTS/gpu-$SLUG.md" || rc=$?
end report $rc
(cd "$WORK" && tar -czf records.tar.gz --exclude=rt --exclude=onnx --exclude=results --exclude=merge --exclude='*.tar.gz' --exclude=run.log -- *)
[ -d "$WORK/profiles" ] && (cd "$WORK" && tar -czf profiles.tar.gz profiles)
say "results: $RESULTS/gpu-$SLUG.json and .md; total $(el)s"
if [ -n "${OUT:-}" ]; then
  cp "$RESULTS/gpu-$SLUG.json" "$RESULTS/gpu-$SLUG.md" "$WORK/records.tar.gz" "$OUT/" 2>/dev/null || true
  for f in tuned-entry.json profiles.tar.gz; do [ -f "$WORK/$f" ] && cp "$WORK/$f" "$OUT/"; done
  sleep 1; cp "$WORK/run.log" "$OUT/run.log"
fi
rm -rf "$RT" "$WORK/onnx"   # the unpacked runtime and the ONNX files (the records stay)
echo "WORK=$WORK"
[ -z "$ADAPTER_PROBLEM" ] || exit 3
