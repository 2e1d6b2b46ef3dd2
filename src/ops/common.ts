// Helpers shared by the op builders.
import type { Parallelism, Tensor } from '../graph/ir.ts';

export const MAX_WORKGROUPS_X = 65535;

/** Grid for `invocations` threads in workgroups of `wg`, folded into y when x would overflow. */
export function grid1d(invocations: number, wg: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(invocations / wg));
  if (groups <= MAX_WORKGROUPS_X) return [groups, 1, 1];
  return [MAX_WORKGROUPS_X, Math.ceil(groups / MAX_WORKGROUPS_X), 1];
}

export function expectShape(op: string, t: Tensor, shape: (number | null)[]): void {
  const ok = t.shape.length === shape.length && shape.every((s, i) => s === null || s === t.shape[i]);
  if (!ok) throw new Error(`${op}: input ${t.name} has shape [${t.shape}], expected [${shape.map((s) => s ?? '*')}]`);
}

export function expectLength(op: string, what: string, data: ArrayLike<number>, n: number): void {
  if (data.length !== n) throw new Error(`${op}: ${what} has ${data.length} values, expected ${n}`);
}

/** The GPU family's row reductions (gpu/softmax, gpu/norm, gpu/mean): one workgroup of ROW_WG invocations per row (their RED_WG). */
export const ROW_WG = 64;

/**
 * A row reduction's parallelism: ROW_WG invocations, workgroup_reduce.wgsl's `red` (a vec4 per
 * invocation; its subgroup form adds red_slot and red_n, 4 bytes each), `accumulators` live floats,
 * `perRow` serial steps of each invocation's share plus `reductions` halving trees of log2(ROW_WG).
 */
export function rowReduction(subgroups: boolean, accumulators: number, share: number, reductions: number): Parallelism {
  return { workgroupSize: ROW_WG, workgroupMemory: 16 * ROW_WG + (subgroups ? 8 : 0), accumulators, serialFmas: share + reductions * Math.log2(ROW_WG) };
}
