/**
 * The import's fast path: whole records of plain decimal numbers read straight from the bytes
 * into the columns' Float64Arrays, with no cell bounds, strings or callbacks per cell. A numeric
 * file of a million rows spends nearly all of its import here, so this is one monomorphic loop
 * over a Uint8Array. Anything it is not sure of (a quote, a space, a word, a missing marker, a
 * wrong field count, more than 15 significant digits, a large exponent, a lone CR, a record cut
 * by the end of the bytes) stops it at the start of that record, and the general scanner
 * (csv-scanner.ts) takes the record, so results and messages are the slow path's.
 */

const LF = 0x0a;
const CR = 0x0d;
const ZERO = 0x30;
const PLUS = 0x2b;
const MINUS = 0x2d;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/** Exact powers of ten as doubles: 10^22 is the largest that is exact. */
const POW10 = new Float64Array(23);
for (let i = 0; i < 23; i += 1) POW10[i] = 10 ** i;

/**
 * Digits from the first non-zero one on, of a number whose integer digits are
 * bytes[intStart, intEnd) and whose `scale` fraction digits follow the decimal point at intEnd.
 */
function significantDigits(bytes: Uint8Array, intStart: number, intEnd: number, scale: number): number {
  const digits = intEnd - intStart + scale;
  let zeros = 0;
  while (intStart + zeros < intEnd && bytes[intStart + zeros] === ZERO) zeros += 1;
  if (intStart + zeros === intEnd) {
    // The integer part is all zeros: the fraction's leading zeros are not significant either.
    const fracStart = intEnd + 1;
    let k = 0;
    while (k < scale && bytes[fracStart + k] === ZERO) k += 1;
    zeros += k;
  }
  return digits - zeros;
}

/**
 * The integer of a number's digits, bytes[intStart, intEnd) then the `scale` after the decimal
 * point at intEnd, summed as a double (exact: at most 15 significant digits).
 */
function digitsValue(bytes: Uint8Array, intStart: number, intEnd: number, scale: number): number {
  let value = 0;
  for (let i = intStart; i < intEnd; i += 1) value = value * 10 + ((bytes[i] as number) - ZERO);
  for (let i = intEnd + 1; i <= intEnd + scale; i += 1) value = value * 10 + ((bytes[i] as number) - ZERO);
  return value;
}

/**
 * The fast path over one set of columns. After take(), `row` is the index of the next record and
 * `taken` says how many records (one file line each) it read.
 */
export class NumberRows {
  /** Records taken by the last take(). */
  taken = 0;
  private readonly delimiter: number;
  private readonly point: number;

  /**
   * @param columns one Float64Array per field, written from index `row` on
   * @param row the index of the next record in every column
   * @param limit the columns' capacity: take() stops before writing past it
   */
  constructor(
    delimiter: string,
    decimalComma: boolean,
    private readonly columns: Float64Array[],
    public row: number,
    public limit: number,
  ) {
    this.delimiter = delimiter.charCodeAt(0);
    this.point = decimalComma ? 0x2c : 0x2e;
  }

  /** The array field k is written to. */
  columnAt(k: number): Float64Array | undefined {
    return this.columns[k];
  }

