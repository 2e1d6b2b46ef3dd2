// Swin's kernels against the CPU references on random odd shapes: shifted_window_attention.wgsl
// (shift, partition, bias and mask by indexing) and roll.wgsl (the unfused schedule's torch.roll).
import { test } from 'node:test';
import { assertClose, random, runGraph } from './helpers/gpu.ts';
import { shiftedWindowAttention } from '../src/ops/shifted-window-attention.ts';
import { gatherRelativeBias } from '../src/models/swin-tables.ts';
import { roll } from '../src/ops/roll.ts';
import * as ref from '../src/reference/ops.ts';

const cases = [
  { B: 1, heads: 2, d: 5, H: 6, W: 6, ws: 3, shift: 1 },   // 4 windows, shifted, d not a multiple of 4
  { B: 2, heads: 3, d: 4, H: 10, W: 15, ws: 5, shift: 2 }, // non-square, 6 windows per image
  { B: 2, heads: 1, d: 7, H: 7, W: 7, ws: 7, shift: 0 },   // one window: the whole map
  { B: 1, heads: 2, d: 3, H: 8, W: 4, ws: 4, shift: 0 },   // plain windows
];

for (const c of cases) {
  test(`shifted window attention B${c.B} h${c.heads} d${c.d} ${c.H}×${c.W} window ${c.ws} shift ${c.shift}`, async () => {
    const C = c.heads * c.d, shape: [number, number, number, number] = [c.B, 3 * C, c.H, c.W];
    const qkv = random(c.B * 3 * C * c.H * c.W, C + c.H);
    const table = random((2 * c.ws - 1) ** 2 * c.heads, 3);
    const got = await runGraph([{ shape, data: qkv }], (g, [t]) =>
      shiftedWindowAttention(g, 'swa', t, { heads: c.heads, window: c.ws, shift: c.shift, bias: gatherRelativeBias(table, c.heads, c.ws) }));
    assertClose(got, ref.shiftedWindowAttention(qkv, shape, c.heads, c.ws, c.shift, table), 1e-5, 1e-5);
  });
}

for (const [B, C, H, W, s] of [[1, 3, 5, 7, -2], [2, 2, 6, 3, 4]]) {
  test(`roll B${B} C${C} ${H}×${W} by ${s}`, async () => {
    const shape: [number, number, number, number] = [B, C, H, W], x = random(B * C * H * W, 9);
    const got = await runGraph([{ shape, data: x }], (g, [t]) => roll(g, 'roll', t, s));
    assertClose(got, ref.roll(x, shape, s), 0, 0);
  });
}
