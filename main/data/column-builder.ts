import { isMissing, numberText, parseNumber } from './cell';
import type { StoredColumn } from './column-store';
import { parseNumberInto } from './number-bytes';

export interface FirstText {
  /** File line of the row. */
  line: number;
  value: string;
}

/**
 * One column being imported, held as a typed array from the first row on: float64 while every
 * present value is a number, int32 codes into a dictionary of texts from the first text on.
 * Rows never exist as objects, so a million-row file costs its column bytes and little more.
 */
export class ColumnBuilder {
  private numbers: Float64Array | null;
  private codes: Int32Array | null = null;
  private readonly dict: string[] = [];
  private readonly index = new Map<string, number>();
  length = 0;
  /** The first present value that is not a number, for "mixes numbers and text: row N". */
  firstText: FirstText | null = null;
  /**
   * Called once, just before the column's numbers become texts (toText): an import that wrote
   * earlier rows to disk (column-spill.ts) turns those into codes first, so that codes are given
   * in row order, as when every row is in memory.
   */
  beforeText: (() => void) | null = null;

  constructor(capacity: number) {
    this.numbers = new Float64Array(Math.max(16, capacity));
  }

  private room(): void {
    const array = this.numbers ?? this.codes;
    if (!array || this.length < array.length) return;
    const size = Math.ceil(array.length * 1.5);
    if (this.numbers) {
      const grown = new Float64Array(size);
      grown.set(this.numbers);
      this.numbers = grown;
    } else if (this.codes) {
      const grown = new Int32Array(size);
      grown.set(this.codes);
      this.codes = grown;
    }
  }

  /**
   * The array that holds the column while every value is a number, for the import's fast path
   * (csv-number-rows.ts), which writes rows past `length` and then moves `length` on; null once
   * the column holds texts. A new array after the column grows.
   */
  get numberArray(): Float64Array | null {
    return this.numbers;
  }

  /**
   * Move the numbers onto a SharedArrayBuffer of the same capacity, so that a second thread can
   * write rows into it (csv-range.ts). False when the column holds texts.
   */
  share(): boolean {
    if (this.numbers === null) return false;
    const shared = new Float64Array(new SharedArrayBuffer(this.numbers.length * Float64Array.BYTES_PER_ELEMENT));
    shared.set(this.numbers.subarray(0, this.length));
    this.numbers = shared;
    return true;
  }

  /**
   * A number cell straight from the file's bytes, without making a string: true when taken,
   * false when the cell must be given as text (addText) instead.
   */
  addBytes(bytes: Uint8Array, start: number, end: number, decimalComma: boolean): boolean {
    if (this.numbers === null) return false;
    if (this.length === this.numbers.length) this.room();
    const numbers = this.numbers;
    if (start === end) {
      numbers[this.length++] = Number.NaN;
      return true;
    }
    if (!parseNumberInto(bytes, start, end, decimalComma, numbers, this.length)) return false;
    this.length += 1;
    return true;
  }

  /** A cell as text (already unquoted). */
  addText(cell: string, line: number, decimalComma = false): void {
    this.room();
    if (this.numbers) {
      // A number is never a missing marker: try it first, the common case.
      const value = parseNumber(decimalComma ? cell.replace(',', '.') : cell);
      if (value !== null) {
        this.numbers[this.length++] = value;
        return;
      }
      if (isMissing(cell)) {
        this.numbers[this.length++] = Number.NaN;
        return;
      }
      this.toText();
    }
    const codes = this.codes as Int32Array;
    // A text seen before (missing markers never enter the dictionary).
    const known = this.index.get(cell);
    if (known !== undefined) {
      codes[this.length++] = known;
      return;
    }
    if (isMissing(cell)) {
      codes[this.length++] = -1;
      return;
    }
    const value = cell.trim();
    const number = parseNumber(decimalComma ? value.replace(',', '.') : value);
    if (this.firstText === null && number === null) this.firstText = { line, value };
    // With a decimal comma, "3,5" is stored as the number it means ("3.5"), so that the profile
    // counts it as a number among texts like any other.
    codes[this.length++] = this.codeOf(decimalComma && number !== null ? numberText(number) : value);
  }

  private codeOf(text: string): number {
    let code = this.index.get(text);
    if (code === undefined) {
      code = this.dict.length;
      this.dict.push(text);
      this.index.set(text, code);
    }
    return code;
  }

  /**
   * The first text in a column of numbers: the numbers so far become texts in their canonical
   * spelling (the file's own spelling is not kept for a million numbers on the chance that a
   * text follows; "1.50" becomes "1.5"), which is also how categories of numbers are spelled.
   */
  private toText(): void {
    this.beforeText?.();
    const numbers = this.numbers as Float64Array;
    const codes = new Int32Array(numbers.length);
    this.codesOf(numbers.subarray(0, this.length), codes);
    this.codes = codes;
    this.numbers = null;
  }

  /** Codes for numbers (NaN: -1, missing) in their canonical spelling, entering the dictionary as toText does. */
  codesOf(numbers: Float64Array, into: Int32Array): void {
    for (let i = 0; i < numbers.length; i += 1) {
      const value = numbers[i] ?? Number.NaN;
      into[i] = Number.isNaN(value) ? -1 : this.codeOf(numberText(value));
    }
  }

  /** The distinct texts so far, in code order (a column of numbers: none). */
  get dictionary(): readonly string[] {
    return this.dict;
  }

  /** The rows held now, numbers or codes (a view): what column-spill.ts writes before length goes back to 0. */
  held(): Float64Array | Int32Array {
    if (this.numbers) return this.numbers.subarray(0, this.length);
    return (this.codes as Int32Array).subarray(0, this.length);
  }

  /** Let the arrays go once every row is on disk (the dictionary and firstText stay). */
  release(): void {
    this.numbers = this.numbers ? new Float64Array(0) : null;
    this.codes = this.codes ? new Int32Array(0) : null;
    this.length = 0;
  }

  /** The stored column, trimmed to the rows read (a view, not a copy). */
  finish(): StoredColumn {
    if (this.numbers) return this.numbers.subarray(0, this.length);
    return { codes: (this.codes as Int32Array).subarray(0, this.length), dict: this.dict };
  }
}
