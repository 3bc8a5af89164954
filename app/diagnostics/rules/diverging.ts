import { argMin, fmt } from '../series';
import { THRESHOLDS } from '../thresholds';
import type { DiagnosisInput, Verdict } from '../types';
import { lowerRateAdvice } from './learning-rate';

/** The engine's words when it stops a run on a NaN or infinite loss or output (main/engine/process/train.ts). */
const NON_FINITE_STOP = /became (NaN|infinite)|became NaN or infinite/i;

const EXPLANATION =
  'The training blew up: instead of getting smaller, the error became enormous or stopped being a number at all. The steps the optimizer takes are so large that each one overshoots and makes things worse. A smaller learning rate almost always fixes this; if it does not, look for extreme values in the data.';

const explanation = (input: DiagnosisInput) => EXPLANATION + lowerRateAdvice(input, 0.1);

function fixes(): Verdict['fixes'] {
  // One tenth, not one half: a run that explodes is usually far above a workable rate.
  return [{ kind: 'scale_lr', factor: 0.1 }];
}

/** NaN/Inf in the history or the engine's NaN stop, or a training loss that explodes by orders of magnitude. */
export function diverging(input: DiagnosisInput): Verdict | null {
  const epochs = input.epochs;
  const bad = epochs.find(
    (e) =>
      !(typeof e.loss === 'number' && Number.isFinite(e.loss)) ||
      !(typeof e.val_loss === 'number' && Number.isFinite(e.val_loss)),
  );
  const lastGood = [...epochs].reverse().find((e) => typeof e.loss === 'number' && Number.isFinite(e.loss));
  if (bad || (input.status === 'failed' && input.error && NON_FINITE_STOP.test(input.error))) {
    const at = bad ? bad.epoch : (epochs.at(-1)?.epoch ?? -1) + 1;
    const points: Verdict['evidence']['points'] = lastGood
      ? [{ epoch: lastGood.epoch, series: 'loss', value: lastGood.loss ?? null, label: 'last finite training loss' }]
      : [];
    return {
      kind: 'diverging',
      severity: 'critical',
      title: 'Training diverged',
      explanation: explanation(input),
      evidence: {
        summary: `The loss became NaN or infinite in epoch ${at + 1}${lastGood ? ` (it was ${fmt(lastGood.loss!)} after epoch ${lastGood.epoch + 1})` : ''}, at learning rate ${input.trainConfig.learningRate}.`,
        span: { from: Math.max(0, at - 1), to: at },
        points,
      },
      fixes: fixes(),
    };
  }
  if (epochs.length < 2) return null;
  const loss = epochs.map((e) => e.loss!);
  const low = argMin(loss);
  let peak = low;
  for (let i = low + 1; i < loss.length; i++) if (loss[i]! > loss[peak]!) peak = i;
  const min = loss[low]!;
  if (peak > low && loss[peak]! >= THRESHOLDS.explodeFactor * min && loss[peak]! >= loss[0]!) {
    return {
      kind: 'diverging',
      severity: 'critical',
      title: 'Training diverged',
      explanation: explanation(input),
      evidence: {
        summary: `The training loss fell to ${fmt(min)} in epoch ${epochs[low]!.epoch + 1}, then exploded to ${fmt(loss[peak]!)} by epoch ${epochs[peak]!.epoch + 1} (${fmt(loss[peak]! / min)}×), above where it started (${fmt(loss[0]!)}).`,
        span: { from: epochs[low]!.epoch, to: epochs[peak]!.epoch },
        points: [
          { epoch: epochs[low]!.epoch, series: 'loss', value: min, label: 'lowest training loss' },
          {
            epoch: epochs[peak]!.epoch,
            series: 'loss',
            value: loss[peak]!,
            label: 'training loss after the explosion',
          },
        ],
      },
      fixes: fixes(),
    };
  }
  return null;
}
