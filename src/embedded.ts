// Assets that a built package carries inside its JavaScript, so that a bundler user copies nothing:
// scripts/build.ts replaces this module with the contents of shaders/ and the code of the parse
// worker (src/weights/parse-worker.ts). Running from source, both are null: shaders are read from
// shaders/ (Node) or fetched next to the bundle, and checkpoints are parsed on the calling thread.
export const EMBEDDED_SHADERS: Readonly<Record<string, string>> | null = null;
export const PARSE_WORKER_CODE: string | null = null;
