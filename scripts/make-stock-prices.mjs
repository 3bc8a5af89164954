#!/usr/bin/env node
/**
 * Writes resources/stock-prices.csv: a SYNTHETIC daily stock-price series (it is made up — no
 * real company, no real market), the worked example for time-series forecasting.
 *
 * 756 business days (three years from 2021-01-04) of Date, Open, High, Low, Close, Volume. The
 * daily return follows an AR(1) process (r[t] = 0.0003 + 0.3 · r[t−1] + noise with σ = 1.2%), so
 * yesterday's move carries a little into today's: enough structure for a model to beat the naive
 * "last value" forecast, which a pure random walk would not allow. Volume rises on big moves.
 * Seeded (mulberry32), so running it again writes the same bytes:
 *
 *   node scripts/make-stock-prices.mjs            # writes resources/stock-prices.csv
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SEED = 20240101;
const DAYS = 756;

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(SEED);
/** Standard normal (Box-Muller). */
function normal() {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

const lines = ['Date,Open,High,Low,Close,Volume'];
const day = new Date(Date.UTC(2021, 0, 4));
let close = 100;
let previousReturn = 0;
for (let n = 0; n < DAYS;) {
  const weekday = day.getUTCDay();
  if (weekday !== 0 && weekday !== 6) {
    const r = 0.0003 + 0.3 * previousReturn + 0.012 * normal();
    // The open gaps a little from the last close; the day's range covers open and close.
    const open = close * (1 + 0.003 * normal());
    const next = close * (1 + r);
    const high = Math.max(open, next) * (1 + Math.abs(0.006 * normal()));
    const low = Math.min(open, next) * (1 - Math.abs(0.006 * normal()));
    const volume = Math.round(1_000_000 * (1 + 25 * Math.abs(r)) * Math.exp(0.25 * normal()));
    lines.push(
      [day.toISOString().slice(0, 10), open.toFixed(2), high.toFixed(2), low.toFixed(2), next.toFixed(2), volume].join(
        ',',
      ),
    );
    close = next;
    previousReturn = r;
    n += 1;
  }
  day.setUTCDate(day.getUTCDate() + 1);
}
const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'resources', 'stock-prices.csv');
writeFileSync(out, `${lines.join('\n')}\n`);
console.log(`Wrote ${out}: ${DAYS} synthetic trading days.`);
