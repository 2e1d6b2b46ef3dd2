#!/usr/bin/env python3
"""Writes src/labels/imagenet.json: the 1000 ImageNet-1k class names in class-index order, as
torchvision ships them (torchvision.models._meta._IMAGENET_CATEGORIES, Debian's python3-torchvision).
  /usr/bin/python3 scripts/labels/imagenet.py
"""
import json
import os

from torchvision.models._meta import _IMAGENET_CATEGORIES as names

assert len(names) == 1000, len(names)
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "labels", "imagenet.json")
with open(out, "w") as f:
    json.dump(names, f, indent=0, ensure_ascii=False)
    f.write("\n")
print(f"wrote {len(names)} names to {os.path.normpath(out)}")
