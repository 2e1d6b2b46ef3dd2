// The schedules a model can be lowered to, by name.
import type { GraphBuilder } from '../graph/builder.ts';
import { FusedSchedule, OneKernelFfnSchedule } from './fused.ts';
import { UnfusedSchedule } from './unfused.ts';
import type { Schedule } from './layers.ts';

/** Makes the schedule that lowers one graph's layer calls. */
export type ScheduleFactory = (g: GraphBuilder) => Schedule;

export const SCHEDULES = {
  /** webvit's fused kernels: what inference runs */
  fused: (g: GraphBuilder): Schedule => new FusedSchedule(g),
  /** one dispatch per PyTorch eager op: the profiler's baseline */
  unfused: (g: GraphBuilder): Schedule => new UnfusedSchedule(g),
  /** fused, with each ReLU FFN in one kernel (ffn.wgsl): slower on SwiftShader, one dispatch fewer per FFN */
  'fused-ffn': (g: GraphBuilder): Schedule => new OneKernelFfnSchedule(g),
};
export type ScheduleName = keyof typeof SCHEDULES;

export function scheduleNamed(name: string): ScheduleFactory {
  if (!Object.hasOwn(SCHEDULES, name)) throw new Error(`unknown schedule "${name}"; one of: ${Object.keys(SCHEDULES).join(', ')}`);
  return SCHEDULES[name as ScheduleName];
}
