/**
 * The export's parity check (the exported files reloaded by an independent runtime and compared
 * with the in-app model) predicts on at most PARITY_ROWS validation rows: the first ones of the
 * split, whose order is the seeded split's shuffle, so they are a random sample chosen the same
 * way every time. 10,000 rows prove the same arithmetic as 2,000,000 and take a second; a model
 * that costs much per row (a CNN) gets fewer (PARITY_MACS).
 */
export const PARITY_ROWS = 10_000;

/**
 * And at most this many multiply-adds in all: the independent runtime may be slow (plain TF.js
 * on its JavaScript cpu backend runs a convolution at about 0.13 GMAC/s here: 359 rows of a
 * small CNN took 4.6 s, a fifth of a whole 10-epoch job), and a few dozen rows prove the same
 * arithmetic. At 100M the 32×32 digits CNN (1.46M a row) compared 68 rows in 0.78 s, 8% of
 * its whole job; at 25M it compares 17 in 0.2 s.
 */
export const PARITY_MACS = 25_000_000;
/**
 * …but never fewer rows than this (or the split, if smaller). Every row goes through the same
 * graph, so a handful proves the arithmetic; 64 cost a 48×48 colour CNN 2.2 s of plain TF.js's
 * cpu backend at the end of every export (about 20% of a 10-epoch job on 1,600 images), where
 * its 100M multiply-adds allow 15.
 */
export const MIN_PARITY_ROWS = 16;
/**
 * A quantized export is compared by its accuracy or error change, an estimate that needs rows
 * (one row of 16 is 6 points of accuracy): at least this many, cost permitting or not.
 */
export const MIN_QUANTIZED_ROWS = 64;

/**
 * Rows the parity check compares for a split of `available` rows, for a model costing
 * `macsPerRow` multiply-adds a row (0 or unknown: rows alone decide); `quantized` exports get at
 * least MIN_QUANTIZED_ROWS.
 */
export function parityRows(available: number, macsPerRow = 0, quantized = false): number {
  const least = quantized ? MIN_QUANTIZED_ROWS : MIN_PARITY_ROWS;
  const byCost = macsPerRow > 0 ? Math.max(least, Math.floor(PARITY_MACS / macsPerRow)) : PARITY_ROWS;
  return Math.min(available, PARITY_ROWS, byCost);
}

/**
 * "10,000 validation rows" or, for a sample, "10,000 of 2,000,000 validation rows (the first of
 * the seeded split: a random sample)": how every report names the rows compared.
 */
export function parityRowsText(compared: number, available: number | undefined, rowsName = 'validation rows'): string {
  const n = (x: number) => x.toLocaleString('en');
  if (available === undefined || available <= compared) return `${n(compared)} ${rowsName}`;
  return `${n(compared)} of ${n(available)} ${rowsName} (the first of the seeded split: a random sample)`;
}
