// The browser's runtime: a device on navigator.gpu, shaders from the bundle (or fetched), the tuning
// for the machine's threads.
import { openDevice } from '../gpu/device.ts';
import { fetchShaderLoader } from '../gpu/fetch-shaders.ts';
import { embeddedShaderLoader } from '../gpu/embedded-shaders.ts';
import { Runtime } from '../runtime.ts';
import type { TuningOverrides } from '../tuning.ts';

export interface BrowserRuntimeOptions {
  /** URL of a shaders/ folder to fetch from; default: the shaders built into the bundle (from source: ../shaders/ next to it) */
  shaderBase?: string | URL;
  /** replaces fields of the adapter's tuning */
  tuning?: TuningOverrides;
}

/** `defaultShaderBase`: where shaders/ is when the build embeds none (the entry computes it from its own URL). */
export async function openBrowserRuntime(opts: BrowserRuntimeOptions, defaultShaderBase: URL): Promise<Runtime> {
  const gpu = globalThis.navigator?.gpu;
  if (!gpu) {
    throw new Error('navigator.gpu is missing: WebGPU needs Chrome/Edge 113+ (or a browser with WebGPU enabled) ' +
      'and a secure context — open the page from https:// or http://localhost, not file://');
  }
  const embedded = opts.shaderBase === undefined ? embeddedShaderLoader() : null;
  return new Runtime(await openDevice(gpu), embedded ?? fetchShaderLoader(opts.shaderBase ?? defaultShaderBase),
    { threads: navigator.hardwareConcurrency, tuning: opts.tuning });
}
