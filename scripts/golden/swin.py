"""Swin-Tiny (Liu et al., ICCV 2021) as the official microsoft/Swin-Transformer code runs it, with its
state-dict keys: ``patch_embed.{proj, norm}``, ``layers.i.blocks.j.{norm1, attn.relative_position_bias_table,
attn.relative_position_index, attn.qkv, attn.proj, norm2, mlp.fc1, mlp.fc2}`` (+ ``attn_mask`` in
shifted blocks), ``layers.i.downsample.{norm, reduction}`` at the END of stages 0-2, ``norm``, ``head``
(the release wraps it: ``{'model': state_dict}``). Eval-mode forward, op for op:

* patch_embed: Conv2d(3, 96, 4, stride 4) → flatten(2).transpose(1, 2) → LayerNorm (eps 1e-5);
* each block: x = x + window_attention(LN(x)) with the map cyclically shifted by -⌊w/2⌋ in odd
  blocks (and the attention mask between regions that the shift made neighbours), the relative
  position bias table[index] added to q·kᵀ (q scaled by d^-0.5 first); x = x + fc2(GELU(fc1(LN(x))));
  a stage whose map is no larger than the window uses one window of the whole map and no shift;
* PatchMerging: cat of the 2×2 sub-grids (x0 = [0::2, 0::2], x1 = [1::2, 0::2], x2 = [0::2, 1::2],
  x3 = [1::2, 1::2]) → LayerNorm(4C) → Linear(4C, 2C, no bias);
* norm (LayerNorm) → mean over tokens → head.

timm ≥ 0.9 stores the same weights with each downsample at the START of the next stage
(``layers.{i+1}.downsample``), ``head.fc`` for the head, and no index/mask buffers; webvit reads both.
test/swin-torchvision.test.ts checks this definition once against torchvision's swin_t.
"""
import torch
import torch.nn as nn

from edgevit import Mlp  # the same fc1 → GELU → fc2 (timm's Mlp, and the keys mlp.fc1 / mlp.fc2)

__all__ = ["SwinTransformer", "CONFIGS", "build"]

CONFIGS = {
    "swin_tiny_patch4_window7_224": dict(embed_dim=96, depths=(2, 2, 6, 2), heads=(3, 6, 12, 24), window=7),
}


def window_partition(x, ws):
    B, H, W, C = x.shape
    x = x.view(B, H // ws, ws, W // ws, ws, C)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, ws, ws, C)


def window_reverse(windows, ws, H, W):
    # upstream computes B = int(windows.shape[0] / (H * W / ws / ws)); -1 is the same view and keeps
    # the batch dimension dynamic when the model is exported to ONNX for the benchmarks' peers.
    x = windows.view(-1, H // ws, W // ws, ws, ws, windows.shape[-1])
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, H, W, windows.shape[-1])


def relative_position_index(ws):
    coords = torch.stack(torch.meshgrid([torch.arange(ws), torch.arange(ws)], indexing="ij")).flatten(1)
    rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0).contiguous()
    rel[:, :, 0] += ws - 1
    rel[:, :, 1] += ws - 1
    rel[:, :, 0] *= 2 * ws - 1
    return rel.sum(-1)


