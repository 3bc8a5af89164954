/**
 * How the app reads a raw cell (main/data/cell.ts), spelled out for the generated snippets in
 * JavaScript and Python. cell.ts keeps its own copies private, so a test (export-snippets.test)
 * checks that these read every sample cell as cell.ts does.
 */
export const MISSING_MARKERS = ['', 'na', 'n/a', 'nan', 'null', '?', '-'] as const;
export const NUMBER_PATTERN_SOURCE = String.raw`^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$`;

/** JavaScript literals for the snippets. */
export const MISSING_MARKERS_SNIPPET = JSON.stringify(MISSING_MARKERS);
export const NUMBER_PATTERN_SNIPPET = `/${NUMBER_PATTERN_SOURCE}/`;

/** main/data/dates.ts's patterns (ISO with optional time, y/m/d, d.m.y or m/d/y), as regex literals. */
export const DATE_PATTERNS = {
  iso: String.raw`/^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/`,
  ymd: String.raw`/^(\d{4})\/(\d{1,2})\/(\d{1,2})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$/`,
  dmy: String.raw`/^(\d{1,2})[./](\d{1,2})[./](\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$/`,
} as const;
