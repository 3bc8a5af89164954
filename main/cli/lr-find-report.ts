import { UserError } from '../../app/ipc/errors';
import type { RunSummary } from '../../app/project/schema';
import { formatRate, formatSeconds, type LrFinderResult } from '../../app/training/lr-finder';

/** metrics.json's lr_finder for a run that used learningRate 'auto' (its config holds the rate found). */
export function lrFinderMetrics(run: RunSummary): {
  lr_finder?: { suggestion: number; steps: number; seconds: number; rule: string };
} {
  const found = run.lrFinder;
  return found
    ? { lr_finder: { suggestion: found.suggestion, steps: found.steps, seconds: found.seconds, rule: found.rule } }
    : {};
}

/** The train output's line for a run with learningRate 'auto'. */
export function learningRateLine(found: LrFinderResult): string {
  return `Learning rate: auto → ${formatRate(found.suggestion)} (LR range test, ${found.steps} steps, ${formatSeconds(found.seconds)})`;
}

const ROWS = 24;
const BAR = 40;

/** The curve as text: about ROWS rows of rate, smoothed loss and a bar, the suggestion marked. */
export function formatLrCurve(found: LrFinderResult): string[] {
  const points = found.rates
    .map((rate, i) => ({ rate, loss: found.losses[i] ?? null }))
    .filter((p): p is { rate: number; loss: number } => p.loss !== null);
  if (points.length === 0) return ['(the loss was never finite: no curve)'];
  const every = Math.max(1, Math.ceil(points.length / ROWS));
  const shown = points.filter((_, i) => i % every === 0 || i === points.length - 1);
  // The row nearest the suggestion (in log rate) carries the marker.
  let marked = 0;
  for (let i = 1; i < shown.length; i++)
    if (
      Math.abs(Math.log(shown[i]!.rate / found.suggestion)) < Math.abs(Math.log(shown[marked]!.rate / found.suggestion))
    )
      marked = i;
  const lo = Math.min(...shown.map((p) => p.loss));
  const hi = Math.max(...shown.map((p) => p.loss));
  const lines = ['      rate  smoothed loss'];
  shown.forEach((p, i) => {
    const width = hi > lo ? Math.round(((p.loss - lo) / (hi - lo)) * (BAR - 1)) + 1 : 1;
    lines.push(
      `${i === marked ? '→' : ' '} ${formatRate(p.rate).padStart(8)}  ${p.loss.toPrecision(4).padStart(12)}  ${'#'.repeat(width)}${i === marked ? '  ← suggested' : ''}`,
    );
  });
  return lines;
}

/** What lr-find prints once the test has run. */
export function lrFindReport(run: RunSummary, out: (line: string) => void): number {
  if (run.status === 'failed') throw new UserError(`The LR range test failed: ${run.error ?? 'unknown reason'}`);
  const found = run.lrFinder;
  if (!found) {
    if (run.status === 'cancelled') return 130;
    throw new UserError('The LR range test gave no result.');
  }
  out(
    `LR range test (${run.trainConfig.optimizer}, batch size ${run.trainConfig.batchSize}, seed ${run.trainConfig.seed}): ${found.steps} of ${found.plannedSteps} steps, rate ${formatRate(found.rates[0] ?? 0)} → ${formatRate(found.rates.at(-1) ?? 0)}, ${formatSeconds(found.seconds)}.`,
  );
  for (const line of formatLrCurve(found)) out(line);
  const candidates = [
    found.steepest !== null ? `steepest descent ${formatRate(found.steepest)}` : null,
    found.minimum !== null ? `minimum loss at ${formatRate(found.minimum)}` : null,
  ].filter((c) => c !== null);
  if (candidates.length > 0) out(`Candidates: ${candidates.join(', ')}.`);
  out(`Suggested learning rate: ${formatRate(found.suggestion)} (${found.rule}).`);
  return 0;
}
