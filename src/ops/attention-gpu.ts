// The GPU family's attention kernels share one flash-attention workgroup (shaders/include/
// flash_attention.wgsl): its tile sizes, what it reads and how it spreads the work, for the op
// builders' grids and counts; and attention's GPU dispatch (shaders/gpu/attention.wgsl).
import type { GraphBuilder } from '../graph/builder.ts';
import { roundUp, type Parallelism, type Tensor } from '../graph/ir.ts';

/**
 * flash_attention.wgsl's tile: a workgroup of WG invocations owns BQ queries × DO value channels of
 * one head; keys come in chunks of BK, q·k channels in steps of DC.
 */
export const FLASH = { WG: 64, BQ: 16, BK: 32, DC: 16, DO: 64 } as const;

/**
 * Bytes of flash_attention.wgsl's workgroup arrays: k [DC, BK], v [BK, DO], p [BK, BQ], q [DC, BQ],
 * l, a [BQ], and lane_groups.wgsl's lanes_red [WG] (its subgroup form adds two u32).
 */
export function flashWorkgroupBytes(subgroups: boolean): number {
  return 4 * (FLASH.DC * FLASH.BK + FLASH.BK * FLASH.DO + FLASH.BK * FLASH.BQ + FLASH.DC * FLASH.BQ + 2 * FLASH.BQ + FLASH.WG) + (subgroups ? 8 : 0);
}

/** One flash workgroup's work: its key chunks, and the values its staging loads (q, k of the q·k channels; v of its DO channels). */
export function flashWork(tokens: number, dqk: number, dv: number) {
  const chunks = Math.ceil(tokens / FLASH.BK);
  const qOnce = dqk <= FLASH.DC;
  return {
    chunks,
    /** query tiles and value-channel tiles: the grid per head */
    QT: Math.ceil(tokens / FLASH.BQ),
    DT: Math.ceil(dv / FLASH.DO),
    /** values staged by one workgroup: q (once, or again for every key chunk) and k */
    qkLoads: FLASH.BQ * dqk * (qOnce ? 1 : chunks) + chunks * FLASH.BK * dqk,
    /** values staged by the DT workgroups of one query tile together: each key's dv values */
    vLoads: chunks * FLASH.BK * dv,
    /** logits per workgroup (one bias read each where the kernel adds one) */
    logits: chunks * FLASH.BK * FLASH.BQ,
  };
}

/**
 * The flash workgroup's parallelism: 64 invocations; 16 output accumulators and 8 scores; per key
 * chunk 8 scores over the q·k channels (rounded up to DC) and a 4 × 4 tile over BK keys, in series
 * (`extraSerial`: FMAs the kernel's gathers add per invocation, e.g. a depthwise conv on q).
 * `subgroups`: the kernel's subgroup form (the rows' reductions by shuffles, lane_groups.wgsl).
 */
export function flashParallelism(tokens: number, dqk: number, subgroups: boolean, extraSerial = 0): Parallelism {
  const chunks = Math.ceil(tokens / FLASH.BK);
  const perChunk = (FLASH.BK / 4) * roundUp(dqk, FLASH.DC) + 16 * FLASH.BK;
  return { workgroupSize: FLASH.WG, workgroupMemory: flashWorkgroupBytes(subgroups), accumulators: 16 + FLASH.BK / 4, serialFmas: chunks * perChunk + extraSerial };
}

/** attention() in the GPU family: one flash workgroup per (image, head, 16 queries, 64 value channels). */
export function attentionGpu(g: GraphBuilder, name: string, qkv: Tensor, y: Tensor, heads: number): Tensor {
  const [B, C3, h, w] = qkv.shape;
  const C = C3 / 3, d = C / heads, N = h * w;
  const f = flashWork(N, d, d);
  g.node({
    name,
    kernel: { file: 'gpu/attention.wgsl', entry: 'main', overrides: {}, subgroups: g.tuning.subgroups },
    bind: { qkv: { tensor: qkv }, y: { tensor: y } },
    params: { C, d, heads, N, PS: qkv.planeStride, DT: f.DT, scale: d ** -0.5 },
    workgroups: [f.QT, heads * f.DT, B],
    flops: 4 * B * heads * N * N * d + 5 * B * heads * N * N,
    // Per (image, head, query tile): each of the DT workgroups stages q and k, together they stage
    // v once (keys past N repeat the last: counted); y is written once.
    bytesRead: 4 * B * heads * f.QT * (f.DT * f.qkLoads + f.vLoads),
    bytesWritten: 4 * y.size,
    // flash_attention.wgsl's workgroup (flashParallelism).
    parallelism: flashParallelism(N, d, g.tuning.subgroups),
  });
  return y;
}
