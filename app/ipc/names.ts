/**
 * The channel and event names alone, without their schemas: what the sandboxed Electron
 * preload needs, kept free of zod so the preload stays small. contract.ts checks they match.
 */
export const CHANNEL_NAMES = [
  'app.info',
  'project.list',
  'project.create',
  'project.open',
  'project.save',
  'dataset.importText',
  'dataset.importPath',
  'dataset.cancelImport',
  'dataset.uploadChunk',
  'dataset.discardUpload',
  'dataset.importImages',
  'dataset.imageThumbnails',
  'dataset.augmentedPreview',
  'dataset.images',
  'model.import',
  'run.start',
  'run.findLearningRate',
  'run.cancel',
  'run.pause',
  'run.resume',
  'run.continue',
  'run.get',
  'run.evaluate',
  'run.predictInputs',
  'run.predict',
  'run.predictImages',
  'run.learningCurve',
  'run.cancelLearningCurve',
  'export.model',
] as const;

export const EVENT_NAMES = [
  'run.batch',
  'run.epoch',
  'run.ended',
  'run.updated',
  'engine.status',
  'run.learningCurveProgress',
  'dataset.importProgress',
  'dataset.imageImportProgress',
] as const;
