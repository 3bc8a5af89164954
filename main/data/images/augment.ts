import type { Augmentation } from '../../../app/dataset/images';

/**
 * On-the-fly augmentation of a batch of images held as float32 in [0, 1], height × width ×
 * channels per image, images back to back (NHWC), in place. Every random draw comes from the
 * generator passed in, in a fixed order, so a seed reproduces a batch exactly. Strengths are
 * those of the Augmentation schema (Keras' RandomFlip/RandomRotation/RandomZoom/
 * RandomBrightness/RandomContrast, with pixels outside the image filled with black).
 */
export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
/** Uniform in [-1, 1). */
const signed = (random: () => number) => random() * 2 - 1;

/** Mirror one image left to right. */
export function flipHorizontal(image: Float32Array, { height, width, channels }: ImageShape): void {
  for (let y = 0; y < height; y += 1) {
    const row = y * width * channels;
    for (let x = 0; x < width >> 1; x += 1) {
      const a = row + x * channels;
      const b = row + (width - 1 - x) * channels;
      for (let c = 0; c < channels; c += 1) {
        const t = image[a + c] ?? 0;
        image[a + c] = image[b + c] ?? 0;
        image[b + c] = t;
      }
    }
  }
}

/**
 * Rotate by `angle` radians and scale by `zoom` (> 1 zooms in) about the centre shifted by
 * (shiftX, shiftY) pixels, with bilinear sampling; `scratch` must hold one image.
 */
export function affine(
  image: Float32Array,
  shape: ImageShape,
  angle: number,
  zoom: number,
  shiftX: number,
  shiftY: number,
  scratch: Float32Array,
): void {
  const { height, width, channels } = shape;
  scratch.set(image.subarray(0, height * width * channels));
  const cos = Math.cos(angle) / zoom;
  const sin = Math.sin(angle) / zoom;
  const cx = width / 2 + shiftX;
  const cy = height / 2 + shiftY;
  const at = (x: number, y: number, c: number) =>
    x < 0 || y < 0 || x >= width || y >= height ? 0 : (scratch[(y * width + x) * channels + c] ?? 0);
  for (let y = 0; y < height; y += 1) {
    const v = y + 0.5 - height / 2;
    for (let x = 0; x < width; x += 1) {
      const u = x + 0.5 - width / 2;
      // The inverse map: where in the source this output pixel comes from (centres at .5).
      const sx = cos * u + sin * v + cx - 0.5;
      const sy = -sin * u + cos * v + cy - 0.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const out = (y * width + x) * channels;
      for (let c = 0; c < channels; c += 1) {
        const top = at(x0, y0, c) * (1 - fx) + at(x0 + 1, y0, c) * fx;
        const bottom = at(x0, y0 + 1, c) * (1 - fx) + at(x0 + 1, y0 + 1, c) * fx;
        image[out + c] = top * (1 - fy) + bottom * fy;
      }
    }
  }
}

/** Add `delta` to every value, clamped to [0, 1]. */
export function adjustBrightness(image: Float32Array, delta: number): void {
  for (let i = 0; i < image.length; i += 1) image[i] = clamp01((image[i] ?? 0) + delta);
}

/** Scale each channel's spread around its mean by `factor`, clamped to [0, 1]. */
export function adjustContrast(image: Float32Array, { channels }: ImageShape, factor: number): void {
  const pixels = image.length / channels;
  for (let c = 0; c < channels; c += 1) {
    let sum = 0;
    for (let i = c; i < image.length; i += channels) sum += image[i] ?? 0;
    const mean = sum / pixels;
    for (let i = c; i < image.length; i += channels) image[i] = clamp01(((image[i] ?? 0) - mean) * factor + mean);
  }
}

/** Augment `count` images of `batch` in place. */
export function augmentBatch(
  batch: Float32Array,
  count: number,
  shape: ImageShape,
  augmentation: Augmentation,
  random: () => number,
): void {
  const size = shape.height * shape.width * shape.channels;
  const scratch = new Float32Array(size);
  const { flip, rotation, zoom, brightness, contrast } = augmentation;
  for (let n = 0; n < count; n += 1) {
    const image = batch.subarray(n * size, (n + 1) * size);
    if (flip > 0 && random() < flip) flipHorizontal(image, shape);
    if (rotation > 0 || zoom > 0) {
      const angle = rotation > 0 ? signed(random) * rotation * 2 * Math.PI : 0;
      const scale = zoom > 0 ? 1 + signed(random) * zoom : 1;
      // Zoomed in, the visible window can move within the image: that is the random crop.
      const slack = scale > 1 ? (1 - 1 / scale) / 2 : 0;
      const shiftX = zoom > 0 ? signed(random) * slack * shape.width : 0;
      const shiftY = zoom > 0 ? signed(random) * slack * shape.height : 0;
      affine(image, shape, angle, scale, shiftX, shiftY, scratch);
    }
    if (brightness > 0) adjustBrightness(image, signed(random) * brightness);
    if (contrast > 0) adjustContrast(image, shape, 1 + signed(random) * contrast);
  }
}
