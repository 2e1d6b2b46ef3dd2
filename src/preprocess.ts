// Image → model input, the one preprocessing that the CLI, the page and the API share, equal to
// torchvision's evaluation transform on a PIL image (ImageNet's by default; a checkpoint may carry its own):
//   Resize(int(res·256/224))  shorter side, bilinear with antialiasing (Pillow's resampling, which is
//                             what torchvision ≥ 0.13 runs on PIL images)
//   CenterCrop(res)           top/left = round((size − res) / 2), Python's round (half to even)
//   ToTensor                  uint8 / 255
//   Normalize(mean, std)      in float32, as torch computes it
// The resize reproduces Pillow's ImagingResample (Resample.c) for 8-bit images: a triangle filter
// widened by the downscale factor, coefficients rounded to 22-bit fixed point, a horizontal then
// a vertical pass each rounded and clipped to uint8. Only the pixels inside the crop are computed.

/** Decoded pixels, 4 bytes (RGBA or RGBX) per pixel, row-major; alpha is ignored (PIL's convert('RGB')). */
export interface Rgba { width: number; height: number; data: Uint8Array | Uint8ClampedArray }

export interface Normalization { mean: readonly number[]; std: readonly number[] }
export const IMAGENET: Normalization = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** The shorter side before the centre crop: torchvision's int(res · 256 / 224). */
export const resizeFor = (res: number) => Math.trunc((res * 256) / 224);

/**
 * A checkpoint's evaluation transform: Resize(resize) → CenterCrop(crop) → ToTensor → Normalize,
 * with `grey`: the image made grey first (PIL's convert('L')) and repeated in the three channels.
 */
export interface Preprocessing extends Normalization {
  /** the shorter side after the resize */
  resize: number;
  /** the centre crop: the model's input size */
  crop: number;
  grey?: boolean;
}

/** ImageNet's evaluation transform at input resolution `res` (upstream checkpoints). */
export const imagenetPreprocessing = (res: number): Preprocessing => ({ resize: resizeFor(res), crop: res, ...IMAGENET });

/** A Preprocessing from untrusted JSON (a checkpoint's metadata), checked field by field. */
export function parsePreprocessing(json: string): Preprocessing {
  let v: unknown;
  try { v = JSON.parse(json); } catch { throw new Error('the checkpoint\'s preprocessing metadata is not JSON'); }
  const o = v as Record<string, unknown>;
  const size = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= 4096;
  const triple = (x: unknown) => Array.isArray(x) && x.length === 3 && x.every((n) => typeof n === 'number' && Number.isFinite(n));
  if (typeof v !== 'object' || v === null || !size(o.resize) || !size(o.crop) || (o.crop as number) > (o.resize as number) ||
    !triple(o.mean) || !triple(o.std) || !(o.std as number[]).every((n) => n > 0) || (o.grey !== undefined && typeof o.grey !== 'boolean')) {
    throw new Error('the checkpoint\'s preprocessing metadata must be {"resize": N, "crop": N ≤ resize, "mean": [3 numbers], "std": [3 positive numbers], "grey"?: bool}');
  }
  return { resize: o.resize as number, crop: o.crop as number, mean: o.mean as number[], std: o.std as number[], ...(o.grey ? { grey: true } : {}) };
}

/** Resized size of a w×h image whose shorter side becomes `short` (torchvision's _compute_resized_output_size). */
export function resizedSize(w: number, h: number, short: number): [number, number] {
  const long = Math.trunc((short * Math.max(w, h)) / Math.min(w, h));
  return w <= h ? [short, long] : [long, short];
}

/** Python's round(): halves go to the even neighbour. */
const roundHalfEven = (v: number) => { const f = Math.floor(v), d = v - f; return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f; };

const PRECISION_BITS = 32 - 8 - 2;

/** Pillow's precompute_coeffs for the bilinear filter, then normalize_coeffs_8bpc. */
function coefficients(inSize: number, outSize: number): { bounds: Int32Array; kk: Int32Array; ksize: number } {
  const scale = inSize / outSize;
  const filterscale = Math.max(1, scale);
  const support = 1 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2), kk = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterscale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - center + 0.5) * ss);
      w[x] = t < 1 ? 1 - t : 0;
      ww += w[x];
    }
    for (let x = 0; x < xmax; x++) {
      const k = ww !== 0 ? w[x] / ww : w[x];
      kk[xx * ksize + x] = Math.trunc(k < 0 ? -0.5 + k * (1 << PRECISION_BITS) : 0.5 + k * (1 << PRECISION_BITS));
    }
    bounds[2 * xx] = xmin;
    bounds[2 * xx + 1] = xmax;
  }
  return { bounds, kk, ksize };
}

const clip8 = (v: number) => (v >= (1 << PRECISION_BITS) * 256 ? 255 : v <= 0 ? 0 : Math.floor(v / (1 << PRECISION_BITS)));

