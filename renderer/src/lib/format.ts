/** Number and date formatting shared by every view, so the same value always reads the same. */

const intFormat = new Intl.NumberFormat('en-US');

export function formatInt(n: number): string {
  return intFormat.format(n);
}

export function formatParams(n: number): string {
  return `${formatInt(n)} ${n === 1 ? 'param' : 'params'}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatInt(n)} ${n === 1 ? one : many}`;
}

/** Statistics: 4 significant digits, no exponent for everyday magnitudes. */
export function formatStat(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  if (n === 0) return '0';
  const abs = Math.abs(n);
  if (abs >= 1e6 || abs < 1e-3) return n.toExponential(2);
  if (Number.isInteger(n)) return formatInt(n);
  return Number(n.toPrecision(4)).toString();
}

/** Losses as Keras prints them for everyday values (0.0636), fewer decimals as they grow. */
export function formatLoss(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  const abs = Math.abs(n);
  if (abs === 0) return '0';
  if (abs < 1e-4 || abs >= 1e6) return n.toExponential(2);
  if (abs < 10) return n.toFixed(4);
  if (abs < 1000) return n.toFixed(2);
  return formatInt(Math.round(n));
}

export function formatPercent(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return `${(n * 100).toFixed(1)}%`;
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const sameYear = d.getFullYear() === new Date().getFullYear();
  return d.toLocaleString(undefined, {
    ...(sameYear ? {} : { year: 'numeric' }),
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** "just now", "5 min ago", "yesterday", else a date. */
export function formatRelative(iso: string, now = Date.now()): string {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const s = Math.round((now - t) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  if (s < 2 * 86400) return 'yesterday';
  return new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function formatDuration(startIso: string, endIso: string | null): string {
  if (!endIso) return '';
  const ms = new Date(endIso).getTime() - new Date(startIso).getTime();
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** A time left, rounded up: "8 s", "3 min 20 s". */
export function formatSecondsLeft(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.ceil(seconds);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** Sizes of files, everywhere the same: "512 B", "12.3 KiB", "66.76 MiB", "1.70 GiB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '–';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(2)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/**
 * A number cell as text, without float noise: "4.803999999999999" (what arithmetic on 4.804
 * leaves) reads "4.804"; a value as typed in the file ("5.1", "13,2", "1e-7", "abc") is kept as
 * it is. Twelve significant digits are more than any CSV cell or float32 tensor holds.
 */
export function formatNumberText(text: string): string {
  const comma = /^[+-]?\d+,\d+$/.test(text);
  const plain = comma ? text.replace(',', '.') : text;
  if (!/^[+-]?\d*\.\d{12,}$/.test(plain)) return text;
  const n = Number(plain);
  if (!Number.isFinite(n)) return text;
  const tidy = String(Number(n.toPrecision(12)));
  return comma ? tidy.replace('.', ',') : tidy;
}
