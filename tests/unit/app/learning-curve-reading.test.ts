import { describe, expect, it } from 'vitest';
import type { LearningCurve, LearningCurvePoint } from '../../../app/ipc/contract';
import { readCurve } from '../../../renderer/src/features/learning-curve/reading';

const point = (fraction: number, trainRows: number, val_score: number | null): LearningCurvePoint => ({
  fraction,
  trainRows,
  loss: 0.5,
  val_loss: 0.6,
  score: 0.9,
  val_score,
});
const curve = (metric: 'accuracy' | 'mae', scores: Array<number | null>): LearningCurve => ({
  runId: 'run-1',
  metric,
  status: 'completed',
  points: [0.1, 0.25, 0.5, 1].slice(0, scores.length).map((f, i) => point(f, f * 1000, scores[i]!)),
});

describe('the one-line reading of a learning curve', () => {
  it('says more data helps while validation accuracy still rises from half to all of the data', () => {
    const r = readCurve(curve('accuracy', [0.6, 0.7, 0.78, 0.85]));
    expect(r.kind).toBe('more_data');
    expect(r.text).toContain('78.0% on 500 rows → 85.0% on 1000');
  });

  it('says capacity or features when it is flat, or worse', () => {
    expect(readCurve(curve('accuracy', [0.6, 0.8, 0.9, 0.905])).kind).toBe('capacity');
    expect(readCurve(curve('accuracy', [0.6, 0.8, 0.9, 0.85])).kind).toBe('capacity');
  });

  it('calls a curve that fell by more than the margin worse, not flat (97.5% → 93.9%)', () => {
    const fell = readCurve(curve('accuracy', [0.9, 0.95, 0.975, 0.939]));
    expect(fell.kind).toBe('capacity');
    expect(fell.text).not.toMatch(/flat/);
    expect(fell.text).toContain('got worse from half to all of the data (97.5% on 500 rows → 93.9% on 1000)');
    expect(readCurve(curve('mae', [30, 20, 10, 12])).text).toMatch(/^Validation MAE got worse/);
    expect(readCurve(curve('accuracy', [0.6, 0.8, 0.9, 0.905])).text).toMatch(/is flat/);
  });

  it('does not ask for more data when validation accuracy is already at the ceiling', () => {
    expect(readCurve(curve('accuracy', [0.8, 0.93, 0.967, 1])).kind).toBe('solved');
  });

  it('reads MAE as lower is better, relative to its size', () => {
    expect(readCurve(curve('mae', [30, 20, 10, 8])).kind).toBe('more_data');
    expect(readCurve(curve('mae', [30, 20, 10, 9.9])).kind).toBe('capacity');
    expect(readCurve(curve('mae', [30, 20, 10, 12])).kind).toBe('capacity');
  });

  it('does not guess from a cancelled curve without its last points', () => {
    expect(readCurve(curve('accuracy', [0.6, 0.7])).kind).toBe('unknown');
    expect(readCurve(curve('accuracy', [0.6, 0.7, 0.8, null])).kind).toBe('unknown');
  });
});
