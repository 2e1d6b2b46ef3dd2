// scripts/golden/swin.py (the official microsoft/Swin-Transformer layout and eager ops: what the
// goldens come from) against an independent implementation, torchvision's swin_t (Debian's
// python3-torchvision): the same weights, mapped to torchvision's names here, give the same logits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { PYTHON, torchvisionAvailable } from './helpers/golden.ts';

const SCRIPT = `
import sys, torch
sys.path.insert(0, 'scripts/golden')
import swin, make_golden
from torchvision.models import swin_t
ours = make_golden.randomize(swin.build('swin_tiny_patch4_window7_224'), 0)
tv = swin_t().eval()
m = {}
for k, v in ours.state_dict().items():
    if k.endswith('attn_mask'):
        continue
    t = k.replace('patch_embed.proj.', 'features.0.0.').replace('patch_embed.norm.', 'features.0.2.').replace('mlp.fc1.', 'mlp.0.').replace('mlp.fc2.', 'mlp.3.')
    p = t.split('.')
    if p[0] == 'layers':
        i = int(p[1])
        t = '.'.join(['features', str(2 * i + 1)] + p[3:]) if p[2] == 'blocks' else '.'.join(['features', str(2 * i + 2)] + p[3:])
    m[t] = v.flatten() if k.endswith('relative_position_index') else v
tv.load_state_dict(m)
x = make_golden.make_input(224, 2, 0)
with torch.no_grad():
    a, b = ours(x), tv(x)
print((a - b).abs().max().item(), a.abs().max().item())
`;

test('scripts/golden/swin.py gives torchvision swin_t\'s logits for the same weights', { skip: !torchvisionAvailable() && 'python3-torchvision is not installed' }, () => {
  const [diff, scale] = execFileSync(PYTHON, ['-c', SCRIPT], { encoding: 'utf8' }).trim().split(' ').map(Number);
  assert.ok(scale > 0.1, `logits of size ${scale}`);
  assert.ok(diff <= 1e-4 * Math.max(1, scale), `max|Δ| ${diff} between the two implementations (logits up to ${scale})`);
});
