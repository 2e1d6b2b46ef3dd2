// The shader loader of a built package: shaders/ embedded in the bundle (see src/embedded.ts).
import { EMBEDDED_SHADERS } from '../embedded.ts';
import type { ShaderLoader } from './shaders.ts';

/** The embedded shaders, or null when running from source. */
export function embeddedShaderLoader(): ShaderLoader | null {
  const shaders = EMBEDDED_SHADERS;
  if (!shaders) return null;
  return async (file) => {
    if (!Object.hasOwn(shaders, file)) throw new Error(`shader ${file} is not in this build of webvit`);
    return shaders[file];
  };
}
