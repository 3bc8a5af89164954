/** The data layer: CSV import and storage, training-data preparation, projects on disk. */
export { writeFileAtomic, writeJsonAtomic } from './atomic-write';
export { isMissing, parseNumber } from './cell';
export { parseCsv, type ParsedCsv } from './csv-parse';
export { cellText, importCsvFile, importCsvText, loadColumns, loadDatasetMeta, PREVIEW_ROWS, type ImportCsvTextInput, type StoredColumn } from './dataset-store';
export { encodeRawRows, prepareTrainingData, type PrepareInput } from './prepare';
export { profileColumns } from './profile';
export { ProjectService, type BrokenProject, type OpenedProject, type ProjectPatch, type ProjectServiceOptions } from './projects';
export { mulberry32, seededShuffle } from './seeded-shuffle';
