#!/usr/bin/env python3
"""Reference inputs for webvit's image preprocessing: torchvision's evaluation transform
(Resize(int(res*256/224)) -> CenterCrop(res) -> ToTensor -> Normalize(ImageNet)) on real photos at
odd sizes, from Debian's python3-torchvision and the photos in python-matplotlib-data.

  /usr/bin/python3 scripts/golden/make_preprocess.py --out DIR

Writes NAME.png (the decoded pixels, lossless, so a PNG decoder sees exactly what PIL saw),
NAME.r{RES}.f32 (float32 [3, RES, RES]) for each resolution, grace_hopper.jpg (the JPEG itself, to
measure what a different JPEG decoder changes) with its own references, and cases.json.
"""
import argparse
import json
import os
import shutil

import numpy as np
import torch
from PIL import Image
from torchvision import transforms

SAMPLES = "/usr/share/matplotlib/mpl-data/sample_data"
RESOLUTIONS = [224, 192, 64]


def transform(res):
    return transforms.Compose([
        transforms.Resize(int(res * 256 / 224)),
        transforms.CenterCrop(res),
        transforms.ToTensor(),
        transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
    ])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    out = ap.parse_args().out
    os.makedirs(out, exist_ok=True)
    hopper = Image.open(os.path.join(SAMPLES, "grace_hopper.jpg")).convert("RGB")  # 512 x 600
    present = Image.open(os.path.join(SAMPLES, "Minduka_Present_Blue_Pack.png"))  # 128 x 128 RGBA
    cases = {
        "hopper_512x600": hopper,                                   # portrait, downscale
        "hopper_509x343": hopper.crop((1, 100, 510, 443)),          # landscape, odd both ways
        "hopper_317x593": hopper.crop((97, 3, 414, 596)),           # tall and narrow
        "hopper_255x255": hopper.crop((130, 120, 385, 375)),        # square, just under 256: upscale
        "hopper_97x131": hopper.crop((200, 150, 297, 281)),         # tiny: strong upscale
        "hopper_427x500": hopper.resize((427, 500), Image.LANCZOS), # a resized photo
        "present_128x128": present,                                 # RGBA: alpha dropped as convert('RGB') does
    }
    meta = []
    for name, im in cases.items():
        im.save(os.path.join(out, f"{name}.png"))
        rgb = im.convert("RGB")
        for res in RESOLUTIONS:
            transform(res)(rgb).numpy().astype("<f4").tofile(os.path.join(out, f"{name}.r{res}.f32"))
        meta.append({"name": name, "file": f"{name}.png", "width": im.size[0], "height": im.size[1]})
    shutil.copyfile(os.path.join(SAMPLES, "grace_hopper.jpg"), os.path.join(out, "grace_hopper.jpg"))
    for res in RESOLUTIONS:
        transform(res)(hopper).numpy().astype("<f4").tofile(os.path.join(out, f"grace_hopper.jpg.r{res}.f32"))
    meta.append({"name": "grace_hopper.jpg", "file": "grace_hopper.jpg", "width": 512, "height": 600, "jpeg": True})
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump({"resolutions": RESOLUTIONS, "cases": meta, "torch": torch.__version__}, f, indent=1)


if __name__ == "__main__":
    main()
