/**
 * How a CSV cell spells a number, shared by the import (main/data/cell.ts, column-builder.ts)
 * and the views that show a cell as the import reads it (the data step's preview).
 */

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
 * A cell read in the file's decimal mark, as the import reads it: with a decimal comma the
 * cell's first "," is the point ("14,23" is 14.23, "13.2" still reads, "1.234,5" is not a number:
 * thousands separators are never guessed).
 */
export function parseDialectNumber(cell: string, decimalComma: boolean): number | null {
  return parseNumber(decimalComma ? cell.replace(',', '.') : cell);
}
