import type { ClassCurves } from '../../../../app/diagnostics/evaluation';

/** Enough distinct colours for every class of a typical task (10 digits, 12 months...). */
export const CURVE_PALETTE = [
  '#2563eb',
  '#ea580c',
  '#15803d',
  '#9333ea',
  '#db2777',
  '#0891b2',
  '#ca8a04',
  '#4b5563',
  '#dc2626',
  '#65a30d',
  '#7c3aed',
  '#0d9488',
];
/** More curves than this make the charts unreadable; the per-class table still has every class. */
export const MAX_CURVES = CURVE_PALETTE.length;

/**
 * The classes drawn on a ROC or precision-recall chart: all of them up to MAX_CURVES; past that,
 * the weakest and the strongest by AUC (half each, in their label order), never simply the first
 * ones, since the class a user needs to see is usually the weakest.
 */
export function curvesToDraw(
  curves: readonly ClassCurves[],
  kind: 'roc' | 'pr',
  max = MAX_CURVES,
): { drawn: ClassCurves[]; left: number } {
  if (curves.length <= max) return { drawn: [...curves], left: 0 };
  const aucOf = (c: ClassCurves) => (kind === 'roc' ? c.rocAuc : c.prAuc) ?? Number.NEGATIVE_INFINITY;
  const ranked = curves.map((c, i) => ({ c, i })).sort((a, b) => aucOf(a.c) - aucOf(b.c) || a.i - b.i);
  const weakest = Math.ceil(max / 2);
  const keep = new Set([...ranked.slice(0, weakest), ...ranked.slice(ranked.length - (max - weakest))].map((r) => r.i));
  return { drawn: curves.filter((_, i) => keep.has(i)), left: curves.length - keep.size };
}
