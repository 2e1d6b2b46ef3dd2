// Convolutions in NCHW with PyTorch's semantics (zero padding, floor for the output size, dilation 1).

export type Shape4 = [number, number, number, number];
export interface Tensor4 { y: Float32Array; shape: Shape4 }

export type Pair = number | [number, number];
const pair = (p: Pair): [number, number] => (typeof p === 'number' ? [p, p] : p);

export interface Conv2dOptions {
  cout: number;
  kh: number;
  kw: number;
  stride?: Pair;
  pad?: Pair;
  groups?: number;
}

/** torch.nn.functional.conv2d with weight [cout, cin/groups, kh, kw] and an optional bias [cout]. */
export function conv2d(x: Float32Array, shape: Shape4, w: Float32Array, bias: Float32Array | null, opts: Conv2dOptions): Tensor4 {
  const [B, cin, H, W] = shape;
  const { cout, kh, kw } = opts;
  const [sh, sw] = pair(opts.stride ?? 1);
  const [ph, pw] = pair(opts.pad ?? 0);
  const groups = opts.groups ?? 1;
  if (cin % groups !== 0 || cout % groups !== 0) throw new Error(`conv2d: ${cin}→${cout} channels do not split into ${groups} groups`);
  const cinPerGroup = cin / groups, coutPerGroup = cout / groups;
  if (w.length !== cout * cinPerGroup * kh * kw) throw new Error(`conv2d: weight has ${w.length} values, expected [${cout},${cinPerGroup},${kh},${kw}]`);
  if (x.length !== B * cin * H * W) throw new Error(`conv2d: input has ${x.length} values, shape says [${shape}]`);
  const Ho = Math.floor((H + 2 * ph - kh) / sh) + 1;
  const Wo = Math.floor((W + 2 * pw - kw) / sw) + 1;
  const y = new Float32Array(B * cout * Ho * Wo);
  for (let b = 0; b < B; b++) {
    for (let co = 0; co < cout; co++) {
      const g = Math.floor(co / coutPerGroup);
      for (let oy = 0; oy < Ho; oy++) {
        for (let ox = 0; ox < Wo; ox++) {
          let acc = bias ? bias[co] : 0;
          for (let ci = 0; ci < cinPerGroup; ci++) {
            const c = g * cinPerGroup + ci;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * sh - ph + ky;
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * sw - pw + kx;
                if (ix < 0 || ix >= W) continue;
                acc += x[((b * cin + c) * H + iy) * W + ix] * w[((co * cinPerGroup + ci) * kh + ky) * kw + kx];
              }
            }
          }
          y[((b * cout + co) * Ho + oy) * Wo + ox] = acc;
        }
      }
    }
  }
  return { y, shape: [B, cout, Ho, Wo] };
}

/**
 * Depthwise ConvTranspose2d with kernel = stride = k (EdgeViT's LocalProp): every input pixel is
 * spread over its own k×k output block, so the blocks never overlap. Weight [C, 1, k, k].
 */
export function convTranspose2dDepthwise(x: Float32Array, shape: Shape4, w: Float32Array, bias: Float32Array | null, k: number): Tensor4 {
  const [B, C, H, W] = shape;
  if (w.length !== C * k * k) throw new Error(`convTranspose2dDepthwise: weight has ${w.length} values, expected [${C},1,${k},${k}]`);
  const Ho = H * k, Wo = W * k;
  const y = new Float32Array(B * C * Ho * Wo);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      for (let iy = 0; iy < H; iy++) {
        for (let ix = 0; ix < W; ix++) {
          const v = x[((b * C + c) * H + iy) * W + ix];
          for (let ky = 0; ky < k; ky++) {
            for (let kx = 0; kx < k; kx++) {
              const out = v * w[(c * k + ky) * k + kx] + (bias ? bias[c] : 0);
              y[((b * C + c) * Ho + iy * k + ky) * Wo + ix * k + kx] = out;
            }
          }
        }
      }
    }
  }
  return { y, shape: [B, C, Ho, Wo] };
}
