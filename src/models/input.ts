// What a model's graph is built for: every model builder takes it.
import type { OutputRequest } from './backbone.ts';

/** Images per batch and their size in pixels; `outputs`: backbone mode's stages and embedding instead of the logits. */
export interface InputSpec { batch: number; height: number; width: number; outputs?: OutputRequest }
