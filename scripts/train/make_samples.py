#!/usr/bin/env python3
"""Writes the demo's sample images: the first Fashion-MNIST test image of each class, as 28x28 grey
PNGs, and samples.json (file, label, test index). Usage: make_samples.py OUT_DIR"""
import json, os, sys

from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_fashion_mnist import CLASSES, read_idx  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
images, labels = read_idx('t10k-images-idx3-ubyte'), read_idx('t10k-labels-idx1-ubyte')
samples = []
for c, name in enumerate(CLASSES):
    i = int((labels == c).nonzero()[0][0])
    file = f'{i:04d}-{name.lower().replace("/", "-").replace(" ", "-")}.png'
    Image.fromarray(images[i]).save(os.path.join(out, file), optimize=True)
    samples.append({'file': file, 'label': name, 'index': i})
with open(os.path.join(out, 'samples.json'), 'w') as f:
    json.dump(samples, f, indent=1)
print(f'wrote {len(samples)} samples to {out}')
