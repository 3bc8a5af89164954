/**
 * The image format from a file's first bytes, never its name: a "photo.jpg" that is really a
 * PNG still decodes, and a "notes.png" that is text is reported as not an image.
 */
export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'bmp' | 'tiff';

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0): boolean =>
  prefix.every((b, i) => bytes[at + i] === b);

export function sniffImage(bytes: Uint8Array): ImageFormat | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) return 'webp';
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return 'gif';
  if (startsWith(bytes, [0x42, 0x4d])) return 'bmp';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  return null;
}

/** Extensions that are images in some format we do not read: worth a specific reason. */
const OTHER_IMAGE_EXTENSIONS = new Set([
  '.heic',
  '.heif',
  '.avif',
  '.svg',
  '.ico',
  '.psd',
  '.jxl',
  '.jp2',
  '.raw',
  '.cr2',
  '.nef',
  '.dng',
]);

/** Why bytes that sniffImage does not recognise are skipped. */
export function notAnImageReason(bytes: Uint8Array, extension: string): string {
  const ext = extension.toLowerCase();
  if (bytes.length === 0) return 'empty file';
  if (OTHER_IMAGE_EXTENSIONS.has(ext))
    return `${ext.slice(1).toUpperCase()} images are not supported (PNG, JPEG, WebP, GIF, BMP and TIFF are); convert it`;
  return 'not an image (PNG, JPEG, WebP, GIF, BMP or TIFF)';
}
