// scripts/golden/deit.py (timm's key names and eager ops: what the goldens come from) against an
// independent implementation, torchvision's VisionTransformer (Debian's python3-torchvision): the
// same weights, mapped to torchvision's names here, give the same logits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { PYTHON, torchvisionAvailable } from './helpers/golden.ts';

const SCRIPT = `
import sys, torch
sys.path.insert(0, 'scripts/golden')
import deit, make_golden
from torchvision.models.vision_transformer import VisionTransformer
ours = make_golden.randomize(deit.build('deit_tiny_patch16_224'), 0)
tv = VisionTransformer(image_size=224, patch_size=16, num_layers=12, num_heads=3, hidden_dim=192, mlp_dim=768).eval()
sd = ours.state_dict()
m = {'class_token': sd['cls_token'], 'conv_proj.weight': sd['patch_embed.proj.weight'], 'conv_proj.bias': sd['patch_embed.proj.bias'],
     'encoder.pos_embedding': sd['pos_embed'], 'encoder.ln.weight': sd['norm.weight'], 'encoder.ln.bias': sd['norm.bias'],
     'heads.head.weight': sd['head.weight'], 'heads.head.bias': sd['head.bias']}
for i in range(12):
    o, t = f'blocks.{i}.', f'encoder.layers.encoder_layer_{i}.'
    m.update({t + 'ln_1.weight': sd[o + 'norm1.weight'], t + 'ln_1.bias': sd[o + 'norm1.bias'],
              t + 'self_attention.in_proj_weight': sd[o + 'attn.qkv.weight'], t + 'self_attention.in_proj_bias': sd[o + 'attn.qkv.bias'],
              t + 'self_attention.out_proj.weight': sd[o + 'attn.proj.weight'], t + 'self_attention.out_proj.bias': sd[o + 'attn.proj.bias'],
              t + 'ln_2.weight': sd[o + 'norm2.weight'], t + 'ln_2.bias': sd[o + 'norm2.bias'],
              t + 'mlp.0.weight': sd[o + 'mlp.fc1.weight'], t + 'mlp.0.bias': sd[o + 'mlp.fc1.bias'],
              t + 'mlp.3.weight': sd[o + 'mlp.fc2.weight'], t + 'mlp.3.bias': sd[o + 'mlp.fc2.bias']})
tv.load_state_dict(m)
x = make_golden.make_input(224, 2, 0)
with torch.no_grad():
    a, b = ours(x), tv(x)
print((a - b).abs().max().item(), a.abs().max().item())
`;

test('scripts/golden/deit.py gives torchvision VisionTransformer\'s logits for the same weights', { skip: !torchvisionAvailable() && 'python3-torchvision is not installed' }, () => {
  const [diff, scale] = execFileSync(PYTHON, ['-c', SCRIPT], { encoding: 'utf8' }).trim().split(' ').map(Number);
  assert.ok(scale > 0.1, `logits of size ${scale}`);
  assert.ok(diff <= 1e-4 * Math.max(1, scale), `max|Δ| ${diff} between the two implementations (logits up to ${scale})`);
});
