import { MAX_CATEGORIES, type ColumnProfile, type ColumnType, type Histogram } from '../../app/dataset/schema';
import { numberText, parseNumber } from './cell';
import { ColumnBuilder, type FirstText } from './column-builder';
import type { StoredColumn } from './column-store';
import { dateOrder, parseDate } from './dates';
import { countDistinct } from './distinct';
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

/** At least this share of numbers (or dates) among the present values and the rest are typos. */
const MOSTLY = 0.9;
const BINS = 20;
const TOP_VALUES = 10;
const BOOLEAN_WORDS = new Set(['true', 'false', 'yes', 'no', 't', 'f', 'y', 'n']);

function looksLikeIdName(name: string): boolean {
  return ID_NAME.test(name) || ID_SUFFIX_CAMEL.test(name);
}

/**
 * The histogram's bins and the sum of squared deviations from `mean` in one pass, so the second
 * pass of the two-pass variance costs no pass of its own. The squares come with the plain sum of
 * the deviations, which corrects for a mean that is off by a rounding error (the "corrected
 * two-pass" algorithm: Chan, Golub and LeVeque, 1983).
 */
function binsAndSquares(
  values: Float64Array,
  min: number,
  max: number,
  mean: number,
): { histogram: Histogram; m2: number } {
  const counts = new Float64Array(BINS);
  const width = (max - min) / BINS;
  let sum = 0;
  let squares = 0;
  let n = 0;
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i] as number;
    if (v !== v) continue;
    n += 1;
    const d = v - mean;
    sum += d;
    squares += d * d;
    const k = width > 0 ? Math.min(BINS - 1, Math.floor((v - min) / width)) : 0;
    counts[k] = (counts[k] as number) + 1;
  }
  return {
    histogram: { kind: 'bins', min, max, counts: Array.from(counts) },
    m2: n > 0 ? squares - (sum * sum) / n : 0,
  };
}

/** The sum of squared deviations from `mean`, corrected as in binsAndSquares. */
function squaresAbout(values: Float64Array, mean: number): number {
  let sum = 0;
  let squares = 0;
  let n = 0;
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i] as number;
    if (v !== v) continue;
    n += 1;
    const d = v - mean;
    sum += d;
    squares += d * d;
  }
  return n > 0 ? squares - (sum * sum) / n : 0;
}

/** The TOP_VALUES most frequent values in one pass: sorting 1e5 distinct ids would cost seconds. */
function top(entries: { value: string; count: number }[], present: number): Histogram {
  const before = (a: { value: string; count: number }, b: { value: string; count: number }) =>
    a.count > b.count || (a.count === b.count && compareText(a.value, b.value) < 0);
  const values: { value: string; count: number }[] = [];
  for (const e of entries) {
    const last = values[values.length - 1];
    if (values.length === TOP_VALUES && last && !before(e, last)) continue;
    let k = values.length === TOP_VALUES ? TOP_VALUES - 1 : values.length;
    while (k > 0 && before(e, values[k - 1] as { value: string; count: number })) k -= 1;
    values.splice(k, 0, e);
    if (values.length > TOP_VALUES) values.pop();
  }
  return { kind: 'top', values, other: present - values.reduce((n, v) => n + v.count, 0) };
}

