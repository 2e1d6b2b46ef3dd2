#!/usr/bin/env python3
"""Trains webvit's shipped default: EfficientViT-M0 (the upstream architecture and key names, from
scripts/golden/efficientvit.py) on Fashion-MNIST (Debian's dataset-fashion-mnist), 10 classes, grey
images as 3 channels at 64x64. Seeded and single-process, so a rerun on the same machine gives the
same checkpoint.

  /usr/bin/python3 scripts/train/train_fashion_mnist.py --out weights/efficientvit_m0_fashion.pth [--epochs 10]

Preprocessing (training and inference alike): the 28x28 image resized to 64x64 (bilinear,
antialiased: torchvision / Pillow), as RGB (grey repeated), ToTensor, Normalize(mean, std) below.
Training adds a random crop (padding 4) and horizontal flips. AdamW (lr 2e-3, weight decay 0.05),
cosine schedule with one warm-up epoch, label smoothing 0.1, batch 128.

Writes the checkpoint as upstream saves it ({'model': state_dict}) and OUT.json: the preprocessing,
the class names, the test accuracy of every epoch and how long it took.
"""
import argparse, gzip, json, math, os, struct, sys, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'golden'))
import efficientvit  # noqa: E402

DATA = '/usr/share/datasets/fashion-mnist'
CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']
RES = 64
MEAN, STD = 0.2860, 0.3530  # Fashion-MNIST's training-set pixel mean and standard deviation (in [0, 1])


def find(name):
    for root, _, files in os.walk(DATA):
        for f in files:
            if f.startswith(name):
                return os.path.join(root, f)
    raise SystemExit(f'{name}* not found under {DATA}: apt install dataset-fashion-mnist')


def read_idx(name):
    path = find(name)
    with (gzip.open if path.endswith('.gz') else open)(path, 'rb') as f:
        data = f.read()
    magic, = struct.unpack('>I', data[:4])
    dims = [struct.unpack('>I', data[4 + 4 * i:8 + 4 * i])[0] for i in range(magic & 0xff)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def resized(images):
    """28x28 uint8 -> 64x64 uint8, Pillow's antialiased bilinear (what webvit's preprocessing reproduces)."""
    return np.stack([np.asarray(Image.fromarray(im).resize((RES, RES), Image.BILINEAR)) for im in images])


def to_input(u8):
    x = torch.from_numpy(u8).float().div_(255).sub_(MEAN).div_(STD)
    return x.unsqueeze(1).expand(-1, 3, -1, -1)


def load_split(kind):
    x = read_idx(f'{kind}-images-idx3-ubyte')
    y = read_idx(f'{kind}-labels-idx1-ubyte')
    return resized(x), torch.from_numpy(y.astype(np.int64))


@torch.no_grad()
def evaluate(model, x, y, batch=500):
    model.eval()
    correct = 0
    for i in range(0, len(y), batch):
        correct += (model(to_input(x[i:i + batch])).argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(y)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', required=True)
    ap.add_argument('--epochs', type=int, default=10)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    torch.set_num_threads(a.threads)
    t0 = time.time()
    xtr, ytr = load_split('train')
    xte, yte = load_split('t10k')
    print(f'data: {len(ytr)} train, {len(yte)} test images at {RES}x{RES} ({time.time() - t0:.1f}s)', flush=True)

    model = efficientvit.build('efficientvit_m0', img_size=RES, num_classes=len(CLASSES))
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.05)
    batch, steps_per_epoch = 128, math.ceil(len(ytr) / 128)
    total = a.epochs * steps_per_epoch
    lr_at = lambda s: 2e-3 * (s / steps_per_epoch if s < steps_per_epoch else 0.5 * (1 + math.cos(math.pi * (s - steps_per_epoch) / (total - steps_per_epoch))))
    g = torch.Generator().manual_seed(a.seed)
    history, step = [], 0
    for epoch in range(a.epochs):
        model.train()
        te = time.time()
        order = torch.randperm(len(ytr), generator=g)
        for i in range(0, len(ytr), batch):
            idx = order[i:i + batch]
            x = to_input(xtr[idx.numpy()])
            # Augmentation: random crop with 4 pixels of (normalised-zero) padding, horizontal flip.
            x = F.pad(x, (4, 4, 4, 4))
            dx, dy = torch.randint(0, 9, (2,), generator=g).tolist()
            x = x[:, :, dy:dy + RES, dx:dx + RES]
            if torch.rand(1, generator=g).item() < 0.5:
                x = x.flip(3)
            for group in opt.param_groups:
                group['lr'] = lr_at(step)
            loss = F.cross_entropy(model(x), ytr[idx], label_smoothing=0.1)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
        acc = evaluate(model, xte, yte)
        history.append({'epoch': epoch + 1, 'test_top1': acc, 'seconds': round(time.time() - te, 1)})
        print(f'epoch {epoch + 1}/{a.epochs}: loss {loss.item():.3f}, test top-1 {100 * acc:.2f}% ({time.time() - te:.0f}s)', flush=True)

    model.eval()
    torch.save({'model': model.state_dict()}, a.out)
    meta = {
        'model': 'efficientvit_m0', 'num_classes': len(CLASSES), 'classes': CLASSES,
        'preprocess': {'resolution': RES, 'resize': RES, 'crop': RES, 'grey': True, 'mean': [MEAN] * 3, 'std': [STD] * 3},
        'dataset': 'Fashion-MNIST (Debian dataset-fashion-mnist), 60,000 train / 10,000 test',
        'recipe': f'{a.epochs} epochs, AdamW lr 2e-3 wd 0.05, cosine, 1 warm-up epoch, batch 128, label smoothing 0.1, random crop (pad 4) + flip, seed {a.seed}',
        'test_top1': history[-1]['test_top1'], 'history': history, 'torch': torch.__version__,
        'train_seconds': round(time.time() - t0, 1), 'threads': a.threads,
    }
    with open(os.path.splitext(a.out)[0] + '.json', 'w') as f:
        json.dump(meta, f, indent=1)
    print(f'wrote {a.out}: test top-1 {100 * history[-1]["test_top1"]:.2f}%')


if __name__ == '__main__':
    main()
