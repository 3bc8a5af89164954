/**
 * Dates and times as spreadsheets and databases write them. ISO first (2024-03-01, with an
 * optional time), then year/month/day with slashes, then day.month.year and month/day/year,
 * which a value cannot tell apart: "03/04/2024" is read day-first only when the first part is
 * over 12 somewhere in the column; that choice is made once per column (dateOrder).
 */
const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const YMD = /^(\d{4})\/(\d{1,2})\/(\d{1,2})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const DMY = /^(\d{1,2})[./](\d{1,2})[./](\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

export interface DateParts {
  year: number;
  month: number;
  day: number;
  /** 0 = Sunday, as Date.getUTCDay. */
  weekday: number;
  /** null when the value has no time of day. */
  hour: number | null;
}

export type DateOrder = 'mdy' | 'dmy';

function valid(year: number, month: number, day: number, hour: number | null): DateParts | null {
  if (month < 1 || month > 12 || day < 1 || day > 31 || (hour !== null && hour > 23)) return null;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1) return null; // 31 February
  return { year, month, day, weekday: date.getUTCDay(), hour };
}

export function parseDate(text: string, order: DateOrder = 'mdy'): DateParts | null {
  const value = text.trim();
  const iso = ISO.exec(value) ?? YMD.exec(value);
  if (iso) return valid(Number(iso[1]), Number(iso[2]), Number(iso[3]), iso[4] === undefined ? null : Number(iso[4]));
  const other = DMY.exec(value);
  if (!other) return null;
  const a = Number(other[1]);
  const b = Number(other[2]);
  const hour = other[4] === undefined ? null : Number(other[4]);
  // Dots are day-first everywhere they are used (Germany, Russia, ...).
  const dayFirst = order === 'dmy' || value.includes('.');
  return dayFirst ? valid(Number(other[3]), b, a, hour) : valid(Number(other[3]), a, b, hour);
}

/** Day-first when some value's first part cannot be a month. */
export function dateOrder(values: Iterable<string>): DateOrder {
  for (const v of values) {
    const m = DMY.exec(v.trim());
    if (m && Number(m[1]) > 12) return 'dmy';
  }
  return 'mdy';
}
