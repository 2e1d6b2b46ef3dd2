#!/usr/bin/env python3
"""What PyTorch eager runs in one forward (224x224, batch 1, eval, CPU): every ATen op that launches a
kernel, in order, with the innermost nn.Module that ran it and the op's output shape, in the format
of test/fixtures/eager-ops/*.tsv. Views and allocations (no kernel) are left out.

  /usr/bin/python3 scripts/golden/eager_ops.py MODEL > test/fixtures/eager-ops/MODEL.tsv   (deit_tiny_patch16_224, swin_tiny_patch4_window7_224)

(The EfficientViT and EdgeViT fixtures were traced from the upstream code the same way.)
"""
import os, sys

import torch
from torch.utils._python_dispatch import TorchDispatchMode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deit  # noqa: E402
import swin  # noqa: E402

# ATen ops that only make views or allocate: no kernel runs.
NO_KERNEL = {'view', '_unsafe_view', 't', 'transpose', 'permute', 'expand', 'select', 'slice', 'unbind', 'split',
             'unsqueeze', 'squeeze', 'alias', 'detach', 'as_strided', 'as_strided_', '_reshape_alias', 'empty', 'empty_strided'}


class Trace(TorchDispatchMode):
    def __init__(self, stack):
        super().__init__()
        self.stack, self.rows = stack, []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        name = func.overloadpacket.__name__
        if name not in NO_KERNEL:
            first = out[0] if isinstance(out, (tuple, list)) else out
            shape = 'x'.join(map(str, first.shape)) if isinstance(first, torch.Tensor) else ''
            self.rows.append((self.stack[-1], name, shape))
        return out


def main():
    name = sys.argv[1]
    model = (deit if name in deit.CONFIGS else swin).build(name)
    stack = ['']
    for mod_name, mod in model.named_modules():
        if mod_name:
            mod.register_forward_pre_hook(lambda m, i, n=mod_name: stack.append(n))
            mod.register_forward_hook(lambda m, i, o: stack.pop() and None)  # a hook's non-None result would replace the output
    x = torch.randn(1, 3, 224, 224)
    trace = Trace(stack)
    with torch.no_grad(), trace:
        model(x)
    print('module\top\toutput')
    for r in trace.rows:
        print('\t'.join(r))


if __name__ == '__main__':
    main()
