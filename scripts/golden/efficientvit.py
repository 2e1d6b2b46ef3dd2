"""EfficientViT (Liu et al., CVPR 2023) M0-M5, written from the architecture facts of the paper and upstream code.

The module tree reproduces upstream's (microsoft/Cream, classification/model/efficientvit.py)
state-dict key names and shapes exactly, so a checkpoint's ``['model']`` loads with
``load_state_dict(strict=True)``.  Eval-mode forward matches upstream:

* Conv2d_BN = conv (no bias) + BatchNorm2d (eps 1e-5), keys ``c.*`` / ``bn.*``.
* The attention bias gather ``attention_biases[:, attention_bias_idxs]`` is done in every
  forward (upstream caches it as ``self.ab`` when ``.eval()`` is called; same values).
* LocalWindowAttention pads right/bottom with zeros and the padding tokens *take part* in the
  attention (they are ordinary keys/values: zeros go through qkv's BN and become its bias).
"""
import itertools

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["EfficientViT", "CONFIGS", "STAGES", "build", "efficientvit_m0", "efficientvit_m1",
           "efficientvit_m2", "efficientvit_m3", "efficientvit_m4", "efficientvit_m5",
           "make_divisible", "bias_idxs"]

CONFIGS = {
    "efficientvit_m0": dict(embed_dim=[64, 128, 192], depth=[1, 2, 3], num_heads=[4, 4, 4], kernels=[5, 5, 5, 5]),
    "efficientvit_m1": dict(embed_dim=[128, 144, 192], depth=[1, 2, 3], num_heads=[2, 3, 3], kernels=[7, 5, 3, 3]),
    "efficientvit_m2": dict(embed_dim=[128, 192, 224], depth=[1, 2, 3], num_heads=[4, 3, 2], kernels=[7, 5, 3, 3]),
    "efficientvit_m3": dict(embed_dim=[128, 240, 320], depth=[1, 2, 3], num_heads=[4, 3, 4], kernels=[5, 5, 5, 5]),
    "efficientvit_m4": dict(embed_dim=[128, 256, 384], depth=[1, 2, 3], num_heads=[4, 4, 4], kernels=[7, 5, 3, 3]),
    "efficientvit_m5": dict(embed_dim=[192, 288, 384], depth=[1, 3, 4], num_heads=[3, 3, 4], kernels=[7, 5, 3, 3]),
}

# names of the per-stage outputs (as in the refcase activations file)
STAGES = ["patch_embed", "blocks1", "blocks2", "blocks3"]


def make_divisible(v, divisor=8, min_value=None, round_limit=0.0):
    """timm's make_divisible as SqueezeExcite (SEModule) calls it: round_limit=0, i.e. round
    to the nearest multiple of `divisor` (halves up), at least `divisor`."""
    min_value = min_value or divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < round_limit * v:
        new_v += divisor
    return new_v


def bias_idxs(r):
    """attention_bias_idxs for an r x r window: offsets (|drow|, |dcol|) numbered in order of
    first appearance, scanning query n then key m, both row-major. Returns (idxs [N,N], n_offsets)."""
    points = list(itertools.product(range(r), range(r)))
    offsets, idxs = {}, []
    for p1 in points:
        for p2 in points:
            off = (abs(p1[0] - p2[0]), abs(p1[1] - p2[1]))
            if off not in offsets:
                offsets[off] = len(offsets)
            idxs.append(offsets[off])
    n = len(points)
    return torch.LongTensor(idxs).view(n, n), len(offsets)


class Conv2d_BN(nn.Sequential):
    def __init__(self, a, b, ks=1, stride=1, pad=0, groups=1):
        super().__init__()
        self.add_module("c", nn.Conv2d(a, b, ks, stride, pad, 1, groups, bias=False))
        self.add_module("bn", nn.BatchNorm2d(b))


class BN_Linear(nn.Sequential):
    def __init__(self, a, b):
        super().__init__()
        self.add_module("bn", nn.BatchNorm1d(a))
        self.add_module("l", nn.Linear(a, b, bias=True))


class Residual(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        return x + self.m(x)


class FFN(nn.Module):
    def __init__(self, ed, h):
        super().__init__()
        self.pw1 = Conv2d_BN(ed, h)
        self.act = nn.ReLU()
        self.pw2 = Conv2d_BN(h, ed)

    def forward(self, x):
        return self.pw2(self.act(self.pw1(x)))


class SqueezeExcite(nn.Module):
    """timm.models.layers.SqueezeExcite (= SEModule) with rd_ratio 0.25, bias, ReLU, sigmoid."""

    def __init__(self, channels, rd_ratio=0.25):
        super().__init__()
        rd = make_divisible(channels * rd_ratio, 8, round_limit=0.0)
        self.fc1 = nn.Conv2d(channels, rd, 1, bias=True)
        self.bn = nn.Identity()
        self.act = nn.ReLU()
        self.fc2 = nn.Conv2d(rd, channels, 1, bias=True)

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)
        s = self.fc2(self.act(self.bn(self.fc1(s))))
        return x * torch.sigmoid(s)


