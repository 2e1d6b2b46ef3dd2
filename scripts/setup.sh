#!/usr/bin/env bash
# Installs what webvit needs on a fresh Debian machine: Chromium (its SwiftShader Vulkan driver runs
# WebGPU on the CPU, in the browser and for Node's Dawn), PyTorch and torchvision (golden outputs,
# the preprocessing reference), matplotlib's sample photos (preprocessing tests), Fashion-MNIST (the
# shipped model's test set: accuracy parity), Firefox ESR and Mesa's Vulkan drivers (the second
# WebGPU engine: wgpu/naga, on lavapipe where there is no GPU), npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
ldconfig -p 2>/dev/null | grep -q libvulkan.so.1 || need+=(libvulkan1)
[ -x /usr/bin/firefox-esr ] || need+=(firefox-esr)
ls /usr/share/vulkan/icd.d/lvp_icd.*.json >/dev/null 2>&1 || need+=(mesa-vulkan-drivers)
/usr/bin/python3 -c "import torch" 2>/dev/null || need+=(python3-torch)
/usr/bin/python3 -c "import torchvision" 2>/dev/null || need+=(python3-torchvision)
[ -f /usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg ] || need+=(python-matplotlib-data)
[ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] || need+=(dataset-fashion-mnist)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  echo "setup: installing ${need[*]} with apt" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
