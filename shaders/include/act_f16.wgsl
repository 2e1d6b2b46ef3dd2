// act.wgsl's aliases for activations stored as IEEE half (needs shader-f16; the pipeline cache puts
// `enable f16;` first). Values are rounded to half where a kernel writes them, and read back exact.
alias act = f16;
alias act4 = vec4<f16>;
