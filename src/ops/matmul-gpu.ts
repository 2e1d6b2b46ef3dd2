// The GPU family's matrix products on strided views (shaders/gpu/matmul.wgsl): a workgroup of T × T
// invocations owns a 4T × 4T output tile, 4 × 4 per invocation, K staged 16 at a time through
// workgroup memory. matmul (src/ops/matmul.ts) calls this when `g.tuning.kernels === 'gpu'`, with
// the views it has checked and the params it shares with the CPU family.
import type { GraphBuilder } from '../graph/builder.ts';
import { roundUp, type Binding } from '../graph/ir.ts';

/** Below this many workgroups of 64 × 64 tiles, the tiles shrink to 32 × 32: a GPU wants hundreds in flight. */
export const MATMUL_GPU_FILL = 128;
/** k per stage. */
const KT = 16;
/** Workgroup memory: two staged tiles of KT rows of 16 vec4, sized for T = 16 whatever T runs. */
const STAGE_BYTES = 2 * KT * 16 * 16;
/** WebGPU's default maxComputeWorkgroupsPerDimension (grid z runs the batches). */
const MAX_GRID = 65535;

/** What matmul() has worked out: the problem, the batch grid, its bindings and the view params of both families. */
export interface MatmulProblem {
  M: number; N: number; K: number;
  /** the two batch dims [nb1, nb2] (broadcast) */
  lead: number[];
  bind: Record<string, Binding>;
  /** nb2, the views' offsets and strides (ao, as1, …, csc) and biasMode (0: none, 1: along n, 2: along m) */
  views: Record<string, number>;
}

/** Invocations per side: 16 (64 × 64 tiles), or 8 (32 × 32) when 64-wide tiles give fewer than MATMUL_GPU_FILL workgroups. */
export function matmulGpuSide(M: number, N: number, batches: number): number {
  return batches * Math.ceil(M / 64) * Math.ceil(N / 64) >= MATMUL_GPU_FILL ? 16 : 8;
}

/** gpu/matmul.wgsl: c = a · b (+ bias) over the batch, into the view matmul() made or was given. */
export function matmulGpu(g: GraphBuilder, name: string, pr: MatmulProblem): void {
  const { M, N, K, lead } = pr, biasMode = pr.views.biasMode;
  const batches = lead[0] * lead[1];
  if (batches > MAX_GRID) throw new Error(`${name}: ${batches} batches exceed the ${MAX_GRID} workgroups a grid dimension may have; split the batch`);
  const T = matmulGpuSide(M, N, batches), tile = 4 * T;
  const tilesM = Math.ceil(M / tile), tilesN = Math.ceil(N / tile);
  g.node({
    name,
    kernel: { file: 'gpu/matmul.wgsl', entry: 'main', overrides: { T } },
    bind: pr.bind,
    params: { M, N, K, ...pr.views },
    workgroups: [tilesN, tilesM, batches],
    flops: 2 * batches * M * N * K + (biasMode ? batches * M * N : 0),
    // Each workgroup gathers its rows of a and its columns of b over K (nothing past M, N, K), and the
    // bias of its columns (along n) or rows (along m); every output once.
    bytesRead: 4 * batches * (tilesN * M * K + tilesM * K * N + [0, tilesM * N, tilesN * M][biasMode]),
    bytesWritten: 4 * batches * M * N,
    // T × T invocations, each 4 rows × 4 columns (16 floats) over K rounded up to 16; two staged tiles.
    parallelism: { workgroupSize: T * T, workgroupMemory: STAGE_BYTES, accumulators: 16, serialFmas: 16 * roundUp(K, KT) },
  });
}
