import type { LearningCurve } from '../../../../app/ipc/contract';

/** A validation accuracy gain (absolute) from half to all of the data that counts as "still improving". */
export const ACCURACY_GAIN = 0.01;
/** Validation accuracy at or above this leaves nothing for more data or capacity to show. */
export const SOLVED_ACCURACY = 0.99;
/** A validation MAE drop (relative to the half-data MAE) that counts as "still improving". */
export const MAE_GAIN = 0.03;

export interface CurveReading {
  kind: 'more_data' | 'capacity' | 'solved' | 'unknown';
  text: string;
}

/**
 * The one-line reading of a learning curve: compare the validation score on half the training
 * rows with the score on all of them. Still rising at the end → more data likely helps; flat (within
 * the same margin either way) → the model has taken what this much data can give: more capacity or
 * better features; worse by more than that margin is said as such, never called flat.
 */
export function readCurve(curve: LearningCurve): CurveReading {
  const half = curve.points.find((p) => p.fraction === 0.5);
  const full = curve.points.find((p) => p.fraction === 1);
  if (!half || !full || half.val_score === null || full.val_score === null) {
    return {
      kind: 'unknown',
      text: 'Not enough finished points to read the curve: it needs the 50% and 100% retrainings.',
    };
  }
  const accuracy = curve.metric === 'accuracy';
  const gain = accuracy
    ? full.val_score - half.val_score
    : (half.val_score - full.val_score) / Math.max(Math.abs(half.val_score), 1e-12);
  const fmt = (v: number) => (accuracy ? `${(v * 100).toFixed(1)}%` : String(Number(v.toPrecision(3))));
  const name = accuracy ? 'accuracy' : 'MAE';
  const change = `${fmt(half.val_score)} on ${half.trainRows} rows → ${fmt(full.val_score)} on ${full.trainRows}`;
  if (accuracy && full.val_score >= SOLVED_ACCURACY) {
    return {
      kind: 'solved',
      text: `Validation accuracy is ${fmt(full.val_score)} with all the data (${change}): nothing left for more data or capacity to show.`,
    };
  }
  if (gain > (accuracy ? ACCURACY_GAIN : MAE_GAIN)) {
    return {
      kind: 'more_data',
      text: `Validation ${name} is still improving with more data (${change}): more data likely helps.`,
    };
  }
  if (-gain > (accuracy ? ACCURACY_GAIN : MAE_GAIN)) {
    // Worse with more rows is not "flat": say it fell, and that a small validation split moves this much by chance.
    return {
      kind: 'capacity',
      text: `Validation ${name} got worse from half to all of the data (${change}): more data did not help here. A change this size can be chance on a small validation split; try more capacity or better features before collecting more data.`,
    };
  }
  return {
    kind: 'capacity',
    text: `Validation ${name} is flat from half to all of the data (${change}): more data alone will not help much; try more capacity or better features.`,
  };
}