/**
 * The resized image's pixels in the window [x0, x0 + cw) × [y0, y0 + ch) as RGB bytes (3 per pixel).
 * A pass is skipped when its axis keeps its size, as Pillow does.
 */
function resizeWindow(img: Rgba, rw: number, rh: number, x0: number, y0: number, cw: number, ch: number): Uint8Array {
  const { width: W, height: H, data } = img;
  const needH = rw !== W, needV = rh !== H;
  const horiz = needH ? coefficients(W, rw) : null;
  const vert = needV ? coefficients(H, rh) : null;
  // Source rows the output rows y0 … y0 + ch − 1 read.
  const rowsFrom = vert ? vert.bounds[2 * y0] : y0;
  const rowsTo = vert ? vert.bounds[2 * (y0 + ch - 1)] + vert.bounds[2 * (y0 + ch - 1) + 1] : y0 + ch;
  // Horizontal pass: rows rowsFrom … rowsTo − 1, columns x0 … x0 + cw − 1 of the resized width.
  const rows = rowsTo - rowsFrom;
  const tmp = new Uint8Array(rows * cw * 3);
  for (let r = 0; r < rows; r++) {
    const src = (rowsFrom + r) * W * 4;
    for (let c = 0; c < cw; c++) {
      const o = (r * cw + c) * 3;
      if (!horiz) { tmp[o] = data[src + (x0 + c) * 4]; tmp[o + 1] = data[src + (x0 + c) * 4 + 1]; tmp[o + 2] = data[src + (x0 + c) * 4 + 2]; continue; }
      const xmin = horiz.bounds[2 * (x0 + c)], n = horiz.bounds[2 * (x0 + c) + 1], k = (x0 + c) * horiz.ksize;
      let s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
      for (let x = 0; x < n; x++) {
        const p = src + (xmin + x) * 4, w = horiz.kk[k + x];
        s0 += data[p] * w; s1 += data[p + 1] * w; s2 += data[p + 2] * w;
      }
      tmp[o] = clip8(s0); tmp[o + 1] = clip8(s1); tmp[o + 2] = clip8(s2);
    }
  }
  if (!vert) return tmp;
  const out = new Uint8Array(ch * cw * 3);
  for (let r = 0; r < ch; r++) {
    const ymin = vert.bounds[2 * (y0 + r)] - rowsFrom, n = vert.bounds[2 * (y0 + r) + 1], k = (y0 + r) * vert.ksize;
    for (let c = 0; c < cw; c++) {
      let s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
      for (let y = 0; y < n; y++) {
        const p = ((ymin + y) * cw + c) * 3, w = vert.kk[k + y];
        s0 += tmp[p] * w; s1 += tmp[p + 1] * w; s2 += tmp[p + 2] * w;
      }
      const o = (r * cw + c) * 3;
      out[o] = clip8(s0); out[o + 1] = clip8(s1); out[o + 2] = clip8(s2);
    }
  }
  return out;
}

/** PIL's convert('L'): L = (19595 R + 38470 G + 7471 B + 2^15) >> 16, written back to R, G and B. */
function grey(img: Rgba): Rgba {
  const { width, height, data } = img, out = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height * 4; i += 4) {
    const l = (data[i] * 19595 + data[i + 1] * 38470 + data[i + 2] * 7471 + 0x8000) >>> 16;
    out[i] = out[i + 1] = out[i + 2] = l;
  }
  return { width, height, data: out };
}

/**
 * The model input for one image: float32 CHW [3, crop, crop], by the checkpoint's transform or, given
 * a resolution, ImageNet's (what upstream checkpoints expect).
 */
export function preprocess(image: Rgba, spec: number | Preprocessing): Float32Array {
  const { width: W, height: H } = image;
  if (!(W >= 1 && H >= 1) || image.data.length < W * H * 4) throw new Error(`an image of ${W}×${H} pixels needs ${W * H * 4} RGBA bytes, got ${image.data.length}`);
  if (typeof spec === 'number' && !(Number.isInteger(spec) && spec >= 1)) throw new Error(`the input resolution must be a positive integer, got ${spec}`);
  const p = typeof spec === 'number' ? imagenetPreprocessing(spec) : spec, res = p.crop, norm = p;
  const img = p.grey ? grey(image) : image;
  const [rw, rh] = resizedSize(W, H, p.resize);
  const left = roundHalfEven((rw - res) / 2), top = roundHalfEven((rh - res) / 2);
  const rgb = resizeWindow(img, rw, rh, left, top, res, res);
  const out = new Float32Array(3 * res * res);
  for (let c = 0; c < 3; c++) {
    const mean = Math.fround(norm.mean[c]), std = Math.fround(norm.std[c]);
    for (let i = 0; i < res * res; i++) out[c * res * res + i] = Math.fround(Math.fround(Math.fround(rgb[i * 3 + c] / 255) - mean) / std);
  }
  return out;
}

