/**
 * How one raw CSV cell is read, shared by profiling, storage, preparation and encodeRawRows so
 * that import time and prediction time can never disagree about what "missing" or "a number" is.
 */

export { parseNumber } from '../../app/dataset/number-cell';

/** Spreadsheet and R/pandas spellings of "no value", compared case-insensitively. */
const MISSING_MARKERS = new Set(['', 'na', 'n/a', 'nan', 'null', '?', '-']);

export function isMissing(cell: string): boolean {
  return MISSING_MARKERS.has(cell.trim().toLowerCase());
}

/**
 * The canonical spelling of a number, used for categories and labels of numeric columns: the
 * values are stored as float64, so "1.0" and "1" are the same value and must be one label.
 */
export function numberText(value: number): string {
  return String(value);
}