  /**
   * Take the records that start at bytes[start] and end with a line break before bytes.length.
   * Returns where the first record it did not take starts (start itself when none was taken).
   * A record's cells may have been written at index `row` before it is given up: the general
   * path writes the same indices again.
   */
  take(bytes: Uint8Array, start: number): number {
    const { columns, delimiter, point } = this;
    const width = columns.length;
    const length = bytes.length;
    // Records start before the last line break only: every byte a record reads up to its own
    // line break is then inside the bytes, and no read needs a test of the end (none of the
    // bytes a cell goes past is a line break, and a record stops at its first).
    const lastBreak = bytes.lastIndexOf(LF);
    let row = this.row;
    const limit = this.limit;
    let p = start;
    // The start of the record being read: where the general path takes over when this one stops.
    let begin = start;
    let taken = 0;
    records: while (row < limit && p <= lastBreak) {
      let present = false;
      for (let k = 0; k < width; k += 1) {
        const cellStart = p;
        let c = bytes[p] as number;
        let negative = false;
        if (c === MINUS || c === PLUS) {
          negative = c === MINUS;
          p += 1;
          c = bytes[p] as number;
        }
        // Every digit goes into the integer of its part, leading zeros too (they add nothing): no
        // test per digit. How many are significant is counted from the positions, and only when
        // it can matter (more than 15 digits in all). Each part is an int32 (one cheap integer
        // step a digit, where a double's multiply and add made a chain twice as long): exact up
        // to 9 digits; a longer part is summed again as a double below.
        let whole = 0;
        const intStart = p;
        let d = c - ZERO;
        while (d >>> 0 < 10) {
          whole = (whole * 10 + d) | 0;
          p += 1;
          c = bytes[p] as number;
          d = c - ZERO;
        }
        const intEnd = p;
        let fraction = 0;
        let scale = 0;
        if (c === point) {
          p += 1;
          const fracStart = p;
          c = bytes[p] as number;
          d = c - ZERO;
          while (d >>> 0 < 10) {
            fraction = (fraction * 10 + d) | 0;
            p += 1;
            c = bytes[p] as number;
            d = c - ZERO;
          }
          scale = p - fracStart;
          // "." alone or "-." is not a number; the general path says what it is.
          if (intEnd === intStart && scale === 0) break records;
        }
        const digits = intEnd - intStart + scale;
        if (digits > 15 && significantDigits(bytes, intStart, intEnd, scale) > 15) break records;
        // All the digits as one integer: below 10^15 (at most 15 significant digits), so exact.
        const mantissa =
          intEnd - intStart <= 9 && scale <= 9
            ? whole * (POW10[scale] as number) + fraction
            : digitsValue(bytes, intStart, intEnd, scale);
        let exponent = 0;
        if (c === LOWER_E || c === UPPER_E) {
          if (digits === 0) break records;
          p += 1;
          c = bytes[p] as number;
          let expNegative = false;
          if (c === MINUS || c === PLUS) {
            expNegative = c === MINUS;
            p += 1;
            c = bytes[p] as number;
          }
          d = c - ZERO;
          if (d < 0 || d > 9) break records;
          while (d >= 0 && d <= 9) {
            if (exponent < 1000) exponent = exponent * 10 + d;
            p += 1;
            c = bytes[p] as number;
            d = c - ZERO;
          }
          if (expNegative) exponent = -exponent;
        }
        // The cell must end exactly here: with the delimiter, or the line break after the last.
        if (k < width - 1 ? c !== delimiter : c !== LF && c !== CR) break records;
        const column = columns[k] as Float64Array;
        if (digits === 0) {
          // An empty cell is missing; a lone sign ("-" is a missing marker) is the general path's.
          if (p !== cellStart) break records;
          column[row] = Number.NaN;
        } else {
          // Clinger's fast path: a mantissa of at most 15 digits and 10^|power| ≤ 10^22 are both
          // exact doubles, so one IEEE multiplication or division rounds correctly and gives the
          // double Number() gives. Longer mantissas and larger powers could round differently.
          const power = exponent - scale;
          if (power < -22 || power > 22) break records;
          const value = power < 0 ? mantissa / (POW10[-power] as number) : mantissa * (POW10[power] as number);
          column[row] = negative ? -value : value;
          present = true;
        }
        p += 1;
        if (c === CR) {
          // CRLF only: a lone CR (old Mac files) and a CR at the end of the bytes are the
          // general path's, which knows whether more bytes follow.
          if (p >= length || bytes[p] !== LF) break records;
          p += 1;
        }
      }
      // A record of empty cells (",,,") is a blank line to skip: the general path does that.
      if (!present) break;
      row += 1;
      taken += 1;
      begin = p;
    }
    this.taken = taken;
    this.row = row;
    return begin;
  }
}
