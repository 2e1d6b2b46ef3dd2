// Image decoding in a page: RGBA pixels of anything a page holds (ImageData, ImageBitmap, <img>,
// canvas, VideoFrame, encoded bytes, a Blob, a URL).
import type { ImageInput } from '../api.ts';
import type { Rgba } from '../preprocess.ts';
import { fetchBytes } from '../fetch-bytes.ts';

/** RGBA pixels of anything a page can draw (an ImageBitmap, <img>, canvas, VideoFrame), at its own size. */
function drawnPixels(src: CanvasImageSource, width: number, height: number): Rgba {
  if (!(width > 0 && height > 0)) throw new Error('the image has no pixels (is it loaded yet?)');
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('this browser gives no 2D canvas context; cannot read the image pixels');
  ctx.drawImage(src, 0, 0);
  const d = ctx.getImageData(0, 0, width, height);
  return { width, height, data: d.data };
}

async function bitmapPixels(blob: Blob, what: string): Promise<Rgba> {
  let bitmap: ImageBitmap;
  try { bitmap = await createImageBitmap(blob, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' }); } catch (e) {
    throw new Error(`${what}: cannot decode the image (${(e as Error).message}); give PNG, JPEG or WebP bytes`);
  }
  try { return drawnPixels(bitmap, bitmap.width, bitmap.height); } finally { bitmap.close(); }
}

export async function decodeImage(img: ImageInput): Promise<Rgba> {
  if (typeof ImageData !== 'undefined' && img instanceof ImageData) return { width: img.width, height: img.height, data: img.data };
  if (typeof ImageBitmap !== 'undefined' && img instanceof ImageBitmap) return drawnPixels(img, img.width, img.height);
  if (typeof HTMLImageElement !== 'undefined' && img instanceof HTMLImageElement) {
    if (!img.complete) await img.decode();
    return drawnPixels(img, img.naturalWidth, img.naturalHeight);
  }
  if ((typeof HTMLCanvasElement !== 'undefined' && img instanceof HTMLCanvasElement) || (typeof OffscreenCanvas !== 'undefined' && img instanceof OffscreenCanvas)) return drawnPixels(img, img.width, img.height);
  if (typeof VideoFrame !== 'undefined' && img instanceof VideoFrame) return drawnPixels(img, img.displayWidth, img.displayHeight);
  if (img instanceof Blob) return bitmapPixels(img, 'image');
  if (img instanceof Uint8Array || img instanceof ArrayBuffer) return bitmapPixels(new Blob([img as BlobPart]), 'image bytes');
  if (img instanceof URL || typeof img === 'string') return bitmapPixels(new Blob([await fetchBytes(img, () => {}, 'image') as BlobPart]), String(img));
  const r = img as Partial<Rgba>;
  if (typeof r.width === 'number' && typeof r.height === 'number' && r.data && r.data.length >= r.width * r.height * 4) return r as Rgba;
  throw new Error('an image is ImageData, an ImageBitmap, an <img>, a canvas, a VideoFrame, PNG/JPEG/WebP bytes or a Blob, or a URL');
}

/** RGBA pixels of a decoded image (e.g. from `createImageBitmap`), drawn at its own size. */
export function imagePixels(image: ImageBitmap): ImageData {
  const canvas = new OffscreenCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this browser gives no 2D canvas context; cannot read the image pixels');
  ctx.drawImage(image, 0, 0);
  return ctx.getImageData(0, 0, image.width, image.height);
}
