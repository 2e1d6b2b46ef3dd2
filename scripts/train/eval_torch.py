#!/usr/bin/env python3
"""PyTorch's predictions for the Fashion-MNIST test set with a trained checkpoint (the reference for
webvit's accuracy parity): the same preprocessing as training (train_fashion_mnist.py), eval mode.

  /usr/bin/python3 scripts/train/eval_torch.py CHECKPOINT.pth OUT.json

Writes {"checkpoint", "torch", "accuracy", "predictions": [10,000 class indices], "logits_head":
[[10 logits] for the first 500 images]} (the logits let tests check webvit's numbers, not only its argmax).
"""
import json, os, sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_fashion_mnist import CLASSES, RES, efficientvit, load_split, to_input  # noqa: E402

HEAD = 500


@torch.no_grad()
def main():
    ckpt, out = sys.argv[1], sys.argv[2]
    torch.set_num_threads(os.cpu_count() or 1)
    model = efficientvit.build('efficientvit_m0', img_size=RES, num_classes=len(CLASSES))
    sd = torch.load(ckpt, map_location='cpu')
    model.load_state_dict(sd.get('model', sd))
    model.eval()
    x, y = load_split('t10k')
    logits = torch.cat([model(to_input(x[i:i + 500])) for i in range(0, len(y), 500)])
    pred = logits.argmax(1)
    res = {
        'checkpoint': os.path.basename(ckpt), 'torch': torch.__version__,
        'accuracy': (pred == y).float().mean().item(), 'predictions': pred.tolist(),
        'logits_head': [[round(v, 6) for v in row] for row in logits[:HEAD].tolist()],
    }
    with open(out, 'w') as f:
        json.dump(res, f, separators=(',', ':'))
    print(f'{ckpt}: PyTorch top-1 {100 * res["accuracy"]:.2f}% on {len(y)} test images -> {out}')


if __name__ == '__main__':
    main()
