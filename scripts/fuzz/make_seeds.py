#!/usr/bin/env python3
"""Seed checkpoints for the loader fuzz benchmark (bench/fuzz.ts): small but real files that torch
writes, covering what webvit's readers handle. Usage: make_seeds.py OUT_DIR

  small.pth       a state dict of conv / BN / linear tensors (f32, int64 num_batches_tracked)
  views.pth       strided, shared-storage and broadcast views; f16, bf16, f64, int and bool storages
  wrapped.pth     {'model': state_dict, 'epoch': 3, 'args': {...}} (a training checkpoint)
  protocol4.pth   small.pth's dict with pickle protocol 4 (FRAME, MEMOIZE, SHORT_BINUNICODE, ...)
  deflated.pth    small.pth re-zipped with every entry deflated (torch reads those too)
  legacy.pth      the pre-1.6 format (_use_new_zipfile_serialization=False), which webvit refuses
Writes seeds.json: file -> its state dict's tensors (f32/i64 bytes) size, for the memory criterion.
"""
import io, json, os, sys, zipfile
from collections import OrderedDict

import torch

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)

small = OrderedDict()
for i, (cin, cout) in enumerate([(3, 8), (8, 16), (16, 16)]):
    small[f'blocks.{i}.conv.weight'] = torch.randn(cout, cin, 3, 3)
    small[f'blocks.{i}.bn.weight'] = torch.rand(cout) + 0.5
    small[f'blocks.{i}.bn.bias'] = torch.randn(cout) * 0.1
    small[f'blocks.{i}.bn.running_mean'] = torch.randn(cout) * 0.1
    small[f'blocks.{i}.bn.running_var'] = torch.rand(cout) + 0.5
    small[f'blocks.{i}.bn.num_batches_tracked'] = torch.tensor(7 + i)
small['head.weight'] = torch.randn(10, 16)
small['head.bias'] = torch.randn(10)

shared = torch.arange(64, dtype=torch.float32) * 0.25
views = OrderedDict([
    ('transposed', torch.arange(60, dtype=torch.float32).reshape(3, 4, 5).permute(2, 0, 1)),
    ('shared_a', shared[4:20].view(4, 4)),
    ('shared_b', shared[10:].view(6, 9)[:, ::3]),
    ('broadcast', torch.tensor([1.5, -2.0, 3.0]).expand(4, 3)),
    ('f16', torch.randn(40).half()),
    ('bf16', torch.randn(24).bfloat16()),
    ('f64', torch.randn(12, dtype=torch.float64)),
    ('i32', torch.arange(-6, 6, dtype=torch.int32).reshape(3, 4)),
    ('i8', torch.tensor([-128, -1, 0, 1, 127], dtype=torch.int8)),
    ('u8', torch.tensor([0, 1, 200, 255], dtype=torch.uint8)),
    ('bool', torch.tensor([True, False, True])),
    ('scalar', torch.tensor(-0.75)),
    ('empty', torch.zeros(0, 4)),
    ('param', torch.nn.Parameter(torch.randn(5))),
])

def save(name, obj, **kw):
    torch.save(obj, os.path.join(out, name), **kw)

save('small.pth', small)
save('views.pth', views)
save('wrapped.pth', {'model': small, 'epoch': 3, 'args': {'lr': 0.1, 'steps': [1, 2, 3], 'name': 'run', 'big': 2 ** 70}})
save('protocol4.pth', small, pickle_protocol=4)
save('legacy.pth', small, _use_new_zipfile_serialization=False)
buf = io.BytesIO()
torch.save(small, buf)
with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(os.path.join(out, 'deflated.pth'), 'w', zipfile.ZIP_DEFLATED) as dst:
    for info in src.infolist():
        dst.writestr(info.filename, src.read(info.filename))

def weights_bytes(sd):
    return sum(t.numel() * (4 if t.is_floating_point() else 8) for t in sd.values())

json.dump({'small.pth': weights_bytes(small), 'views.pth': weights_bytes(views), 'wrapped.pth': weights_bytes(small),
           'protocol4.pth': weights_bytes(small), 'deflated.pth': weights_bytes(small), 'legacy.pth': weights_bytes(small)},
          open(os.path.join(out, 'seeds.json'), 'w'), indent=1)
