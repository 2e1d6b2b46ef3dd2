// A model's weights for one schedule, in one GPU buffer shared by the plans of every input shape:
// graph builders ask for weights by name, the first graph lays them out and uploads them, later
// graphs (other shapes) get the same ranges back without copying anything, and the CPU copy is let
// go once uploaded. Weights are 256-byte aligned so each range can be bound on its own
// (minStorageBufferOffsetAlignment).
//
// The pool's format says how the matrix weights (the big ones, read by kernels through
// shaders/include/weights.wgsl) are stored: float32, or IEEE half (half the memory and bandwidth;
// 'f16' kernels read it as vec4<f16>, 'f16-packed' ones as pairs of halves in u32s: the same bytes).
// Other weights (biases, norms, tables) stay float32.
import { roundUp, type WeightRef } from './ir.ts';
import type { WeightFormat } from '../gpu/pipelines.ts';
import { toHalves } from '../weights/dtype.ts';

const ALIGN_BYTES = 256;

export class WeightPool {
  private refs = new Map<string, WeightRef>();
  private pending: { byteOffset: number; data: Float32Array | Uint16Array }[] = [];
  private used = 0;
  private buffer: GPUBuffer | null = null;

  /**
   * `format`: how matrix weights are stored; `perGraph`: the pool serves one graph only (a shape whose
   * graph needs weights the shared pool lacks), which frees it with its plan.
   */
  constructor(readonly format: WeightFormat = 'f32', readonly perGraph = false) {}

  /** once uploaded the layout is fixed: a graph that needs other weights gets a pool of its own */
  get frozen(): boolean { return this.buffer !== null; }
  get bytes(): number { return Math.max(this.used, 16); }

  /**
   * The range for `name`, laid out on first use (`data` zero-padded to `paddedLength` values; a
   * `matrix` weight in the pool's format, others float32), or null when frozen without it.
   */
  get(name: string, data: Float32Array, paddedLength: number, matrix = false): WeightRef | null {
    const length = roundUp(Math.max(paddedLength, 4), 4);
    const dtype = matrix && this.format !== 'f32' ? 'f16' : 'f32';
    const byteLength = length * (dtype === 'f16' ? 2 : 4);
    const have = this.refs.get(name);
    if (have) return have.byteLength === byteLength && have.dtype === dtype ? have : null;
    if (this.frozen) return null;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) throw new Error(`weight ${name} has a non-finite value (${data[i]}) at index ${i}: the checkpoint is corrupt or was trained into NaN`);
    }
    if (dtype === 'f16') checkHalfRange(name, data);
    const ref: WeightRef = { name, byteOffset: this.used, byteLength, dtype };
    this.refs.set(name, ref);
    this.pending.push({ byteOffset: this.used, data: dtype === 'f16' ? toHalves(data, length) : data });
    this.used = roundUp(this.used + byteLength, ALIGN_BYTES);
    return ref;
  }

  /** The GPU buffer holding every weight: created and written on the first call (then the CPU copies are dropped). */
  upload(device: GPUDevice, label: string, onProgress?: (loaded: number, total: number) => void): GPUBuffer {
    if (this.buffer) return this.buffer;
    const total = this.bytes;
    const buffer = device.createBuffer({ label: `${label}:weights`, size: total, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    let loaded = 0;
    try {
      for (const c of this.pending) {
        // writeBuffer needs a multiple of 4 bytes: half weights are padded to a multiple of 4 values.
        device.queue.writeBuffer(buffer, c.byteOffset, c.data.buffer as ArrayBuffer, c.data.byteOffset, c.data.byteLength);
        loaded += c.data.byteLength;
        onProgress?.(loaded, total);
      }
      onProgress?.(total, total);
    } catch (e) {
      buffer.destroy(); // progress threw (an aborted load): nothing of the upload stays on the GPU
      throw e;
    }
    this.pending = [];
    this.buffer = buffer;
    return buffer;
  }

  destroy(): void { this.buffer?.destroy(); this.buffer = null; }
}

/** IEEE half overflows past 65504: such a weight cannot be stored as half without turning into infinity. */
function checkHalfRange(name: string, data: Float32Array): void {
  for (let i = 0; i < data.length; i++) {
    if (Math.abs(data[i]) > 65504) {
      throw new Error(`weight ${name} holds ${data[i]} at index ${i}, beyond half precision's range (±65504): load this model with dtype 'f32'`);
    }
  }
}
