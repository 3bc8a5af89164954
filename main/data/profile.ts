import { MAX_CATEGORIES, type ColumnProfile } from '../../app/dataset/schema';
import { isMissing, numberText, parseNumber } from './cell';
import { compareText } from './sort-values';

/**
 * Names that mean "row identifier": id, index, row, key, or a suffix such as user_id, "user id",
 * PassengerId, CustomerID.
 */
const ID_NAME = /^(id|index|row|key)$|[_ -]id$/i;
const ID_SUFFIX_CAMEL = /[a-z](Id|ID)$/;

/**
 * A column of consecutive integers counting up from 0 or 1 is a row number. Only with at least
 * this many rows: in a ten-line toy file "x = 1, 2, 3" is more likely a feature than an index.
 */
const ROW_NUMBER_MIN_ROWS = 10;

/** At least this share of numbers among the present values and the text ones are typos. */
const MOSTLY_NUMERIC = 0.9;

interface ColumnScan {
  missing: number;
  /** Values that are not missing. */
  present: number;
  numeric: number;
  /** The first present value that is not a number, and its file line. */
  firstText: { line: number; value: string } | null;
  /** Distinct spellings, collected from the first text value on (all-number columns use `numbers`). */
  texts: Set<string>;
  numbers: Set<number>;
  integer: boolean;
  /** Present values so far count up by one from 0 or 1, in row order. */
  counting: boolean;
  last: number;
  min: number;
  max: number;
  // Welford's running mean and sum of squared deviations: one pass, no cancellation.
  mean: number;
  m2: number;
}

function scanColumn(rows: readonly (readonly string[])[], j: number, lines: readonly number[] | undefined): ColumnScan {
  const scan: ColumnScan = {
    missing: 0, present: 0, numeric: 0, firstText: null, texts: new Set(), numbers: new Set(), integer: true, counting: true,
    last: Number.NaN, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY, mean: 0, m2: 0,
  };
  for (let i = 0; i < rows.length; i += 1) {
    const cell = rows[i]?.[j] ?? '';
    if (isMissing(cell)) {
      scan.missing += 1;
      continue;
    }
    scan.present += 1;
    const value = parseNumber(cell);
    if (value === null && scan.firstText === null) {
      scan.firstText = { line: lines?.[i] ?? i + 2, value: cell };
      // Only a column with text needs its distinct spellings; collect the numbers seen so far.
      for (let k = 0; k < i; k += 1) {
        const earlier = rows[k]?.[j] ?? '';
        if (!isMissing(earlier)) scan.texts.add(earlier);
      }
    }
    if (scan.firstText !== null) scan.texts.add(cell);
    if (value === null) continue;
    scan.numeric += 1;
    scan.numbers.add(value);
    if (!Number.isInteger(value)) scan.integer = false;
    scan.counting &&= scan.numeric === 1 ? value === 0 || value === 1 : value === scan.last + 1;
    scan.last = value;
    if (value < scan.min) scan.min = value;
    if (value > scan.max) scan.max = value;
    const delta = value - scan.mean;
    scan.mean += delta / scan.numeric;
    scan.m2 += delta * (value - scan.mean);
  }
  return scan;
}

function looksLikeIdName(name: string): boolean {
  return ID_NAME.test(name) || ID_SUFFIX_CAMEL.test(name);
}

function profileOne(name: string, scan: ColumnScan): ColumnProfile {
  const { present } = scan;
  const allNumeric = scan.firstText === null;
  // Numbers are distinct by value ("1" and "1.0" are one value); text by its exact spelling.
  const unique = allNumeric ? scan.numbers.size : scan.texts.size;
  const base = { name, missing: scan.missing, unique };
  const categories =
    unique === 0 || unique > MAX_CATEGORIES
      ? undefined
      : allNumeric
        ? [...scan.numbers].sort((a, b) => a - b).map(numberText)
        : [...scan.texts].sort(compareText);
  const stats =
    allNumeric && scan.numeric > 0
      ? {
          min: scan.min,
          max: scan.max,
          mean: scan.mean,
          // Population std (divide by n): it describes the data as given, and it is the same
          // definition prepare.ts standardizes with.
          std: Math.sqrt(scan.m2 / scan.numeric),
          integer: scan.integer,
        }
      : {};
  const withCategories = categories ? { categories } : {};
  const ignored = (reason: string): ColumnProfile => ({ ...base, kind: 'ignored', reason, ...stats, ...withCategories });

  if (present === 0) return ignored('every value is missing');
  if (unique === 1) return ignored(`has a single value ("${allNumeric ? numberText([...scan.numbers][0] ?? 0) : ([...scan.texts][0] ?? '')}")`);
  if (allNumeric) {
    const allDistinct = unique === present;
    if (scan.integer && allDistinct && (looksLikeIdName(name) || (scan.counting && present >= ROW_NUMBER_MIN_ROWS))) {
      return ignored('looks like an identifier: every value is unique');
    }
    // Continuous values that are all distinct are ordinary features or regression targets.
    return { ...base, kind: 'numeric', ...stats, ...withCategories };
  }
  if (scan.numeric >= MOSTLY_NUMERIC * present && scan.firstText) {
    // Almost all numbers: the text is most likely a typo or an unusual missing marker, and
    // guessing would hide it. Say exactly where it is so the user can fix the file.
    return ignored(`mixes numbers and text: row ${scan.firstText.line} has "${scan.firstText.value}"`);
  }
  if (unique === present) return ignored('looks like an identifier: every value is unique');
  if (unique > MAX_CATEGORIES) return ignored(`free text or an identifier: ${unique} distinct values (at most ${MAX_CATEGORIES} can be categories)`);
  return { ...base, kind: 'categorical', ...withCategories };
}

/**
 * Type and summarize every column in one pass per column, without building row objects, so a
 * 1e5-row file profiles in well under a second. `lines` (the file line of each row, from
 * parseCsv) lets reasons point at the line a user sees in an editor.
 */
export function profileColumns(headers: readonly string[], rows: readonly (readonly string[])[], lines?: readonly number[]): ColumnProfile[] {
  return headers.map((name, j) => profileOne(name, scanColumn(rows, j, lines)));
}
