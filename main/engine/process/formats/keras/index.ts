/** Keras exporters (.keras and legacy .h5) for the export orchestration (main/engine/process/export.ts). */
export { writeKeras, KERAS_FILE } from './write-keras';
export { writeH5, H5_FILE } from './write-h5';
export { KerasExportError } from '../../../shared/keras-names';
export { readKerasArchive, readLegacyH5 } from './read-back';
export { keras3WeightGroups } from './weight-layout';
