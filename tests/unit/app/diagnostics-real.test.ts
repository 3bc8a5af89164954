import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../app/diagnostics';
import { MLP } from './diagnostics-fixtures';
import * as real from './diagnostics-real-runs';

const judge = (run: real.RealRun) =>
  diagnose({
    task: run.task,
    status: 'completed',
    epochs: real.epochsOf(run),
    trainConfig: { epochs: run.rows.length, learningRate: run.learningRate },
    graph: MLP,
    baseline: run.baseline,
  });

describe('histories recorded from real engine runs', () => {
  it.each([
    ['iris, Adam 0.01, 30 epochs', real.irisDefault],
    ['iris, Adam 0.01, 60 epochs', real.irisLonger],
    ['house prices, Adam 0.01', real.houseDefault],
    ['house prices, linear model', real.houseLinear],
    ['house prices, 100 epochs with a noisy validation loss', real.houseNoisy100],
  ])('%s is healthy', (_name, run) => {
    expect(judge(run).map((v) => v.kind)).toEqual(['healthy']);
  });

  it('SGD at 0.0005 on house prices is too low a learning rate', () => {
    const vs = judge(real.houseSlowSgd);
    expect(vs.map((v) => v.kind)).toEqual(['lr_too_low']);
  });

  it('SGD at 0.005 on iris is too low a learning rate', () => {
    expect(judge(real.irisSlowSgd).map((v) => v.kind)).toEqual(['lr_too_low']);
  });

  it('Adam at 0.5 on iris is stuck above the baseline: too high a learning rate, not a too-small model', () => {
    const vs = judge(real.irisAdamHalf);
    expect(vs.map((v) => [v.kind, v.severity])).toEqual([['lr_too_high', 'critical']]);
    expect(vs[0]!.evidence.summary).toMatch(/4\.7\d*× the naive baseline's 1\.096/);
    expect(vs[0]!.fixes).toEqual([{ kind: 'scale_lr', factor: 0.1 }]);
  });
});
