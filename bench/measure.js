// How every runtime is measured, the same in the benchmark page and in Node (onnxruntime-node):
// plain JS so that both can import it.
//
// spec: { runtime, model, res, cases: [{ batch }], runs, minRuns, budgetMs, skipBatchAboveMs, coldOnly? }
// inputs: one Float32Array per case; open(): the runtime on weights already in memory, as
//   { run(x, batch) → logits, gpuMs(batch) → ms | null, describe(batch) → { flops, pipelines } | null, memory() → object | null, dispose() };
// counters(): { live, peak, buffers, dispatches, submits } of the GPU calls so far (zeros without a GPU).
//
// Cold start: weights in memory → the first case's first logits (open() and one run: for webvit
// parse, fold, upload and compile; for onnxruntime session creation and the first run). Then per
// case (batch size): one run to build that shape, one warm-up, one counted run (dispatches, submits,
// GPU buffers created), and the timed runs: `runs` of them, or fewer (at least `minRuns`, marked
// `reduced`) once they have taken `budgetMs`. A batch > 1 is skipped when one batch-1 run took more
// than `skipBatchAboveMs`. With `coldOnly` it stops after the cold start: bench/run.ts repeats the
// cold start on further fresh pages that way, so that its spread is measured.
export async function measure(spec, inputs, open, counters) {
  const t0 = performance.now();
  const rt = await open();
  const afterLoad = counters().live;
  const first = await rt.run(inputs[0], spec.cases[0].batch);
  const coldMs = performance.now() - t0;
  const cases = [];
  let batch1Ms = null;
  try {
    if (spec.coldOnly) return { coldMs, firstLogits: Array.from(first), gpuBytes: { afterLoad, peak: counters().peak }, memory: rt.memory(), cases };
    for (const [i, c] of spec.cases.entries()) {
      const x = inputs[i], b = c.batch;
      if (b > 1 && batch1Ms !== null && batch1Ms > spec.skipBatchAboveMs) {
        cases.push({ batch: b, skipped: `one batch-1 run takes ${(batch1Ms / 1000).toFixed(1)} s` });
        continue;
      }
      if (i > 0) await rt.run(x, b);
      await rt.run(x, b);
      const s0 = counters();
      const logits = await rt.run(x, b);
      const s1 = counters();
      const times = [];
      let spent = 0;
      while (times.length < spec.runs && !(times.length >= spec.minRuns && spent > spec.budgetMs)) {
        const t = performance.now();
        await rt.run(x, b);
        times.push(performance.now() - t);
        spent += times[times.length - 1];
      }
      const gpuTimes = [];
      for (let k = 0; k < times.length; k++) {
        const ms = await rt.gpuMs(b);
        if (ms === null) break;
        gpuTimes.push(ms);
      }
      if (b === 1) batch1Ms = median(times);
      cases.push({
        batch: b, logits: Array.from(logits), times, gpuTimes, reduced: times.length < spec.runs, graph: await rt.describe(b),
        perRun: { dispatches: s1.dispatches - s0.dispatches, submits: s1.submits - s0.submits, buffersCreated: s1.buffers - s0.buffers },
      });
    }
    return { coldMs, firstLogits: Array.from(first), gpuBytes: { afterLoad, peak: counters().peak }, memory: rt.memory(), cases };
  } finally {
    await rt.dispose();
  }
}

// The same median as src/util/median.ts (the mean of the middle two when the count is even), copied:
// the benchmark page loads this file unbundled, as plain JS, so it cannot import that TypeScript module.
function median(xs) {
  const s = [...xs].sort((a, b) => a - b), h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}
