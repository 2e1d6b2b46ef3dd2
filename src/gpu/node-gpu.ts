// The Node path: Dawn's bindings from npm `webgpu`. Dawn needs a Vulkan driver; on machines
// without one we fall back to the SwiftShader (CPU) driver that Debian/Ubuntu's chromium ships.
import { existsSync } from 'node:fs';
import { openDevice, type Gpu } from './device.ts';

const SWIFTSHADER_ICDS = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
  '/usr/lib64/chromium-browser/vk_swiftshader_icd.json',
  '/opt/google/chrome/vk_swiftshader_icd.json',
];

export interface NodeGpuOptions {
  /** Dawn toggles, e.g. ['disable_robustness'] (needs allow_unsafe_apis, added for you). */
  toggles?: string[];
  /** Dawn toggles to turn off, e.g. ['timestamp_quantization'] for unquantised GPU timestamps (profiling). */
  disable?: string[];
}

export async function openNodeGpu(opts: NodeGpuOptions = {}): Promise<Gpu> {
  const webgpu = await import('webgpu').catch((e) => {
    throw new Error(`cannot load the npm package "webgpu" (Dawn for Node): ${e.message}. Run "npm ci" in the webvit folder.`);
  });
  Object.assign(globalThis, webgpu.globals);
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  const flags = [
    ...(opts.toggles?.length ? [`enable-dawn-features=allow_unsafe_apis,${opts.toggles.join(',')}`] : []),
    ...(opts.disable?.length ? [`disable-dawn-features=${opts.disable.join(',')}`] : []),
  ];
  const tryOpen = async () => {
    const instance = webgpu.create(flags);
    const adapter = await instance.requestAdapter();
    return adapter ? { instance } : null;
  };
  let found = await tryOpen();
  if (!found && !process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES) {
    const icd = SWIFTSHADER_ICDS.find((p) => existsSync(p));
    if (!icd) {
      throw new Error('no usable Vulkan driver for WebGPU in Node. Install a GPU driver with Vulkan support, or the CPU fallback: ' +
        '"sudo apt-get install chromium libvulkan1" (its SwiftShader driver is found automatically), or set VK_ICD_FILENAMES.');
    }
    console.error(`webvit: no usable Vulkan GPU driver; using the SwiftShader CPU driver from ${icd} (slow, for testing)`);
    process.env.VK_ICD_FILENAMES = icd;
    found = await tryOpen();
  }
  if (!found) {
    throw new Error('Dawn found no WebGPU adapter. Check that libvulkan1 is installed ("sudo apt-get install libvulkan1") and that ' +
      `VK_ICD_FILENAMES (${process.env.VK_ICD_FILENAMES ?? 'unset'}) names a working Vulkan driver.`);
  }
  return openDevice(found.instance, found.instance, true);
}
