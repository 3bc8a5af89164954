/**
 * Numbers read straight from the bytes of a CSV cell, without making a string: the import of a
 * million-row numeric file spends most of its time here. Accepts exactly what cell.ts's
 * parseNumber accepts (plain decimal notation, surrounding spaces), optionally with a decimal
 * comma, and gives the same double.
 */

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const SPACE = 0x20;
const TAB = 0x09;
const ZERO = 0x30;

/** Where parseNumberInto's value goes when the caller wants it back as a plain number. */
const scratch = new Float64Array(1);

/** The value of bytes[start, end), or null when the cell is not a number. */
export function parseNumberBytes(bytes: Uint8Array, start: number, end: number, decimalComma: boolean): number | null {
  return parseNumberInto(bytes, start, end, decimalComma, scratch, 0) ? (scratch[0] as number) : null;
}

/**
 * Write the value of bytes[start, end) to out[index] and return true, or return false when the
 * cell is not a number (text, empty, or too large for a double). Writing into the column
 * instead of returning the double spares a heap number per cell. Up to 15 significant digits and a power of ten up to
 * 22 take Clinger's fast path (both operands exact, so one IEEE division or multiplication is
 * correctly rounded, the same double Number() gives); anything longer goes through Number().
 */
export function parseNumberInto(
  bytes: Uint8Array,
  start: number,
  end: number,
  decimalComma: boolean,
  out: Float64Array,
  index: number,
): boolean {
  while (start < end && (bytes[start] === SPACE || bytes[start] === TAB)) start += 1;
  while (end > start && (bytes[end - 1] === SPACE || bytes[end - 1] === TAB)) end -= 1;
  if (start === end) return false;
  const point = decimalComma ? 0x2c : 0x2e;
  let i = start;
  let negative = false;
  const sign = bytes[i];
  if (sign === 0x2b || sign === 0x2d) {
    negative = sign === 0x2d;
    i += 1;
  }
  let mantissa = 0;
  let digits = 0; // significant digits taken into the mantissa
  let intDigits = 0;
  let fracDigits = 0;
  let scale = 0; // power of ten to divide the mantissa by
  let exact = true;
  for (; i < end; i += 1) {
    const d = (bytes[i] ?? 0) - ZERO;
    if (d < 0 || d > 9) break;
    intDigits += 1;
    if (mantissa === 0 && d === 0) continue;
    if (digits < 15) {
      mantissa = mantissa * 10 + d;
      digits += 1;
    } else {
      exact = false;
    }
  }
  if (i < end && bytes[i] === point) {
    i += 1;
    for (; i < end; i += 1) {
      const d = (bytes[i] ?? 0) - ZERO;
      if (d < 0 || d > 9) break;
      fracDigits += 1;
      if (mantissa === 0 && d === 0) {
        scale += 1;
        continue;
      }
      if (digits < 15) {
        mantissa = mantissa * 10 + d;
        digits += 1;
        scale += 1;
      } else {
        exact = false;
      }
    }
  }
  if (intDigits + fracDigits === 0) return false;
  let exponent = 0;
  if (i < end && (bytes[i] === 0x65 || bytes[i] === 0x45)) {
    i += 1;
    let expNegative = false;
    if (bytes[i] === 0x2b || bytes[i] === 0x2d) {
      expNegative = bytes[i] === 0x2d;
      i += 1;
    }
    const expStart = i;
    for (; i < end; i += 1) {
      const d = (bytes[i] ?? 0) - ZERO;
      if (d < 0 || d > 9) break;
      if (exponent < 100000) exponent = exponent * 10 + d;
    }
    if (i === expStart) return false;
    if (expNegative) exponent = -exponent;
  }
  if (i !== end) return false;
  const power = exponent - scale;
  if (exact && mantissa === 0) {
    out[index] = negative ? -0 : 0;
    return true;
  }
  if (exact && power >= -22 && power <= 22) {
    const value = power < 0 ? mantissa / (POW10[-power] ?? 1) : mantissa * (POW10[power] ?? 1);
    out[index] = negative ? -value : value;
    return true;
  }
  let text = '';
  for (let k = start; k < end; k += 1) text += String.fromCharCode(bytes[k] ?? 0);
  const value = Number(decimalComma ? text.replace(',', '.') : text);
  if (!Number.isFinite(value)) return false;
  out[index] = value;
  return true;
}
