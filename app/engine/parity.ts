/**
 * The export's parity check (the exported files reloaded by an independent runtime and compared
 * with the in-app model) predicts on at most PARITY_ROWS validation rows: the first ones of the
 * split, whose order is the seeded split's shuffle, so they are a random sample chosen the same
 * way every time. 10,000 rows prove the same arithmetic as 2,000,000 and take a second.
 */
export const PARITY_ROWS = 10_000;

/** Rows the parity check compares for a split of `available` rows. */
export function parityRows(available: number): number {
  return Math.min(available, PARITY_ROWS);
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
