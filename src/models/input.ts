// What a model's graph is built for: every model builder takes it.

/** Images per batch and their size in pixels. */
export interface InputSpec { batch: number; height: number; width: number }
