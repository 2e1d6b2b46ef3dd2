// The ESM build of wgsl_reflect has the same API as the package's typed entry (whose CommonJS build
// hides some named exports from Node's ESM loader).
declare module 'wgsl_reflect/wgsl_reflect.module.js' {
  export * from 'wgsl_reflect';
}
