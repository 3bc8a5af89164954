/** Image-folder datasets: import into uint8 shards, streamed and augmented batches, previews. */
export { adjustBrightness, adjustContrast, affine, augmentBatch, flipHorizontal, type ImageShape } from './augment';
export {
  ImageBatchReader,
  encodeLabels,
  RESIDENT_BYTES,
  type BatchReaderOptions,
  type ImageBatch,
} from './batch-reader';
export { decodeBmp, type DecodedBmp } from './bmp';
export { decodeImage, THUMBNAIL_SIDE, type DecodedImage } from './decode-image';
export {
  IMAGE_INDEX_FILE,
  IMAGE_META_FILE,
  isImageDatasetDir,
  loadImageDataset,
  loadImageMeta,
  locateImage,
  THUMBS_DIR,
  type StoredImageDataset,
} from './image-store';
export { importImages, type ImportImagesInput } from './import-images';
export { augmentedPreview, type AugmentedSample, type PreviewInput } from './preview';
export { stratifiedSplit, type ImageSplit } from './split';
export { readThumbnails, type ClassThumbnails } from './thumbnails';
export { escapesRoot, MAX_ZIP_BYTES } from './zip-source';
export { readStoredImages, STORED_THUMBNAIL_SIDE, type StoredImage } from './stored-images';
export { UPLOAD_PREFIX, UploadStore } from './upload-store';
