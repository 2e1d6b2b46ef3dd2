// The parallelism model's projection onto a named GPU (src/profile/project.ts), against projections
// computed by hand from the V100's data sheet, and the text that prints it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FORMULA, GPUS, gpuSpec, projectDispatch, projectSchedule, type Projectable } from '../src/profile/project.ts';
import { projectionText } from '../src/profile/report.ts';
import type { Category, Node } from '../src/graph/ir.ts';

const v100 = GPUS.v100;
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9 + 1e-6 * Math.abs(b), `${what}: ${a} ≠ ${b}`);
const node = (o: Partial<Projectable> & { parallelism: Projectable['parallelism'] }): Projectable =>
  ({ flops: 0, bytesRead: 0, bytesWritten: 0, workgroups: [1, 1, 1], ...o });

test('every GPU\'s FP32 peak is 2 FMA-FLOPs × lanes × clock, and an unknown GPU is refused with the list', () => {
  for (const g of Object.values(GPUS)) assert.ok(Math.abs(g.gflops - 2 * g.lanes * g.clockGhz) <= 1e-3 * g.gflops, `${g.key}: ${g.gflops} vs ${2 * g.lanes * g.clockGhz}`);
  assert.equal(gpuSpec('V100'), v100);
  assert.throws(() => gpuSpec('tpu'), /no GPU "tpu"; known: v100, rtx3090, rtx4090, h100, m2, iris-xe/);
});

test('a memory-bound dispatch: bytes / 900 GB/s + 2 µs', () => {
  // 2 GFLOP, 0.6 + 0.3 GB, 100 workgroups of 64 invocations (6,400 > 5,120 lanes: 1.25 waves), chains of 10⁴ FMAs.
  const p = projectDispatch(node({ flops: 2e9, bytesRead: 6e8, bytesWritten: 3e8, workgroups: [100, 1, 1], parallelism: { workgroupSize: 64, workgroupMemory: 0, accumulators: 16, serialFmas: 1e4 } }), v100);
  close(p.computeMs, 2e9 / 15_667e9 * 1e3, 'compute');   // 0.12766 ms
  close(p.memoryMs, 1.0, 'memory');                       // 9e8 B / 900e9 B/s
  close(p.serialMs, 1e4 * 1.25 / 1.53e9 * 1e3, 'serial'); // 0.00817 ms
  assert.equal(p.limit, 'memory');
  close(p.ms, 1.002, 'ms');
  assert.equal(p.invocations, 6400);
  close(p.waves, 1.25, 'waves');
  assert.equal(p.fill, 1);
});

test('a latency-bound dispatch: EfficientViT-M0\'s blocks3.1.conv3 as the CPU family runs it (12 invocations × 131k FMAs)', () => {
  // 12 invocations of one 16×16 tile over K = 512 (256 · 512 = 131,072 serial FMAs): one partial wave.
  const p = projectDispatch(node({ flops: 2 * 192 * 512 * 16, bytesRead: 4 * (512 * 16 + 192 * 512), bytesWritten: 4 * 192 * 16, workgroups: [3, 1, 1], parallelism: { workgroupSize: 4, workgroupMemory: 0, accumulators: 256, serialFmas: 131_072 } }), v100);
  assert.equal(p.invocations, 12);
  assert.equal(p.waves, 1);
  close(p.fill, 12 / 5120, 'fill');
  close(p.serialMs, 131_072 / 1.53e6, 'serial');          // 0.085668 ms: ~300× its FLOP time
  assert.equal(p.limit, 'serial');
  close(p.ms, 131_072 / 1.53e6 + 0.002, 'ms');
  // The same work as the GPU family tiles it: 3 × 1 workgroups of 256 invocations, 16 · 512 FMAs each.
  const q = projectDispatch(node({ flops: 2 * 192 * 512 * 16, bytesRead: 0, bytesWritten: 0, workgroups: [1, 3, 1], parallelism: { workgroupSize: 256, workgroupMemory: 8448, accumulators: 16, serialFmas: 16 * 512 } }), v100);
  close(q.serialMs, 8192 / 1.53e6, 'serial, GPU tile');    // 768 invocations, one wave
  assert.ok(q.ms < p.ms / 10);
});

test('a schedule sums its dispatches per category (Figure 2 as projected) and prints beside nothing measured', () => {
  const par = { workgroupSize: 64, workgroupMemory: 0, accumulators: 4, serialFmas: 4 };
  const mk = (category: Category, bytes: number, name: string) => ({ ...node({ bytesRead: bytes, workgroups: [80, 1, 1], parallelism: par }), category, name, kernel: { file: 'x.wgsl', entry: 'main' } } as Projectable & Pick<Node, 'category' | 'name' | 'kernel'>);
  // 9e5 B → 1 µs of memory + 2 µs; 1.8e6 B → 2 + 2 µs.
  const s = projectSchedule([mk('copy', 9e5, 'a'), mk('matmul', 1.8e6, 'b'), mk('copy', 9e5, 'c')], v100, 'gpu', 'fused');
  close(s.ms, 0.010, 'total');
  const cat = (k: Category) => s.categories.find((c) => c.key === k)!;
  close(cat('copy').ms, 0.006, 'copy');
  close(cat('copy').share, 0.6, 'copy share');
  close(cat('matmul').share, 0.4, 'matmul share');
  assert.equal(cat('norm').dispatches, 0);
  assert.equal(s.medianInvocations, 80 * 64);
  assert.deepEqual(s.records.map((r) => [r.name, r.limit]), [['a', 'memory'], ['b', 'memory'], ['c', 'memory']]);
  const text = projectionText({ gpu: v100, formula: FORMULA, schedules: [s] }).join('\n');
  assert.match(text, /projected onto NVIDIA Tesla V100 SXM2 .*15\.7 TFLOP\/s FP32, 900 GB\/s, 5120 lanes at 1\.53 GHz, 2 µs per dispatch/);
  assert.match(text, /Copy +60\.0%/);
  assert.match(text, /Matrix multiplication +40\.0%/);
  assert.match(text, /ms +0\.010/);
});