/**
 * Dense inputs (backbone mode): the whole image, resized, normalised, and padded at the bottom and
 * right with zeros (after the normalisation, as mmdet pads):
 * - `{ size: [H, W] }`: resized to exactly H×W (no crop, no padding);
 * - `{ resize: 'shorter', to, maxLonger?, pad? }`: mmdet's keep-ratio Resize (its `img_scale` (maxLonger, to)):
 *   scaled by min(to / shorter side, maxLonger / longer side), each side int(side · factor + 0.5)
 *   (mmcv's rescale_size); then Pad(size_divisor = pad) to multiples of `pad` (default 32).
 * The resampling is Pillow's (the same as classification's), not OpenCV's that mmcv uses: the sizes,
 * the scale and the padding are mmdet's, the pixel values differ within a rounding or two.
 */
export type DenseResize = { size: readonly [number, number] } | { resize: 'shorter'; to: number; maxLonger?: number; pad?: number };

/** Where an image sits in a dense input: boxes on the input map back as x_image = x_input / scale[0], y_image = y_input / scale[1]. */
export interface DensePlacement {
  /** the image's own size */
  image: [number, number];
  /** its resized size [width, height]: the input's top-left part that holds it (the rest is padding) */
  resized: [number, number];
  /** resized / image size, along x and along y */
  scale: [number, number];
  /** the zeros to its right and below it, in input pixels (the batch's input size less `resized`) */
  pad: [number, number];
}

/** The resized size [width, height] of a w×h image under `spec`, and the padded input size [width, height]. */
export function denseSize(w: number, h: number, spec: DenseResize): { resized: [number, number]; padded: [number, number] } {
  const positive = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 16384;
  if ('size' in spec) {
    const [H, W] = spec.size;
    if (!positive(H) || !positive(W)) throw new Error(`size must be [height, width] in pixels (integers from 1 to 16384), got [${spec.size}]`);
    return { resized: [W, H], padded: [W, H] };
  }
  if (spec.resize !== 'shorter' || !positive(spec.to)) throw new Error(`a keep-ratio resize is { resize: 'shorter', to: N, maxLonger?: N, pad?: N } with N a positive integer, got ${JSON.stringify(spec)}`);
  const maxLonger = spec.maxLonger ?? Infinity, pad = spec.pad ?? 32;
  if (maxLonger !== Infinity && !positive(maxLonger)) throw new Error(`maxLonger must be a positive integer, got ${spec.maxLonger}`);
  if (!positive(pad)) throw new Error(`pad must be a positive integer (the size divisor), got ${spec.pad}`);
  const factor = Math.min(spec.to / Math.min(w, h), maxLonger / Math.max(w, h));
  const resized: [number, number] = [Math.max(1, Math.trunc(w * factor + 0.5)), Math.max(1, Math.trunc(h * factor + 0.5))];
  return { resized, padded: [Math.ceil(resized[0] / pad) * pad, Math.ceil(resized[1] / pad) * pad] };
}

/**
 * Images as one dense input batch: each resized by `spec`, normalised, and placed at the top left of
 * a float32 [n, 3, height, width] tensor whose size is the largest padded size among them (mmdet's
 * collate), zeros elsewhere. `norm`: the normalisation (and `grey`) of the checkpoint's transform.
 */
export function preprocessDense(images: readonly Rgba[], spec: DenseResize, norm: Normalization & { grey?: boolean } = IMAGENET): { data: Float32Array; height: number; width: number; placements: DensePlacement[] } {
  if (!images.length) throw new Error('no images to preprocess');
  const sizes = images.map((img) => {
    if (!(img.width >= 1 && img.height >= 1) || img.data.length < img.width * img.height * 4) throw new Error(`an image of ${img.width}×${img.height} pixels needs ${img.width * img.height * 4} RGBA bytes, got ${img.data.length}`);
    return denseSize(img.width, img.height, spec);
  });
  const width = Math.max(...sizes.map((s) => s.padded[0])), height = Math.max(...sizes.map((s) => s.padded[1]));
  const data = new Float32Array(images.length * 3 * height * width);
  const placements = images.map((img, b) => {
    const [rw, rh] = sizes[b].resized;
    const rgb = resizeWindow(norm.grey ? grey(img) : img, rw, rh, 0, 0, rw, rh);
    for (let c = 0; c < 3; c++) {
      const mean = Math.fround(norm.mean[c]), std = Math.fround(norm.std[c]), plane = (b * 3 + c) * height * width;
      for (let y = 0; y < rh; y++) {
        for (let x = 0; x < rw; x++) data[plane + y * width + x] = Math.fround(Math.fround(Math.fround(rgb[(y * rw + x) * 3 + c] / 255) - mean) / std);
      }
    }
    return {
      image: [img.width, img.height] as [number, number], resized: [rw, rh] as [number, number],
      scale: [rw / img.width, rh / img.height] as [number, number], pad: [width - rw, height - rh] as [number, number],
    };
  });
  return { data, height, width, placements };
}