class WindowAttention(nn.Module):
    def __init__(self, dim, ws, heads):
        super().__init__()
        self.ws, self.heads, self.scale = ws, heads, (dim // heads) ** -0.5
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * ws - 1) ** 2, heads))
        self.register_buffer("relative_position_index", relative_position_index(ws))
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, mask=None):
        B_, N, C = x.shape
        qkv = self.qkv(x).reshape(B_, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        q = q * self.scale
        attn = q @ k.transpose(-2, -1)
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)].view(N, N, -1)
        attn = attn + bias.permute(2, 0, 1).contiguous().unsqueeze(0)
        if mask is not None:
            nW = mask.shape[0]
            attn = attn.view(B_ // nW, nW, self.heads, N, N) + mask.unsqueeze(1).unsqueeze(0)
            attn = attn.view(-1, self.heads, N, N)
        attn = attn.softmax(dim=-1)
        x = (attn @ v).transpose(1, 2).reshape(B_, N, C)
        return self.proj(x)


class SwinTransformerBlock(nn.Module):
    def __init__(self, dim, res, heads, ws, shift):
        super().__init__()
        self.res = res
        if res <= ws:
            ws, shift = res, 0
        self.ws, self.shift = ws, shift
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, ws, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, 4 * dim)
        if shift > 0:
            img = torch.zeros((1, res, res, 1))
            cnt = 0
            for h in (slice(0, -ws), slice(-ws, -shift), slice(-shift, None)):
                for w in (slice(0, -ws), slice(-ws, -shift), slice(-shift, None)):
                    img[:, h, w, :] = cnt
                    cnt += 1
            mw = window_partition(img, ws).view(-1, ws * ws)
            mask = mw.unsqueeze(1) - mw.unsqueeze(2)
            mask = mask.masked_fill(mask != 0, float(-100.0)).masked_fill(mask == 0, float(0.0))
        else:
            mask = None
        self.register_buffer("attn_mask", mask)

    def forward(self, x):
        H = W = self.res
        B, L, C = x.shape
        shortcut = x
        x = self.norm1(x).view(B, H, W, C)
        if self.shift > 0:
            x = torch.roll(x, shifts=(-self.shift, -self.shift), dims=(1, 2))
        xw = window_partition(x, self.ws).view(-1, self.ws * self.ws, C)
        aw = self.attn(xw, mask=self.attn_mask).view(-1, self.ws, self.ws, C)
        x = window_reverse(aw, self.ws, H, W)
        if self.shift > 0:
            x = torch.roll(x, shifts=(self.shift, self.shift), dims=(1, 2))
        x = shortcut + x.view(B, H * W, C)
        return x + self.mlp(self.norm2(x))


class PatchMerging(nn.Module):
    def __init__(self, res, dim):
        super().__init__()
        self.res = res
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
        self.norm = nn.LayerNorm(4 * dim)

    def forward(self, x):
        H = W = self.res
        B, L, C = x.shape
        x = x.view(B, H, W, C)
        x = torch.cat([x[:, 0::2, 0::2, :], x[:, 1::2, 0::2, :], x[:, 0::2, 1::2, :], x[:, 1::2, 1::2, :]], -1)
        x = x.view(B, -1, 4 * C)
        return self.reduction(self.norm(x))


class BasicLayer(nn.Module):
    def __init__(self, dim, res, depth, heads, ws, downsample):
        super().__init__()
        self.blocks = nn.ModuleList([SwinTransformerBlock(dim, res, heads, ws, 0 if i % 2 == 0 else ws // 2) for i in range(depth)])
        self.downsample = PatchMerging(res, dim) if downsample else None

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return self.downsample(x) if self.downsample is not None else x


class PatchEmbed(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, kernel_size=4, stride=4)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        return self.norm(self.proj(x).flatten(2).transpose(1, 2))


class SwinTransformer(nn.Module):
    def __init__(self, img_size=224, embed_dim=96, depths=(2, 2, 6, 2), heads=(3, 6, 12, 24), window=7, num_classes=1000):
        super().__init__()
        self.patch_embed = PatchEmbed(embed_dim)
        res = img_size // 4
        self.layers = nn.ModuleList()
        for i, d in enumerate(depths):
            self.layers.append(BasicLayer(embed_dim * 2 ** i, res // 2 ** i, d, heads[i], window, i < len(depths) - 1))
        self.norm = nn.LayerNorm(embed_dim * 2 ** (len(depths) - 1))
        self.avgpool = nn.AdaptiveAvgPool1d(1)
        self.head = nn.Linear(embed_dim * 2 ** (len(depths) - 1), num_classes)

    def forward_features(self, x):
        """Returns (logits, {stage_name: output}), as the other golden models do."""
        outs = {}
        x = self.patch_embed(x); outs["patch_embed"] = x
        for i, layer in enumerate(self.layers):
            x = layer(x); outs[f"layers{i}"] = x
        x = self.norm(x); outs["norm"] = x
        x = torch.flatten(self.avgpool(x.transpose(1, 2)), 1)
        return self.head(x), outs

    def forward(self, x):
        return self.forward_features(x)[0]


def build(name, img_size=224, num_classes=1000):
    return SwinTransformer(img_size=img_size, num_classes=num_classes, **CONFIGS[name]).eval()
