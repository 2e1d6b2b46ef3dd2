#!/usr/bin/env bash
# Makes the GPU benchmark kit, .gpukit/ (git-ignored), on this machine: everything bench/gpu/run.sh
# needs on a Linux x86-64 GPU machine that has Python with PyTorch but no Node, no npm and no network.
#   bash bench/gpu/prepare.sh [--out DIR] [--fast] [--part all|webvit|peers]
#   --out DIR   the kit elsewhere (default .gpukit in the repository)
#   --fast      xz -0 instead of -9 (for tests: bigger, seconds instead of minutes)
#   --part P    webvit: Node, Dawn and the bundles only; peers: Node and onnxruntime-node only
#               (for two device calls when the whole kit would not travel: bench/gpu/README.md)
# What it holds:
#   bin/node.xz                 this machine's Node (x86-64, linked to libc and libstdc++ only)
#   webgpu/                     npm webgpu's index.js and package.json, dawn.node.xz (linux-x64)
#   ort/                        onnxruntime-node (dist JS, binding, libonnxruntime.so.1.xz) and onnxruntime-common
#   js/kit.js, tune.js, report.js, dist/cli.js, dist/webvit.node.js   (bench/gpu/build-kit.ts)
#   debs/libvulkan1_*.deb       Debian's Vulkan loader, for a machine without one
#   meta.json, git-status.txt   commit, whether the tree was dirty, versions (for the results' provenance)
# Compressed files are kept between runs and made again only when their source changes.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO"
OUT="$REPO/.gpukit" LEVEL=-9 PART=all
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$(mkdir -p "$2" && cd "$2" && pwd); shift 2 ;;
    --fast) LEVEL=-0; shift ;;
    --part) PART=$2; shift 2 ;;
    *) echo "prepare.sh: unknown argument $1 (see the header of bench/gpu/prepare.sh)" >&2; exit 2 ;;
  esac
done
case "$PART" in all|webvit|peers) ;; *) echo "prepare.sh: --part must be all, webvit or peers" >&2; exit 2 ;; esac
t0=$(date +%s)
NODE_BIN=$(readlink -f "${NODE_BIN:-$(command -v node)}")
[ "$(uname -m)" = x86_64 ] || { echo "prepare.sh: this machine is $(uname -m); the kit carries x86-64 binaries: run it on an x86-64 machine" >&2; exit 1; }
LIBS=$(ldd "$NODE_BIN" | grep -v -E 'linux-vdso|ld-linux|lib(c|m|dl|rt|pthread|stdc\+\+|gcc_s)\.so' || true)
if grep -q '=>' <<<"$LIBS"; then
  echo "prepare.sh: $NODE_BIN links to more than libc/libstdc++ (ldd below); the kit needs a self-contained Node binary" >&2; ldd "$NODE_BIN" >&2; exit 1
fi
[ -d node_modules/esbuild ] && [ -f node_modules/webgpu/dist/linux-x64/dawn.node ] || npm ci --no-audit --no-fund
PEERS=bench/peers/node_modules
if [ "$PART" != webvit ] && [ ! -f $PEERS/onnxruntime-node/package.json ]; then
  (cd bench/peers && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund)
fi

# pack SRC DEST: xz SRC into DEST unless DEST was made from this SRC (size, mtime) at this level.
pack() {
  local stamp; stamp="$(stat -c '%s %Y' "$1") $LEVEL"
  if [ -f "$2" ] && [ "$(cat "$2.stamp" 2>/dev/null)" = "$stamp" ]; then echo "prepare: $2 is up to date"; return; fi
  echo "prepare: xz $LEVEL $1 → $2 …"
  xz -T2 "$LEVEL" -c "$1" >"$2.tmp" && mv "$2.tmp" "$2" && echo "$stamp" >"$2.stamp"
}

mkdir -p "$OUT/bin"
rm -rf "$OUT/js" "$OUT/dist"
node --import tsx bench/gpu/build-kit.ts "$OUT"
pack "$NODE_BIN" "$OUT/bin/node.xz"

if [ "$PART" != peers ]; then
  mkdir -p "$OUT/webgpu"
  cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$OUT/webgpu/"
  pack node_modules/webgpu/dist/linux-x64/dawn.node "$OUT/webgpu/dawn.node.xz"
