import { encodedWidth, type FeatureEncoding, type Preprocessing } from '../../app/dataset/schema';
import { UserError } from '../../app/ipc/errors';
import { isMissing, parseNumber } from './cell';

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

export function inputNames(features: readonly FeatureEncoding[]): string[] {
  return features.flatMap((f) => (f.kind === 'numeric' ? [f.name] : f.categories.map((c) => `${f.name}=${c}`)));
}

/**
 * Raw text rows (column name → cell, as in a CSV) to the model's input matrix, row-major, using
 * preprocessing.json alone: this is how an exported model is run on new data. A column the
 * model needs but the row lacks, or text in a numeric column, is an error naming row and column.
 */
export function encodeRawRows(preprocessing: Preprocessing, rows: readonly Record<string, string>[]): Float32Array {
  const width = encodedWidth(preprocessing.features);
  const out = new Float32Array(rows.length * width);
  const lookups = preprocessing.features.map((f) => (f.kind === 'categorical' ? new Map(f.categories.map((c, i) => [c, i])) : null));
  rows.forEach((row, r) => {
    let offset = r * width;
    preprocessing.features.forEach((feature, k) => {
      // hasOwn, not row[name]: a column named "constructor" must not read Object.prototype.
      const raw = Object.hasOwn(row, feature.name) ? row[feature.name] : undefined;
      if (typeof raw !== 'string') throw new UserError(`Row ${r + 1} has no "${feature.name}" value; the model reads ${preprocessing.features.map((f) => `"${f.name}"`).join(', ')}.`);
      if (feature.kind === 'numeric') {
        let value = Number.NaN;
        if (!isMissing(raw)) {
          const parsed = parseNumber(raw);
          if (parsed === null) throw new UserError(`Row ${r + 1}, column "${feature.name}": "${raw.trim()}" is not a number.`);
          value = parsed;
        }
        out[offset] = encodeNumber(feature, value);
        offset += 1;
      } else {
        encodeCategory(isMissing(raw) ? -1 : (lookups[k]?.get(raw.trim()) ?? -1), out, offset);
        offset += feature.categories.length;
      }
    });
  });
  return out;
}
