// Reads a model's tensors out of a state dict by upstream key name, checking shapes, and reports
// every missing, mismatched and unexpected key in one error (with expected and found shapes).
import type { BatchNormParams } from '../weights/fold.ts';
import type { StateDict } from '../weights/tensor.ts';
import { checkpointMetadata } from '../weights/load.ts';

const IGNORED = /(^|\.)num_batches_tracked$/;

export class CheckpointReader {
  private used = new Set<string>();
  private problems: string[] = [];
  private unusedPrefixes: string[] = [];

  /** the BatchNorms are folded into the layers next to them (a file `webvit convert` wrote) */
  readonly folded: boolean;

  constructor(private sd: StateDict, private model: string) {
    const meta = checkpointMetadata(sd);
    this.folded = meta['webvit.folded'] === 'batchnorm';
    const made = meta['webvit.model'];
    if (typeof made === 'string' && made !== model) this.problems.push(`this file was converted from ${made}, not ${model}: load it as ${made}`);
  }

  /** f32 tensor with this shape; a [out, in] tensor is accepted where [out, in, 1, 1] is expected. */
  get(key: string, shape: number[]): Float32Array {
    this.used.add(key);
    const t = this.sd.get(key);
    const n = shape.reduce((a, b) => a * b, 1);
    if (!t) { this.problems.push(`missing ${key} (expected [${shape}])`); return new Float32Array(n); }
    const sameShape = t.shape.length === shape.length && t.shape.every((s, i) => s === shape[i]);
    const as2d = shape.length === 4 && shape[2] === 1 && shape[3] === 1 && t.shape.length === 2 && t.shape[0] === shape[0] && t.shape[1] === shape[1];
    if (!(sameShape || as2d) || t.dtype !== 'f32') {
      this.problems.push(`${key}: expected float [${shape}], found ${t.dtype} [${t.shape}]`);
      return new Float32Array(n);
    }
    return t.data as Float32Array;
  }

  /** int64 tensor (e.g. attention_bias_idxs) as numbers, or null when absent (it can be rebuilt). */
  indices(key: string): { shape: number[]; data: Int32Array } | null {
    this.used.add(key);
    const t = this.sd.get(key);
    if (!t) return null;
    if (t.dtype !== 'i64') { this.problems.push(`${key}: expected int64, found ${t.dtype} [${t.shape}]`); return null; }
    return { shape: t.shape, data: Int32Array.from(t.data as BigInt64Array, Number) };
  }

  /** Shape of a tensor, to read hyper-parameters such as the attention bias table size. */
  shapeOf(key: string): number[] | null { return this.sd.get(key)?.shape ?? null; }

  has(prefix: string): boolean { for (const k of this.sd.keys()) if (k.startsWith(prefix)) return true; return false; }

  bn(prefix: string, c: number): BatchNormParams {
    return {
      weight: this.get(`${prefix}.weight`, [c]), bias: this.get(`${prefix}.bias`, [c]),
      running_mean: this.get(`${prefix}.running_mean`, [c]), running_var: this.get(`${prefix}.running_var`, [c]),
    };
  }

  /**
   * Whether BatchNorm `prefix` is folded into its layer: in a converted file, unless the file keeps it
   * (one whose running mean the fused kernels subtract from their input: FusedSchedule.fold).
   */
  foldedBn(prefix: string): boolean { return this.folded && !this.sd.has(`${prefix}.running_var`); }

  problem(message: string): void { this.problems.push(message); }

  /** Keys under these prefixes may go unused (the parts of the model a backbone-mode graph does not compute, such as the head). */
  allowUnused(prefixes: readonly string[]): void { for (const p of prefixes) this.unusedPrefixes.push(p); }

  /** Throws one error listing the problems and the keys the model did not use (the first of each, with counts). */
  finish(): void {
    const unexpected = [...this.sd.keys()].filter((k) => !this.used.has(k) && !IGNORED.test(k) && !this.unusedPrefixes.some((p) => k.startsWith(p)));
    if (!this.problems.length && !unexpected.length) return;
    const list = (items: string[], n: number) => items.slice(0, n).map((l) => `\n  ${l}`).join('') + (items.length > n ? `\n  … and ${items.length - n} more` : '');
    throw new Error(`this checkpoint does not fit ${this.model} (is it a different model or variant?)` +
      (this.problems.length ? `\n${this.problems.length} missing or mismatched:${list(this.problems, 25)}` : '') +
      (unexpected.length ? `\n${unexpected.length} unexpected:${list(unexpected.map((k) => `unexpected ${k} [${this.sd.get(k)!.shape}]`), 15)}` : ''));
  }
}
