"""EdgeViT (Pan et al., ECCV 2022) XXS/XS/S, written from the architecture facts of the paper and upstream code.

Module tree reproduces upstream's state-dict keys (bare state dict: ``patch_embed1..4``,
``blocks1..4.j.LocalAgg.*`` / ``.SelfAttn.*``, ``norm``, ``head``). Eval-mode forward:

* PatchEmbed: conv k=s=patch (4 for stage 1, else 2), LayerNorm(eps 1e-5) over channels.
* LocalAgg (only where sr > 1): x += dw3x3(x); x += conv2(dw5x5(conv1(BN(x)))); x += fc2(GELU(fc1(BN(x)))).
* SelfAttn: x += dw3x3(x); tokens t (row-major N = H*W); t += attn(LN(t, 1e-6)); t += mlp(LN(t, 1e-6)).
* GlobalSparseAttn: subsample every sr-th pixel (AvgPool2d(1, sr)); qkv split [3, heads, C/heads];
  softmax attention; merge head-major; if sr > 1: depthwise ConvTranspose2d(k=s=sr) + LN(eps 1e-5); proj.
* norm BatchNorm2d, mean over H*W, head Linear.

Non-square inputs: upstream has no square assumption (H and W are carried separately); what it
needs is that every stage's H and W are divisible by that stage's sr (it reshapes the sampled
delegates to (H/sr, W/sr)), i.e. input H, W multiples of 32 for sr = (4, 2, 2, 1). This module
raises a ValueError otherwise (upstream raises a reshape RuntimeError).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["EdgeViT", "CONFIGS", "STAGES", "build", "edgevit_xxs", "edgevit_xs", "edgevit_s"]

CONFIGS = {
    "edgevit_xxs": dict(embed_dim=[36, 72, 144, 288], depth=[1, 1, 3, 2], head_dim=36),
    "edgevit_xs": dict(embed_dim=[48, 96, 240, 384], depth=[1, 1, 3, 1], head_dim=48),
    "edgevit_s": dict(embed_dim=[48, 96, 240, 384], depth=[1, 2, 5, 3], head_dim=48),
}

STAGES = ["patch_embed1", "blocks1", "patch_embed2", "blocks2", "patch_embed3", "blocks3",
          "patch_embed4", "blocks4", "norm"]


class PatchEmbed(nn.Module):
    def __init__(self, patch_size, in_chans, embed_dim):
        super().__init__()
        # upstream defines norm before proj (key order in its state dict)
        self.norm = nn.LayerNorm(embed_dim)  # eps 1e-5
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x):
        x = self.proj(x)
        B, C, H, W = x.shape
        x = self.norm(x.flatten(2).transpose(1, 2))
        return x.reshape(B, H, W, C).permute(0, 3, 1, 2).contiguous()


class CMlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Conv2d(dim, hidden, 1)
        self.act = nn.GELU()
        self.fc2 = nn.Conv2d(hidden, dim, 1)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class LocalAgg(nn.Module):
    def __init__(self, dim, mlp_ratio=4.0):
        super().__init__()
        self.pos_embed = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)
        self.norm1 = nn.BatchNorm2d(dim)
        self.conv1 = nn.Conv2d(dim, dim, 1)
        self.conv2 = nn.Conv2d(dim, dim, 1)
        self.attn = nn.Conv2d(dim, dim, 5, padding=2, groups=dim)
        self.norm2 = nn.BatchNorm2d(dim)
        self.mlp = CMlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.pos_embed(x)
        x = x + self.conv2(self.attn(self.conv1(self.norm1(x))))
        x = x + self.mlp(self.norm2(x))
        return x


class GlobalSparseAttn(nn.Module):
    def __init__(self, dim, num_heads, sr_ratio):
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)
        self.sr = sr_ratio
        if sr_ratio > 1:
            self.sampler = nn.AvgPool2d(1, sr_ratio)  # kernel 1: picks every sr-th pixel
            self.LocalProp = nn.ConvTranspose2d(dim, dim, sr_ratio, stride=sr_ratio, groups=dim)
            self.norm = nn.LayerNorm(dim)  # eps 1e-5
        else:
            self.sampler = nn.Identity()
            self.upsample = nn.Identity()
            self.norm = nn.Identity()

    def forward(self, x, H, W):
        B, N, C = x.shape
        if self.sr > 1:
            if H % self.sr or W % self.sr:
                raise ValueError(f"{H}x{W} map not divisible by sr={self.sr}")
            x = x.transpose(1, 2).reshape(B, C, H, W)
            x = self.sampler(x)
            x = x.flatten(2).transpose(1, 2)
        qkv = self.qkv(x).reshape(B, -1, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)
        x = (attn @ v).transpose(1, 2).reshape(B, -1, C)
        if self.sr > 1:
            x = x.permute(0, 2, 1).reshape(B, C, H // self.sr, W // self.sr)
            x = self.LocalProp(x)
            x = x.reshape(B, C, -1).permute(0, 2, 1)
            x = self.norm(x)
        return self.proj(x)


class SelfAttn(nn.Module):
    def __init__(self, dim, num_heads, mlp_ratio, sr_ratio):
        super().__init__()
        self.pos_embed = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = GlobalSparseAttn(dim, num_heads, sr_ratio)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.pos_embed(x)
        B, C, H, W = x.shape
        x = x.flatten(2).transpose(1, 2)
        x = x + self.attn(self.norm1(x), H, W)
        x = x + self.mlp(self.norm2(x))
        return x.transpose(1, 2).reshape(B, C, H, W)


class LGLBlock(nn.Module):
    def __init__(self, dim, num_heads, mlp_ratio, sr_ratio):
        super().__init__()
        self.LocalAgg = LocalAgg(dim, mlp_ratio) if sr_ratio > 1 else nn.Identity()
        self.SelfAttn = SelfAttn(dim, num_heads, mlp_ratio, sr_ratio)

    def forward(self, x):
        return self.SelfAttn(self.LocalAgg(x))


class EdgeViT(nn.Module):
    def __init__(self, embed_dim=(36, 72, 144, 288), depth=(1, 1, 3, 2), head_dim=36, mlp_ratio=4.0,
                 sr_ratios=(4, 2, 2, 1), in_chans=3, num_classes=1000):
        super().__init__()
        heads = [d // head_dim for d in embed_dim]
        chans = [in_chans] + list(embed_dim)
        for i in range(4):
            setattr(self, f"patch_embed{i + 1}", PatchEmbed(4 if i == 0 else 2, chans[i], chans[i + 1]))
        for i in range(4):
            setattr(self, f"blocks{i + 1}", nn.ModuleList(
                [LGLBlock(embed_dim[i], heads[i], mlp_ratio, sr_ratios[i]) for _ in range(depth[i])]))
        self.norm = nn.BatchNorm2d(embed_dim[-1])
        self.head = nn.Linear(embed_dim[-1], num_classes)

    def forward_features(self, x):
        """Returns (logits, {stage_name: output})."""
        outs = {}
        for i in range(1, 5):
            x = getattr(self, f"patch_embed{i}")(x); outs[f"patch_embed{i}"] = x
            for blk in getattr(self, f"blocks{i}"):
                x = blk(x)
            outs[f"blocks{i}"] = x
        x = self.norm(x); outs["norm"] = x
        x = x.flatten(2).mean(-1)
        return self.head(x), outs

    def forward(self, x):
        return self.forward_features(x)[0]


@torch.no_grad()
def shift_stream(model, offset):
    """The golden ":shift" variant (hostile LayerNorm numerics): the residual stream carries +offset in
    every channel, as in checkpoints whose stream drifted during training. Each PatchEmbed's LayerNorm
    bias gets +offset (the stream carries it from there) and, after the first, its conv bias takes out
    what the offset in its input gives (kernel = stride: every output sees every tap). LocalAgg's BatchNorms and the final one get running_mean +offset, LocalProp's
    bias +offset (the LayerNorm after it sees it too). The 3x3 depthwise pos_embed convs cannot pass a
    constant through their zero padding: their off-centre taps are scaled by 1e-3 (border artefacts
    ~0.1) and their bias takes out offset * sum(taps)."""
    for i in range(1, 5):
        pe = getattr(model, f"patch_embed{i}")
        if i > 1:
            pe.proj.bias -= offset * pe.proj.weight.sum(dim=(1, 2, 3))
        pe.norm.bias += offset
    for m in model.modules():
        if isinstance(m, LocalAgg):
            m.norm1.running_mean += offset
            m.norm2.running_mean += offset
        if isinstance(m, (LocalAgg, SelfAttn)):
            w = m.pos_embed.weight
            centre = w[:, :, 1, 1].clone()
            w *= 1e-3
            w[:, :, 1, 1] = centre
            m.pos_embed.bias -= offset * w.sum(dim=(1, 2, 3))
        if isinstance(m, GlobalSparseAttn) and m.sr > 1:
            m.LocalProp.bias += offset
    model.norm.running_mean += offset
    return model


def build(name, **kw):
    return EdgeViT(**CONFIGS[name], **kw)


def edgevit_xxs(**kw): return build("edgevit_xxs", **kw)
def edgevit_xs(**kw): return build("edgevit_xs", **kw)
def edgevit_s(**kw): return build("edgevit_s", **kw)
