// A model's weights for one schedule, in one GPU buffer shared by the plans of every input shape:
// graph builders ask for weights by name, the first graph lays them out and uploads them, later
// graphs (other shapes) get the same ranges back without copying anything, and the CPU copy is let
// go once uploaded. Weights are 256-byte aligned so each range can be bound on its own
// (minStorageBufferOffsetAlignment).
import { roundUp, type WeightRef } from './ir.ts';

const ALIGN_FLOATS = 64;

export class WeightPool {
  private refs = new Map<string, WeightRef>();
  private pending: { offset: number; data: Float32Array }[] = [];
  private floats = 0;
  private buffer: GPUBuffer | null = null;
  /** once uploaded the layout is fixed: a graph that needs other weights gets a pool of its own */
  get frozen(): boolean { return this.buffer !== null; }
  get bytes(): number { return Math.max(this.floats, 4) * 4; }

  /** The range for `name`, laid out on first use (`data` zero-padded to `paddedLength` floats), or null when frozen without it. */
  get(name: string, data: Float32Array, paddedLength: number): WeightRef | null {
    const size = roundUp(Math.max(paddedLength, 4), 4);
    const have = this.refs.get(name);
    if (have) return have.size === size ? have : null;
    if (this.frozen) return null;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) throw new Error(`weight ${name} has a non-finite value (${data[i]}) at index ${i}: the checkpoint is corrupt or was trained into NaN`);
    }
    const ref = { name, offset: this.floats, size };
    this.refs.set(name, ref);
    this.pending.push({ offset: this.floats, data });
    this.floats = roundUp(this.floats + size, ALIGN_FLOATS);
    return ref;
  }

  /** The GPU buffer holding every weight: created and written on the first call (then the CPU copies are dropped). */
  upload(device: GPUDevice, label: string, onProgress?: (loaded: number, total: number) => void): GPUBuffer {
    if (this.buffer) return this.buffer;
    const total = this.bytes;
    const buffer = device.createBuffer({ label: `${label}:weights`, size: total, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    let loaded = 0;
    for (const c of this.pending) {
      device.queue.writeBuffer(buffer, c.offset * 4, c.data.buffer as ArrayBuffer, c.data.byteOffset, c.data.byteLength);
      loaded += c.data.byteLength;
      onProgress?.(loaded, total);
    }
    onProgress?.(total, total);
    this.pending = [];
    this.buffer = buffer;
    return buffer;
  }

  destroy(): void { this.buffer?.destroy(); this.buffer = null; }
}
