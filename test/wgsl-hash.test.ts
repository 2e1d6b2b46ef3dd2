// bench/same-plans.ts calls two trees' dispatches the same when their WGSL hashes alike
// (bench/wgsl-hash.ts): comments, layout and item order must not count, any change to code must.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wgslHash } from '../bench/wgsl-hash.ts';

const KERNEL = `// y = 2x
@group(0) @binding(0) var<storage, read_write> y: array<f32>;
fn twice(v: f32) -> f32 { return 2.0 * v; } // doubles
fn id(i: u32) -> u32 { return i; }
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  y[id(g.x)] = twice(y[g.x]);
}
`;

test('wgslHash: comments, layout and the order of top-level items do not count; code does', () => {
  const h = wgslHash(KERNEL);
  assert.equal(wgslHash(KERNEL.replace('// y = 2x', '// doubles y').replace(' // doubles', '')), h, 'comments');
  assert.equal(wgslHash(KERNEL.replace('{ return 2.0 * v; }', '{\n    return 2.0  *  v;\n}\n\n')), h, 'layout');
  const moved = KERNEL.replace('fn twice(v: f32) -> f32 { return 2.0 * v; } // doubles\n', '') + 'fn twice(v: f32) -> f32 { return 2.0 * v; }\n';
  assert.equal(wgslHash(moved), h, 'a function moved (as into an include)');
  assert.notEqual(wgslHash(KERNEL.replace('2.0 * v', '3.0 * v')), h, 'a constant');
  assert.notEqual(wgslHash(KERNEL.replace('workgroup_size(64)', 'workgroup_size(32)')), h, 'an attribute');
  assert.notEqual(wgslHash(KERNEL.replace('y[id(g.x)] = twice(y[g.x]);', 'y[g.x] = twice(y[g.x]);')), h, 'a statement');
  // Statements inside a function keep their order, even where a line starts like a declaration.
  const body = (a: string, b: string) => `fn f() -> f32 {\n  var s = 0.0;\n  ${a}\n  ${b}\n  return s;\n}\n`;
  assert.notEqual(wgslHash(body('s = s * 2.0;', 's = s + 1.0;')), wgslHash(body('s = s + 1.0;', 's = s * 2.0;')), 'statement order');
  assert.notEqual(wgslHash(body('var a = 2.0;', 'var b = a;')), wgslHash(body('var b = a;', 'var a = 2.0;')), 'declaration order in a body');
});

test('wgslHash: a float32 kernel written with act.wgsl\'s types and identity conversions hashes as the plain one; a real conversion or the half form does not', () => {
  const plain = `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> r: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> k: array<u32>;
fn main() {
  let v = x[3u] + 1.0;
  y[0] = vec4(v, x[1u], x[min(2u, k[0])], 0.0) + r[0];
}
`;
  const typed = (alias: string) => `alias act = ${alias};
alias act4 = vec4<${alias}>;
@group(0) @binding(0) var<storage, read> x: array<act>;
@group(0) @binding(1) var<storage, read> r: array<act4>;
@group(0) @binding(2) var<storage, read_write> y: array<act4>;
@group(0) @binding(3) var<storage, read> k: array<u32>;
fn main() {
  let v = f32(x[3u]) + 1.0;
  y[0] = act4(vec4(v, f32(x[1u]), f32(x[min(2u, k[0])]), 0.0) + vec4<f32>(r[0]));
}
`;
  assert.equal(wgslHash(typed('f32')), wgslHash(plain), 'the float32 form');
  assert.notEqual(wgslHash(typed('f16')), wgslHash(plain), 'the half form');
  // A conversion of another type is kept: f32(k[0]) converts a u32.
  assert.notEqual(wgslHash(plain.replace('x[3u] + 1.0', 'f32(k[0]) + 1.0')), wgslHash(plain.replace('x[3u] + 1.0', 'k[0] + 1.0')));
  // A wrapper around more than the element is kept: f32(x[1u] * 2.0) is not an element read.
  assert.notEqual(wgslHash(plain.replace('x[1u], x[min', 'f32(x[1u] * 2.0), x[min')), wgslHash(plain.replace('x[1u], x[min', 'x[1u] * 2.0, x[min')));
});