class PatchMerging(nn.Module):
    def __init__(self, dim, out_dim):
        super().__init__()
        hid = int(dim * 4)
        self.conv1 = Conv2d_BN(dim, hid, 1, 1, 0)
        self.act = nn.ReLU()
        self.conv2 = Conv2d_BN(hid, hid, 3, 2, 1, groups=hid)
        self.se = SqueezeExcite(hid, 0.25)
        self.conv3 = Conv2d_BN(hid, out_dim, 1, 1, 0)

    def forward(self, x):
        return self.conv3(self.se(self.act(self.conv2(self.act(self.conv1(x))))))


class CascadedGroupAttention(nn.Module):
    def __init__(self, dim, key_dim, num_heads, attn_ratio, resolution, kernels):
        super().__init__()
        self.num_heads = num_heads
        self.scale = key_dim ** -0.5
        self.key_dim = key_dim
        self.d = int(attn_ratio * key_dim)
        self.qkvs = nn.ModuleList([Conv2d_BN(dim // num_heads, key_dim * 2 + self.d) for _ in range(num_heads)])
        self.dws = nn.ModuleList([Conv2d_BN(key_dim, key_dim, kernels[i], 1, kernels[i] // 2, groups=key_dim)
                                  for i in range(num_heads)])
        self.proj = nn.Sequential(nn.ReLU(), Conv2d_BN(self.d * num_heads, dim))
        idxs, n_off = bias_idxs(resolution)
        self.resolution = resolution
        self.attention_biases = nn.Parameter(torch.zeros(num_heads, n_off))
        self.register_buffer("attention_bias_idxs", idxs)

    def forward(self, x):  # x: (B, C, H, W) with H*W == resolution**2
        B, C, H, W = x.shape
        ab = self.attention_biases[:, self.attention_bias_idxs]  # (heads, N, N)
        feats_in = x.chunk(len(self.qkvs), dim=1)
        feats_out = []
        feat = feats_in[0]
        for i, qkv in enumerate(self.qkvs):
            if i > 0:
                feat = feat + feats_in[i]  # cascade: previous head's output + this chunk
            feat = qkv(feat)
            q, k, v = feat.view(B, -1, H, W).split([self.key_dim, self.key_dim, self.d], dim=1)
            q = self.dws[i](q)
            q, k, v = q.flatten(2), k.flatten(2), v.flatten(2)  # B, c, N
            attn = (q.transpose(-2, -1) @ k) * self.scale + ab[i]
            attn = attn.softmax(dim=-1)
            feat = (v @ attn.transpose(-2, -1)).view(B, self.d, H, W)
            feats_out.append(feat)
        return self.proj(torch.cat(feats_out, 1))


class LocalWindowAttention(nn.Module):
    def __init__(self, dim, key_dim, num_heads, attn_ratio, resolution, window_resolution, kernels):
        super().__init__()
        self.resolution = resolution
        self.window_resolution = window_resolution
        self.attn = CascadedGroupAttention(dim, key_dim, num_heads, attn_ratio,
                                           min(window_resolution, resolution), kernels)

    def forward(self, x):
        B, C, H, W = x.shape
        if (H, W) != (self.resolution, self.resolution):
            raise ValueError(f"feature map {H}x{W} does not match model resolution {self.resolution}")
        return self.attend(x, self.window_resolution)

    def attend(self, x, wr):
        """The attention in wr x wr windows (upstream's forward without its size check, and what
        downstream/efficientvit.py runs at any size): the whole map when it fits one window, else the map
        padded at the bottom and right to whole windows, attended window by window, and cropped."""
        B, C, H, W = x.shape
        if H <= wr and W <= wr:
            return self.attn(x)
        x = x.permute(0, 2, 3, 1)
        pad_b = (wr - H % wr) % wr
        pad_r = (wr - W % wr) % wr
        if pad_b or pad_r:
            x = F.pad(x, (0, 0, 0, pad_r, 0, pad_b))
        pH, pW = H + pad_b, W + pad_r
        nH, nW = pH // wr, pW // wr
        x = x.view(B, nH, wr, nW, wr, C).transpose(2, 3).reshape(B * nH * nW, wr, wr, C).permute(0, 3, 1, 2)
        x = self.attn(x)
        x = x.permute(0, 2, 3, 1).view(B, nH, nW, wr, wr, C).transpose(2, 3).reshape(B, pH, pW, C)
        if pad_b or pad_r:
            x = x[:, :H, :W].contiguous()
        return x.permute(0, 3, 1, 2)


class EfficientViTBlock(nn.Module):
    def __init__(self, ed, kd, nh, ar, resolution, window_resolution, kernels):
        super().__init__()
        self.dw0 = Residual(Conv2d_BN(ed, ed, 3, 1, 1, groups=ed))
        self.ffn0 = Residual(FFN(ed, int(ed * 2)))
        self.mixer = Residual(LocalWindowAttention(ed, kd, nh, ar, resolution, window_resolution, kernels))
        self.dw1 = Residual(Conv2d_BN(ed, ed, 3, 1, 1, groups=ed))
        self.ffn1 = Residual(FFN(ed, int(ed * 2)))

    def forward(self, x):
        return self.ffn1(self.dw1(self.mixer(self.ffn0(self.dw0(x)))))


def _dw_ffn(ed):
    return nn.Sequential(Residual(Conv2d_BN(ed, ed, 3, 1, 1, groups=ed)), Residual(FFN(ed, int(ed * 2))))


class EfficientViT(nn.Module):
    def __init__(self, img_size=224, patch_size=16, in_chans=3, num_classes=1000,
                 embed_dim=(64, 128, 192), key_dim=(16, 16, 16), depth=(1, 2, 3), num_heads=(4, 4, 4),
                 window_size=(7, 7, 7), kernels=(5, 5, 5, 5), distillation=False):
        super().__init__()
        if img_size % patch_size:
            # upstream asserts the stem's output equals img_size // 16 inside LocalWindowAttention
            raise ValueError(f"img_size {img_size} must be a multiple of {patch_size}")
        e = embed_dim
        self.patch_embed = nn.Sequential(
            Conv2d_BN(in_chans, e[0] // 8, 3, 2, 1), nn.ReLU(),
            Conv2d_BN(e[0] // 8, e[0] // 4, 3, 2, 1), nn.ReLU(),
            Conv2d_BN(e[0] // 4, e[0] // 2, 3, 2, 1), nn.ReLU(),
            Conv2d_BN(e[0] // 2, e[0], 3, 2, 1))
        resolution = img_size // patch_size
        attn_ratio = [e[i] / (key_dim[i] * num_heads[i]) for i in range(len(e))]
        blocks = [[], [], []]
        self.resolutions = []
        for i in range(3):
            for _ in range(depth[i]):
                blocks[i].append(EfficientViTBlock(e[i], key_dim[i], num_heads[i], attn_ratio[i],
                                                   resolution, window_size[i], list(kernels)))
            self.resolutions.append(resolution)
            if i < 2:  # Subsample into the next stage
                blocks[i + 1].append(_dw_ffn(e[i]))
                blocks[i + 1].append(PatchMerging(e[i], e[i + 1]))
                resolution = (resolution - 1) // 2 + 1
                blocks[i + 1].append(_dw_ffn(e[i + 1]))
        self.blocks1 = nn.Sequential(*blocks[0])
        self.blocks2 = nn.Sequential(*blocks[1])
        self.blocks3 = nn.Sequential(*blocks[2])
        self.head = BN_Linear(e[-1], num_classes)
        self.distillation = distillation
        if distillation:
            self.head_dist = BN_Linear(e[-1], num_classes)

    def forward_features(self, x):
        """Returns (logits, {stage_name: output})."""
        outs = {}
        x = self.patch_embed(x); outs["patch_embed"] = x
        x = self.blocks1(x); outs["blocks1"] = x
        x = self.blocks2(x); outs["blocks2"] = x
        x = self.blocks3(x); outs["blocks3"] = x
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        if self.distillation:
            y = (self.head(x) + self.head_dist(x)) / 2  # eval mode: mean of both heads
        else:
            y = self.head(x)
        return y, outs

    def forward(self, x):
        return self.forward_features(x)[0]


def build(name, img_size=224, distillation=False, **kw):
    return EfficientViT(img_size=img_size, distillation=distillation, **CONFIGS[name], **kw)


def efficientvit_m0(img_size=224, **kw): return build("efficientvit_m0", img_size, **kw)
def efficientvit_m1(img_size=224, **kw): return build("efficientvit_m1", img_size, **kw)
def efficientvit_m2(img_size=224, **kw): return build("efficientvit_m2", img_size, **kw)
def efficientvit_m3(img_size=224, **kw): return build("efficientvit_m3", img_size, **kw)
def efficientvit_m4(img_size=224, **kw): return build("efficientvit_m4", img_size, **kw)
def efficientvit_m5(img_size=224, **kw): return build("efficientvit_m5", img_size, **kw)
