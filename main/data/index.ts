/** The data layer: CSV import and storage, training-data preparation, projects on disk. */
export { writeFileAtomic, writeJsonAtomic } from './atomic-write';
export { isMissing, parseNumber } from './cell';
export { parseCsv, type ParsedCsv } from './csv-parse';
export {
  cellText,
  importCsvFile,
  importCsvText,
  inspectCsvFile,
  loadColumns,
  loadRowCells,
  loadDatasetMeta,
  PREVIEW_ROWS,
  type CsvInspection,
  type ImportCsvTextInput,
  type ImportOptions,
  type ImportProgress,
  type StoredColumn,
} from './dataset-store';
export { readCsv, type ReadCsv, type ReadCsvInput } from './csv-reader';
export { forEachLimited, Limiter } from './pool';
export { encodeRawRows, prepareTrainingData, type PrepareInput } from './prepare';
export { profileColumns, profileStoredColumn } from './profile';
export {
  ProjectService,
  type BrokenProject,
  type OpenedProject,
  type ProjectPatch,
  type ProjectServiceOptions,
} from './projects';
export { mulberry32, seededShuffle } from '../../app/math/seeded-random';