else rm -rf "$OUT/webgpu" "$OUT/dist"; fi

if [ "$PART" != webvit ]; then
  ORT=$PEERS/onnxruntime-node
  mkdir -p "$OUT/ort/onnxruntime-node/dist" "$OUT/ort/onnxruntime-node/bin/napi-v6/linux/x64" "$OUT/ort/onnxruntime-common"
  cp $ORT/package.json "$OUT/ort/onnxruntime-node/"
  cp $ORT/dist/*.js "$OUT/ort/onnxruntime-node/dist/"
  cp $ORT/bin/napi-v6/linux/x64/onnxruntime_binding.node "$OUT/ort/onnxruntime-node/bin/napi-v6/linux/x64/"
  pack $ORT/bin/napi-v6/linux/x64/libonnxruntime.so.1 "$OUT/ort/libonnxruntime.so.1.xz"
  rm -rf "$OUT/ort/onnxruntime-common"/*
  cp $PEERS/onnxruntime-common/package.json "$OUT/ort/onnxruntime-common/"
  (cd $PEERS/onnxruntime-common && find dist -name '*.js' -print0 | xargs -0 cp --parents -t "$OUT/ort/onnxruntime-common/")
  if ! grep -q -a WebGpuExecutionProvider $ORT/bin/napi-v6/linux/x64/libonnxruntime.so.1; then
    echo "prepare: WARNING: this libonnxruntime.so.1 names no WebGpuExecutionProvider: the ORT step will record the EP as missing" >&2
  fi
else rm -rf "$OUT/ort"; fi

# Debian's Vulkan loader: apt-get download (apt here reaches Debian's mirror), else apt's cache.
mkdir -p "$OUT/debs"
if ! ls "$OUT"/debs/libvulkan1_*_amd64.deb >/dev/null 2>&1; then
  (cd "$OUT/debs" && timeout 120 apt-get download libvulkan1:amd64 >/dev/null 2>&1) ||
    cp /var/cache/apt/archives/libvulkan1_*_amd64.deb "$OUT/debs/" 2>/dev/null ||
    echo "prepare: WARNING: no libvulkan1 .deb (apt-get download failed, none in apt's cache): a GPU machine without a Vulkan loader will fail" >&2
fi

# Provenance of what travels: the commit and state of this checkout now (run.sh answers git with it where the copy has no .git).
commit=$(git rev-parse HEAD 2>/dev/null || echo "not recorded")
git status --porcelain --untracked-files=no >"$OUT/git-status.txt" 2>/dev/null || true
ver() { node -p "require('./$1/package.json').version" 2>/dev/null || echo "not installed"; }
cat >"$OUT/meta.json" <<EOF
{"commit": "$commit", "dirty": $([ -s "$OUT/git-status.txt" ] && echo true || echo false), "prepared": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
 "part": "$PART", "node": "$("$NODE_BIN" --version)", "webgpu": "$(ver node_modules/webgpu)", "onnxruntime-node": "$(ver $PEERS/onnxruntime-node)",
 "vulkanDeb": "$(basename "$(compgen -G "$OUT/debs/libvulkan1_*.deb" || echo none)")"}
EOF

# Sizes: the kit, and everything that travels with a device call (tracked + untracked-not-ignored files, the kit).
kit=$(du -sb "$OUT" | cut -f1)
tree=$(git ls-files -z --cached --others --exclude-standard | xargs -0 stat -c %s 2>/dev/null | awk '{s+=$1} END {print s+0}')
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "prepare: kit $OUT: $(mib "$kit"); the tree that travels: $(mib "$tree"); total $(mib $(( tree + kit ))) (limit 64 MiB) [$(( $(date +%s) - t0 )) s]"
if [ $(( tree + kit )) -gt $(( 60 * 1048576 )) ] && [ "$PART" = all ]; then
  echo "prepare: over ~60 MiB: make and send the kit in two parts (bench/gpu/README.md): prepare.sh --part webvit, run.sh --part webvit; then prepare.sh --part peers, run.sh --part peers" >&2
fi
