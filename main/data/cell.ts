/**
 * How one raw CSV cell is read, shared by profiling, storage, preparation and encodeRawRows so
 * that import time and prediction time can never disagree about what "missing" or "a number" is.
 */

/** Spreadsheet and R/pandas spellings of "no value", compared case-insensitively. */
const MISSING_MARKERS = new Set(['', 'na', 'n/a', 'nan', 'null', '?', '-']);

export function isMissing(cell: string): boolean {
  return MISSING_MARKERS.has(cell.trim().toLowerCase());
}

/**
 * Plain decimal notation only: Number() would also accept "0x1F", "Infinity" and "" and turn a
 * typo into a value, so the text must match this pattern first.
 */
const NUMBER_PATTERN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The finite number a cell spells, or null (text, or a number too large for a double). */
export function parseNumber(cell: string): number | null {
  const text = cell.trim();
  if (!NUMBER_PATTERN.test(text)) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/**
 * The canonical spelling of a number, used for categories and labels of numeric columns: the
 * values are stored as float64, so "1.0" and "1" are the same value and must be one label.
 */
export function numberText(value: number): string {
  return String(value);
}
