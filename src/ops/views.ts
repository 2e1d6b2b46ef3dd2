// Strided views for the primitive kernels of the unfused schedule: slices, permutes and fresh
// outputs, and the params block each kernel reads a view from (offset + one stride per dim).
import type { GraphBuilder } from '../graph/builder.ts';
import { viewOf, type Binding, type Tensor, type View, type WeightRef } from '../graph/ir.ts';
import { castWeight } from './cast.ts';

/** A view of a weight range (e.g. a linear layer's matrix read transposed). */
export interface WeightView { weight: WeightRef; offset: number; shape: number[]; strides: number[] }
export type Operand = View | WeightView;

const isWeight = (o: Operand): o is WeightView => 'weight' in o;
export const bindingOf = (o: Operand): Binding => (isWeight(o) ? { weight: o.weight } : { tensor: o.tensor });

/**
 * The binding of an operand a kernel reads through an activation binding (`array<act>`,
 * shaders/include/act.wgsl): its tensor, or its weight — which a graph of half activations reads
 * through a half copy that a cast makes each run (castWeight; offsets and strides stay the same).
 */
export const activationBindingOf = (g: GraphBuilder, o: Operand): Binding =>
  (!isWeight(o) ? { tensor: o.tensor } : g.activations === 'f16' ? { tensor: castWeight(g, o.weight) } : { weight: o.weight });

/** A fresh tensor for `shape` and the view of it with that shape: rank 4 and 2 map directly, rank 3 is stored as [s0·s1, s2] rows. */
export function output(g: GraphBuilder, name: string, shape: number[]): View {
  if (shape.length === 4 || shape.length === 2) return viewOf(g.tensor(name, shape));
  if (shape.length === 3) {
    const t = g.tensor(name, [shape[0] * shape[1], shape[2]]);
    return { tensor: t, offset: 0, shape: [...shape], strides: [shape[1] * t.planeStride, t.planeStride, 1] };
  }
  throw new Error(`${name}: cannot store a rank-${shape.length} result [${shape}]`);
}

/** A [B, C, H, W] map (or a view of one whose planes are contiguous) as [B, C, H·W]: `x.flatten(2)`, a view. */
export function flattenPlanes(m: Tensor | View): View {
  const v = 'tensor' in m ? m : viewOf(m);
  const [B, C, H, W] = v.shape;
  if (v.shape.length !== 4 || v.strides[3] !== 1 || v.strides[2] !== W) throw new Error(`flattenPlanes: a [${v.shape}] view with strides [${v.strides}] has no contiguous planes`);
  return { ...v, shape: [B, C, H * W], strides: [v.strides[0], v.strides[1], 1] };
}

/** v[..., start:start+len, ...] along `dim`. */
export function slice<T extends Operand>(v: T, dim: number, start: number, len: number): T {
  if (start < 0 || len < 1 || start + len > v.shape[dim]) throw new Error(`slice [${start}, ${start + len}) of dim ${dim} (size ${v.shape[dim]}) is out of range`);
  return { ...v, offset: v.offset + start * v.strides[dim], shape: v.shape.map((s, d) => (d === dim ? len : s)) };
}

/** Dims reordered: result dim i is v's dim order[i] (torch.permute). */
export function permute<T extends Operand>(v: T, order: number[]): T {
  if (order.length !== v.shape.length || new Set(order).size !== order.length) throw new Error(`permute [${order}] does not fit a rank-${v.shape.length} view`);
  return { ...v, shape: order.map((d) => v.shape[d]), strides: order.map((d) => v.strides[d]) };
}

/** Splits dim `dim` into [outer, inner] (a view reshape; the dim must be laid out with one stride). */
export function split<T extends Operand>(v: T, dim: number, outer: number): T {
  const n = v.shape[dim];
  if (n % outer) throw new Error(`cannot split a dim of ${n} into ${outer} parts`);
  const shape = [...v.shape.slice(0, dim), outer, n / outer, ...v.shape.slice(dim + 1)];
  const strides = [...v.strides.slice(0, dim), (n / outer) * v.strides[dim], v.strides[dim], ...v.strides.slice(dim + 1)];
  return { ...v, shape, strides };
}

/** Left-pads a view to `rank` dims of size 1 (stride 0). */
export function rankUp<T extends Operand>(v: T, rank: number): T {
  if (v.shape.length > rank) throw new Error(`a rank-${v.shape.length} view [${v.shape}] has more than ${rank} dims`);
  const k = rank - v.shape.length;
  return { ...v, shape: [...Array(k).fill(1), ...v.shape], strides: [...Array(k).fill(0), ...v.strides] };
}

/** Broadcasts size-1 dims of `v` (rank-padded on the left) to `shape`, with stride 0. */
export function broadcast<T extends Operand>(v: T, shape: number[]): T {
  const r = rankUp(v, shape.length);
  r.shape.forEach((s, d) => { if (s !== shape[d] && s !== 1) throw new Error(`cannot broadcast [${v.shape}] to [${shape}]`); });
  return { ...r, shape: [...shape], strides: r.strides.map((st, d) => (r.shape[d] === 1 && shape[d] !== 1 ? 0 : st)) };
}

/** Params of a view for a kernel: `${p}o` the offset, `${p}s0`… the strides (left-padded to `rank`). */
export function viewParams(p: string, v: Operand, rank: number): Record<string, number> {
  const r = rankUp(v, rank);
  const out: Record<string, number> = { [`${p}o`]: r.offset };
  r.strides.forEach((s, d) => { out[`${p}s${d}`] = s; });
  return out;
}

/** Elements addressed by a view, each address once (stride-0 dims count once). */
export const distinct = (v: Operand): number => v.shape.reduce((n, s, d) => n * (v.strides[d] === 0 ? 1 : s), 1);

export const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((s, i) => s === b[i]);

export function expectViewShape(op: string, what: string, v: Operand, shape: number[]): void {
  if (!sameShape(v.shape, shape)) throw new Error(`${op}: ${what} has shape [${v.shape}], expected [${shape}]`);
}
