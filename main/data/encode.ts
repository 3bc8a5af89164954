import {
  encodedWidth,
  featureWidth,
  type DatePart,
  type FeatureEncoding,
  type Preprocessing,
} from '../../app/dataset/schema';
import { UserError } from '../../app/ipc/errors';
import { isMissing, parseNumber } from './cell';
import { parseDate, type DateParts } from './dates';

/**
 * The arithmetic of turning one value into model inputs, shared by prepare.ts (stored columns)
 * and encodeRawRows (raw text), so training data and later predictions are encoded alike.
 */

/** Standardize; a missing value (NaN) takes the fill, the training mean, and so becomes 0. */
export function encodeNumber(encoding: Extract<FeatureEncoding, { kind: 'numeric' }>, value: number): number {
  const x = Number.isNaN(value) ? encoding.fill : value;
  return (x - encoding.mean) / encoding.std;
}

/**
 * One-hot: set out[offset + category index]. A missing or unseen value leaves all zeros: the
 * model has learnt nothing about it, and zero is the "no evidence" input.
 */
export function encodeCategory(categoryIndex: number, out: Float32Array, offset: number): void {
  if (categoryIndex >= 0) out[offset + categoryIndex] = 1;
}

type CategoricalEncoding = Extract<FeatureEncoding, { kind: 'categorical' }>;
type DatetimeEncoding = Extract<FeatureEncoding, { kind: 'datetime' }>;

/**
 * A cell's category code: its index in `categories`; a missing cell counts as the fill when there
 * is one; a value not among the categories is "other" (index categories.length) when the column
 * folds rare values, else -1 (no evidence), as are missing cells without a fill.
 */
export function categoryCode(
  encoding: CategoricalEncoding,
  text: string | null,
  lookup: ReadonlyMap<string, number>,
): number {
  const value = text ?? encoding.fill ?? null;
  if (value === null) return -1;
  const index = lookup.get(value);
  if (index !== undefined) return index;
  return encoding.other ? encoding.categories.length : -1;
}

/** Ordinal input before scaling: the category's index; unknown or missing without a fill: one past the last. */
export function ordinalValue(encoding: CategoricalEncoding, code: number): number {
  return code >= 0 ? code : encoding.categories.length;
}

export function writeCategory(encoding: CategoricalEncoding, code: number, out: Float32Array, offset: number): void {
  if (encoding.encoding === 'ordinal')
    out[offset] = (ordinalValue(encoding, code) - (encoding.mean ?? 0)) / (encoding.std ?? 1);
  else encodeCategory(code, out, offset);
}

/** The values of the chosen parts; a date without a time of day is at hour 0. */
export function datePartValues(date: DateParts, parts: readonly DatePart[]): number[] {
  return parts.map((p) => (p === 'hour' ? (date.hour ?? 0) : date[p]));
}

/** Each part scaled like a number; a missing or unreadable date takes each part's fill. */
export function writeDate(encoding: DatetimeEncoding, date: DateParts | null, out: Float32Array, offset: number): void {
  const values = date ? datePartValues(date, encoding.parts) : encoding.fill;
  encoding.parts.forEach((_, k) => {
    out[offset + k] = ((values[k] ?? 0) - (encoding.mean[k] ?? 0)) / (encoding.std[k] ?? 1);
  });
}

export function inputNames(features: readonly FeatureEncoding[]): string[] {
  return features.flatMap((f) => {
    if (f.kind === 'numeric') return [f.name];
    if (f.kind === 'datetime') return f.parts.map((p) => `${f.name}.${p}`);
    if (f.encoding === 'ordinal') return [f.name];
    // Parentheses: "other" could be a real category.
    return [...f.categories.map((c) => `${f.name}=${c}`), ...(f.other ? [`${f.name}=(other)`] : [])];
  });
}

/**
 * Raw text rows (column name → cell, as in a CSV) to the model's input matrix, row-major, using
 * preprocessing.json alone: this is how an exported model is run on new data. A column the
 * model needs but the row lacks, text in a numeric column, or a missing value in a column whose
 * missing rows training dropped, is an error naming row and column.
 */
export function encodeRawRows(preprocessing: Preprocessing, rows: readonly Record<string, string>[]): Float32Array {
  const width = encodedWidth(preprocessing.features);
  const out = new Float32Array(rows.length * width);
  const lookups = preprocessing.features.map((f) =>
    f.kind === 'categorical' ? new Map(f.categories.map((c, i) => [c, i])) : null,
  );
  rows.forEach((row, r) => {
    let offset = r * width;
    preprocessing.features.forEach((feature, k) => {
      // hasOwn, not row[name]: a column named "constructor" must not read Object.prototype.
      const raw = Object.hasOwn(row, feature.name) ? row[feature.name] : undefined;
      if (typeof raw !== 'string')
        throw new UserError(
          `Row ${r + 1} has no "${feature.name}" value; the model reads ${preprocessing.features.map((f) => `"${f.name}"`).join(', ')}.`,
        );
      const missing = isMissing(raw);
      if (missing && feature.missing === 'drop') {
        throw new UserError(
          `Row ${r + 1}, column "${feature.name}" is empty: the model was trained without rows missing "${feature.name}" (missing values: drop row), so it needs a value.`,
        );
      }
      if (feature.kind === 'numeric') {
        let value = Number.NaN;
        if (!missing) {
          const parsed = parseNumber(raw);
          if (parsed === null)
            throw new UserError(`Row ${r + 1}, column "${feature.name}": "${raw.trim()}" is not a number.`);
          value = parsed;
        }
        out[offset] = encodeNumber(feature, value);
      } else if (feature.kind === 'datetime') {
        const date = missing ? null : parseDate(raw, feature.order);
        if (!missing && date === null)
          throw new UserError(
            `Row ${r + 1}, column "${feature.name}": "${raw.trim()}" is not a date (write it as 2024-03-01, optionally with a time).`,
          );
        writeDate(feature, date, out, offset);
      } else {
        writeCategory(
          feature,
          categoryCode(feature, missing ? null : raw.trim(), lookups[k] ?? new Map()),
          out,
          offset,
        );
      }
      offset += featureWidth(feature);
    });
  });
  return out;
}
