/**
 * One fixed collation for category order: categories decide the one-hot column order, so they
 * must come out the same on every machine, whatever its locale.
 */
const collator = new Intl.Collator('en');

/** Text in dictionary order; exact code-unit order breaks ties so the order is total. */
export function compareText(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
