// Helpers shared by the op builders.
import type { Tensor } from '../graph/ir.ts';

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
