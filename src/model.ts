// A loaded model: checkpoint → graph → compiled plans, one per input shape (batch, H, W), built on
// first use and reused. Inputs are plain NCHW float32; outputs are [batch, classes] logits.
import type { Runtime } from './runtime.ts';
import type { CompiledGraph } from './graph/executor.ts';
import { fromPadded, toPadded } from './graph/layout.ts';
import { loadStateDict } from './weights/load.ts';
import type { StateDict } from './weights/tensor.ts';
import { modelInfo, type ModelInfo } from './models/registry.ts';
import { scheduleNamed, type ScheduleName } from './schedule/index.ts';

export interface InferenceResult { logits: Float32Array; batch: number; classes: number }

export class Model {
  private plans = new Map<string, Promise<CompiledGraph>>();
  constructor(readonly runtime: Runtime, readonly info: ModelInfo, private sd: StateDict) {}

  static fromBytes(runtime: Runtime, name: string, bytes: Uint8Array | ArrayBuffer): Model {
    return new Model(runtime, modelInfo(name), loadStateDict(bytes));
  }

  /** Compiles (or reuses) the plan for this input shape and schedule (fused: inference; unfused: one dispatch per eager op). */
  plan(batch: number, height: number, width: number, schedule: ScheduleName = 'fused'): Promise<CompiledGraph> {
    scheduleNamed(schedule);
    const key = planKey(batch, height, width, schedule);
    let p = this.plans.get(key);
    if (!p) {
      const g = this.info.build(this.sd, { batch, height, width }, schedule);
      p = this.runtime.compile(g, `${this.info.name}@${key}`);
      this.plans.set(key, p);
      p.catch(() => this.plans.delete(key));
    }
    return p;
  }

  /** Frees the plan for this input shape and schedule, if one was built (the next use builds it again). */
  release(batch: number, height: number, width: number, schedule: ScheduleName = 'fused'): void {
    const key = planKey(batch, height, width, schedule);
    this.plans.get(key)?.then((c) => c.destroy(), () => {});
    this.plans.delete(key);
  }

  /** Runs the model on `input`, float32 NCHW [batch, 3, height, width]. */
  async run(input: Float32Array, batch: number, height: number, width: number, schedule: ScheduleName = 'fused'): Promise<InferenceResult> {
    if (input.length !== batch * 3 * height * width) {
      throw new Error(`input has ${input.length} floats; [${batch}, 3, ${height}, ${width}] needs ${batch * 3 * height * width}`);
    }
    const bad = input.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`input value ${bad} is ${input[bad]}: inputs must be finite numbers (check the preprocessing)`);
    const plan = await this.plan(batch, height, width, schedule);
    const out = await plan.run(toPadded(plan.inputs[0], input));
    const logits = fromPadded(plan.output, out);
    return { logits, batch, classes: plan.output.shape[1] };
  }

  destroy(): void {
    for (const p of this.plans.values()) p.then((c) => c.destroy(), () => {});
    this.plans.clear();
  }
}

const planKey = (batch: number, height: number, width: number, schedule: ScheduleName) => `${batch}x${height}x${width}:${schedule}`;
