"""DeiT-Tiny (Touvron et al., 2021) as the official DeiT code / timm's VisionTransformer runs it, with
their state-dict keys: ``cls_token`` [1, 1, C], ``pos_embed`` [1, 1 + N, C], ``patch_embed.proj``,
``blocks.i.{norm1, attn.qkv, attn.proj, norm2, mlp.fc1, mlp.fc2}``, ``norm``, ``head`` (the official
checkpoints wrap it: ``{'model': state_dict}``). Eval-mode forward, op for op as timm's eager code:

* patch_embed: Conv2d(3, C, 16, stride 16) → flatten(2) → transpose(1, 2): tokens [B, N, C];
* cat(cls_token.expand(B, -1, -1), x) → + pos_embed;
* 12 blocks: x = x + proj(attention(qkv(LN(x)))); x = x + fc2(GELU(fc1(LN(x)))) — LayerNorm eps 1e-6,
  exact GELU, qkv with bias, reshape [B, N, 3, heads, d] → permute(2, 0, 3, 1, 4), scale d^-0.5;
* norm (LayerNorm eps 1e-6) over every token, then the class token (x[:, 0]) → head.

test/deit-torchvision.test.ts checks this definition once against torchvision's independent
VisionTransformer (keys mapped there).
"""
import torch
import torch.nn as nn

from edgevit import Mlp  # the same fc1 → GELU → fc2 (timm's Mlp, and the keys mlp.fc1 / mlp.fc2)

__all__ = ["VisionTransformer", "CONFIGS", "build"]

CONFIGS = {
    "deit_tiny_patch16_224": dict(patch=16, dim=192, depth=12, heads=3, mlp_ratio=4),
}


class PatchEmbed(nn.Module):
    def __init__(self, patch, dim):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, kernel_size=patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attn = (q @ k.transpose(-2, -1)) * self.scale
        attn = attn.softmax(dim=-1)
        x = (attn @ v).transpose(1, 2).reshape(B, N, C)
        return self.proj(x)


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, dim * mlp_ratio)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class VisionTransformer(nn.Module):
    def __init__(self, img_size=224, patch=16, dim=192, depth=12, heads=3, mlp_ratio=4, num_classes=1000):
        super().__init__()
        n = (img_size // patch) ** 2
        self.patch_embed = PatchEmbed(patch, dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, n + 1, dim))
        self.blocks = nn.Sequential(*[Block(dim, heads, mlp_ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, num_classes)

    def forward_features(self, x):
        """Returns (logits, {stage_name: output}), as the other golden models do."""
        outs = {}
        x = self.patch_embed(x); outs['patch_embed'] = x
        x = torch.cat((self.cls_token.expand(x.shape[0], -1, -1), x), dim=1)
        x = x + self.pos_embed
        x = self.blocks(x); outs['blocks'] = x
        x = self.norm(x); outs['norm'] = x
        return self.head(x[:, 0]), outs

    def forward(self, x):
        return self.forward_features(x)[0]


@torch.no_grad()
def shift_stream(model, offset):
    """The golden ":shift" variant (hostile LayerNorm numerics): every token of the residual stream
    carries +offset in every channel, from the position embedding (DeiT has no LayerNorm before the
    stream whose bias could shift it), so each LayerNorm input has |mean| >> spread."""
    model.pos_embed += offset
    return model


def build(name, img_size=224, num_classes=1000):
    return VisionTransformer(img_size=img_size, num_classes=num_classes, **CONFIGS[name]).eval()