function profileNumbers(name: string, values: Float64Array): ColumnProfile {
  const length = values.length;
  // Mean and variance in two passes, not Welford's one: its division per value makes a chain of
  // dependent divisions (this loop took 200 ms with it, 130 ms without, on 21 columns of a
  // million values). This pass sums the values less the first one (exact for values near it, so
  // 1e9 + small noise loses nothing), in two sums that run side by side; the second
  // (binsAndSquares) sums the squared deviations from the mean. Whether the values are integers
  // and count up are loops of their own that stop at the first value that says no, so that a
  // column of decimals does not test them for every value. The distinct values are a pass of
  // their own (distinct.ts): marking them in binsAndSquares' pass made the two slower, not faster.
  let first = 0;
  while (first < length && values[first] !== values[first]) first += 1;
  const shift = first < length ? (values[first] as number) : Number.NaN;
  let missing = first;
  let min = first < length ? shift : Number.POSITIVE_INFINITY;
  let max = first < length ? shift : Number.NEGATIVE_INFINITY;
  let even = 0;
  let odd = 0;
  for (let i = first; i < length; i += 1) {
    const v = values[i] as number;
    if (v !== v) {
      missing += 1;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    if ((i & 1) === 0) even += v - shift;
    else odd += v - shift;
  }
  const n = length - missing;
  let integer = true;
  for (let i = first; i < length && integer; i += 1) {
    const v = values[i] as number;
    if (v === v && !Number.isInteger(v)) integer = false;
  }
  let counting = shift === 0 || shift === 1;
  for (let i = first + 1, last = shift; i < length && counting; i += 1) {
    const v = values[i] as number;
    if (v !== v) continue;
    counting = v === last + 1;
    last = v;
  }
  const mean = n > 0 ? shift + (even + odd) / n : 0;
  const unique = countDistinct(values, { min, max });
  // The distinct values themselves only when few (categories, a bar per value).
  const distinct: number[] = [];
  if (unique <= MAX_CATEGORIES) {
    const seen = new Set<number>();
    for (const v of values) if (v === v) seen.add(v);
    distinct.push(...[...seen].sort((x, y) => x - y));
  }
  const base = { name, missing, unique };
  if (n === 0) return { ...base, kind: 'ignored', type: 'constant', useless: true, reason: 'every value is missing' };
  let histogram: Histogram;
  let m2: number;
  if (unique <= BINS) {
    const counts = new Map<number, number>();
    for (const v of values) if (v === v) counts.set(v, (counts.get(v) ?? 0) + 1);
    histogram = {
      kind: 'top',
      values: distinct.map((v) => ({ value: numberText(v), count: counts.get(v) ?? 0 })),
      other: 0,
    };
    m2 = squaresAbout(values, mean);
  } else {
    ({ histogram, m2 } = binsAndSquares(values, min, max, mean));
  }
  const stats = {
    min,
    max,
    mean,
    // Population std (divide by n): it describes the data as given, and it is the same
    // definition prepare.ts standardizes with. (The correction can leave a constant column a
    // sum of squares a rounding error below 0.)
    std: Math.sqrt(Math.max(0, m2) / n),
    integer,
  };
  const categories = unique <= MAX_CATEGORIES ? { categories: distinct.map(numberText) } : {};
  const described = { ...base, ...stats, ...categories, histogram };
  if (unique === 1)
    return {
      ...described,
      kind: 'ignored',
      type: 'constant',
      useless: true,
      reason: `has a single value ("${numberText(min)}")`,
    };
  if (integer && unique === n && (looksLikeIdName(name) || (counting && n >= ROW_NUMBER_MIN_ROWS))) {
    return {
      ...described,
      kind: 'ignored',
      type: 'id',
      useless: true,
      reason: 'looks like an identifier: every value is unique',
    };
  }
  const type: ColumnType = unique === 2 && min === 0 && max === 1 ? 'boolean' : integer ? 'integer' : 'numeric';
  // Continuous values that are all distinct are ordinary features or regression targets.
  return { ...described, kind: 'numeric', type };
}

function profileTexts(
  name: string,
  codes: Int32Array,
  dict: readonly string[],
  firstText: FirstText | null,
): ColumnProfile {
  const counts = new Int32Array(dict.length);
  let missing = 0;
  for (let i = 0; i < codes.length; i += 1) {
    const c = codes[i] as number;
    if (c < 0) missing += 1;
    else counts[c] = (counts[c] ?? 0) + 1;
  }
  const entries = dict.map((value, i) => ({ value, count: counts[i] ?? 0 })).filter((e) => e.count > 0);
  const present = codes.length - missing;
  const unique = entries.length;
  let numeric = 0;
  let dates = 0;
  // Dates must be 90% of the values: when the first 100 distinct ones are mostly not dates,
  // parsing 1e5 more cannot change the verdict.
  const sample = entries.slice(0, 100);
  const maybeDates = sample.filter((e) => parseDate(e.value) !== null).length >= 0.5 * sample.length;
  const order = maybeDates ? dateOrder(entries.map((e) => e.value)) : 'mdy';
  for (const e of entries) {
    if (parseNumber(e.value) !== null) numeric += e.count;
    else if (maybeDates && parseDate(e.value, order)) dates += e.count;
  }
  const categories =
    unique > 0 && unique <= MAX_CATEGORIES ? { categories: entries.map((e) => e.value).sort(compareText) } : {};
  const base = { name, missing, unique, ...categories, histogram: top(entries, present) };
  const ignored = (type: ColumnType, reason: string, useless = false): ColumnProfile => ({
    ...base,
    kind: 'ignored',
    type,
    reason,
    ...(useless ? { useless } : {}),
  });

  if (present === 0)
    return {
      name,
      missing,
      unique: 0,
      kind: 'ignored',
      type: 'constant',
      useless: true,
      reason: 'every value is missing',
    };
  if (unique === 1) return ignored('constant', `has a single value ("${entries[0]?.value ?? ''}")`, true);
  if (dates >= MOSTLY * present && dates > 0) {
    return ignored('datetime', 'dates and times: not used as a model input');
  }
  if (numeric >= MOSTLY * present && firstText) {
    // Almost all numbers: the text is most likely a typo or an unusual missing marker, and
    // guessing would hide it. Say exactly where it is so the user can fix the file.
    return ignored('text', `mixes numbers and text: row ${firstText.line} has "${firstText.value}"`);
  }
  if (unique === present) return ignored('id', 'looks like an identifier: every value is unique', true);
  if (unique > MAX_CATEGORIES)
    return ignored(
      'text',
      `free text or an identifier: ${unique} distinct values (at most ${MAX_CATEGORIES} can be categories)`,
    );
  const type: ColumnType =
    unique === 2 && entries.every((e) => BOOLEAN_WORDS.has(e.value.toLowerCase())) ? 'boolean' : 'categorical';
  return { ...base, kind: 'categorical', type };
}

/**
 * Type and summarize one stored column: a pass over its typed array, never over row objects,
 * so a million-row column profiles in a fraction of a second.
 */
export function profileStoredColumn(name: string, column: StoredColumn, firstText: FirstText | null): ColumnProfile {
  return column instanceof Float64Array
    ? profileNumbers(name, column)
    : profileTexts(name, column.codes, column.dict, firstText);
}

/**
 * Profile rows of text (from parseCsv). `lines` (the file line of each row) lets reasons point
 * at the line a user sees in an editor.
 */
export function profileColumns(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  lines?: readonly number[],
): ColumnProfile[] {
  return headers.map((name, j) => {
    const builder = new ColumnBuilder(rows.length);
    rows.forEach((row, i) => builder.addText(row[j] ?? '', lines?.[i] ?? i + 2));
    return profileStoredColumn(name, builder.finish(), builder.firstText);
  });
}
