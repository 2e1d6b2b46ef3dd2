// Multi-head softmax attention over the tokens of a small map: EdgeViT's global sparse attention on
// its delegate tokens (the qkv map comes from lnQkv). One attention.wgsl dispatch, one invocation per
// (image, head, 8 queries); scores pass through a storage scratch tensor private to each invocation.
// The GPU family runs gpu/attention.wgsl instead: flash attention (attention-gpu.ts).
import type { GraphBuilder } from '../graph/builder.ts';
import { roundUp, type Tensor } from '../graph/ir.ts';
import { grid1d } from './common.ts';
import { attentionGpu } from './attention-gpu.ts';

/** Queries per invocation and keys per scoring step, fixed by the kernel (which also takes 12 channels per output step). */
const TILE_Q = 8, TILE_K = 8;

export interface AttentionOptions {
  /** workgroup size (multiple of 4); default from the tuning (small on a CPU adapter, so one head of a small map spreads over its cores) */
  wg?: number;
}

/**
 * qkv [B, 3C, h, w] → [B, C, h, w]. Channel s·C + head·d + j of qkv is q (s = 0), k (1) or v (2) of
 * `head` (d = C / heads), as upstream's reshape to [B, N, 3, heads, d]; the N = h·w tokens are the
 * pixels in row-major order. out[head·d + j, n] = Σ_m softmax_m(q_n·k_m · d^-0.5) · v_m[j].
 */
export function attention(g: GraphBuilder, name: string, qkv: Tensor, heads: number, opts: AttentionOptions = {}): Tensor {
  if (qkv.shape.length !== 4) throw new Error(`${name}: input ${qkv.name} has shape [${qkv.shape}], expected a qkv map [B, 3C, h, w]`);
  const [B, C3, h, w] = qkv.shape;
  if (C3 % 3 !== 0) throw new Error(`${name}: input ${qkv.name} [${qkv.shape}] has ${C3} channels, not 3·C (q, k and v)`);
  const C = C3 / 3;
  if (!Number.isInteger(heads) || heads < 1 || C % heads !== 0) throw new Error(`${name}: ${C} channels do not split into ${heads} heads`);
  const d = C / heads, N = h * w;
  if (g.tuning.kernels === 'gpu') return attentionGpu(g, name, qkv, g.tensor(name, [B, C, h, w]), heads);
  const wg = opts.wg ?? g.tuning.attention.wg;
  if (wg % 4 !== 0) throw new Error(`${name}: workgroup size ${wg} must be a multiple of 4 (GPUs and SwiftShader run 4 lanes at a time)`);
  const y = g.tensor(name, [B, C, h, w]);
  const QT = Math.ceil(N / TILE_Q), NK = roundUp(N, TILE_K), count = B * heads * QT;
  const scratch = g.tensor(`${name}.scores`, [count, NK * TILE_Q]);
  g.node({
    name,
    kernel: { file: 'attention.wgsl', entry: 'main', overrides: { WG: wg } },
    bind: { qkv: { tensor: qkv }, y: { tensor: y }, e: { tensor: scratch } },
    params: { C, d, heads, N, PS: qkv.planeStride, QT, NK, count, scale: d ** -0.5 },
    workgroups: grid1d(count, wg),
    flops: 4 * B * heads * N * N * d + 5 * B * heads * N * N,
    // Reads q, k, v (the padded planes); writes y; the scores go through the scratch e: written once,
    // read and rewritten as exp, read again for Σ e·v.
    bytesRead: 4 * (qkv.size + 2 * scratch.size),
    bytesWritten: 4 * (y.size + 2 * scratch.size),
    // One invocation per 8 queries: scores of 8 keys × 8 queries (64 floats), then 12 channels × 8
    // queries (96); in series 8 · NK keys · d (rounded to 4) FMAs, then 96 per key and 12 channels.
    parallelism: { workgroupSize: wg, workgroupMemory: 0, accumulators: 96, serialFmas: 8 * NK * roundUp(d, 4) + 96 * qkv.planeStride * Math.ceil(d / 12) },
  });
  return y;
}
