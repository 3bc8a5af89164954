import type sharpModule from 'sharp';

let loading: Promise<typeof sharpModule> | null = null;

/**
 * sharp (libvips), loaded the first time an image needs it rather than when this code loads:
 * plain PNGs and BMPs are decoded in JavaScript (png-fast-path.ts, bmp.ts), so a folder of them is
 * imported without it, and loading it (the native library, its version checks) took ~0.09 s of
 * every `layerlab train` on an image folder before the first file was read.
 */
export function loadSharp(): Promise<typeof sharpModule> {
  loading ??= import('sharp').then((module) => module.default);
  return loading;
}
