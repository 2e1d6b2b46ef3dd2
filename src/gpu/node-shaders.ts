// Node reads shaders/ from the package folder.
import { readFile } from 'node:fs/promises';
import type { ShaderLoader } from './shaders.ts';

const shaderDir = new URL('../../shaders/', import.meta.url);

export const nodeShaderLoader: ShaderLoader = async (file) => {
  try {
    return await readFile(new URL(file, shaderDir), 'utf8');
  } catch (e) {
    throw new Error(`cannot read shader ${file} from ${shaderDir.pathname}: ${(e as Error).message}`);
  }
};
