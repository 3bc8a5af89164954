import { describe, expect, it } from 'vitest';
import type { ClassCurves } from '../../../app/diagnostics/evaluation';
import { CURVE_PALETTE, curvesToDraw, MAX_CURVES } from '../../../renderer/src/features/evaluation/curve-choice';

const curve = (label: string, rocAuc: number): ClassCurves => ({ label, roc: [], pr: [], rocAuc, prAuc: rocAuc });

describe('which classes a ROC/PR chart draws', () => {
  it('draws all ten classes of a digits model, each in its own colour', () => {
    const ten = Array.from({ length: 10 }, (_, i) => curve(String(i), 0.9 + i / 100));
    expect(curvesToDraw(ten, 'roc')).toEqual({ drawn: ten, left: 0 });
    expect(new Set(CURVE_PALETTE.slice(0, 10)).size).toBe(10);
  });

  it('past the limit draws the weakest and the strongest classes, never just the first ones', () => {
    const many = Array.from({ length: 20 }, (_, i) => curve(`c${i}`, i === 17 ? 0.5 : 0.9 + (i % 7) / 100));
    const { drawn, left } = curvesToDraw(many, 'roc');
    expect(drawn).toHaveLength(MAX_CURVES);
    expect(left).toBe(20 - MAX_CURVES);
    // The weakest class (c17, the last but two) is among the drawn ones.
    expect(drawn.map((c) => c.label)).toContain('c17');
    // Label order is kept.
    expect(drawn.map((c) => Number(c.label.slice(1)))).toEqual(
      [...drawn.map((c) => Number(c.label.slice(1)))].sort((a, b) => a - b),
    );
  });
});
