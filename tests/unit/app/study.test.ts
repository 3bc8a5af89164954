import { describe, expect, it } from 'vitest';
import {
  ashaPromotes,
  bestTrial,
  defaultSpace,
  gridPoints,
  parseSpace,
  plannedTrials,
  randomParams,
  rungOf,
  SpaceError,
  trialParams,
  type SearchSpace,
} from '../../../app/experiments/study';
import { mlpTrialGraph } from '../../../app/experiments/trial-graph';
import { axisPosition, differingSettings, parallelAxes, type SettingValue } from '../../../app/experiments/runs-table';
import { analyzeGraph } from '../../../app/graph/analyze';

const space: SearchSpace = {
  learningRate: { type: 'float', low: 1e-4, high: 1e-1, log: true, steps: 4 },
  batchSize: { type: 'choice', values: [16, 32, 64] },
  units: { type: 'int', low: 8, high: 64, log: true, steps: 3 },
};

describe('study: grid search', () => {
  it('covers every combination of the grid once, log ranges log-spaced', () => {
    const points = gridPoints(space);
    expect(points).toHaveLength(4 * 3 * 3);
    const keys = new Set(points.map((p) => JSON.stringify(p)));
    expect(keys.size).toBe(points.length);
    const rates = [...new Set(points.map((p) => p['learningRate'] as number))];
    expect(rates.map((r) => Math.log10(r))).toEqual([-4, -3, -2, -1].map((v) => expect.closeTo(v, 10)));
    expect([...new Set(points.map((p) => p['units']))]).toEqual([8, 23, 64]);
    for (const lr of rates)
      for (const bs of [16, 32, 64])
        for (const u of [8, 23, 64])
          expect(keys.has(JSON.stringify({ learningRate: lr, batchSize: bs, units: u }))).toBe(true);
    // The study runs the whole grid unless --trials cuts it.
    expect(plannedTrials('grid', space, undefined)).toBe(36);
    expect(plannedTrials('grid', space, 5)).toBe(5);
    expect(trialParams('grid', space, 1, 35)).toEqual(points[35]);
  });
});

describe('study: random search', () => {
  it('is reproducible from its seed, trial by trial (a resumed study gets the same settings)', () => {
    const a = Array.from({ length: 20 }, (_, i) => randomParams(space, 7, i));
    const b = Array.from({ length: 20 }, (_, i) => randomParams(space, 7, i));
    expect(a).toEqual(b);
    // Trial 12 alone, as a resume computes it, is trial 12 of the whole sequence.
    expect(trialParams('random', space, 7, 12)).toEqual(a[12]);
    expect(Array.from({ length: 20 }, (_, i) => randomParams(space, 8, i))).not.toEqual(a);
    for (const p of a) {
      expect(p['learningRate']).toBeGreaterThanOrEqual(1e-4);
      expect(p['learningRate']).toBeLessThanOrEqual(1e-1);
      expect([16, 32, 64]).toContain(p['batchSize']);
      expect(Number.isInteger(p['units'])).toBe(true);
    }
  });

  it('samples a log range evenly in log: about half of 1e-4..1e-1 falls below 3.2e-3', () => {
    const rates = Array.from(
      { length: 2000 },
      (_, i) => randomParams({ learningRate: space.learningRate! }, 3, i)['learningRate'] as number,
    );
    const below = rates.filter((r) => r < Math.sqrt(1e-4 * 1e-1)).length / rates.length;
    expect(below).toBeGreaterThan(0.45);
    expect(below).toBeLessThan(0.55);
  });
});

describe('study: ASHA', () => {
  it('has rungs at 1, 3, 9, 27 epochs (η 3)', () => {
    expect([1, 2, 3, 4, 9, 27, 28].map((e) => rungOf(e))).toEqual([0, null, 1, null, 2, 3, null]);
  });

  it('promotes the top 1/η of the scores at a rung and stops the rest', () => {
    // Nine trials reach the rung one after another with these losses; the last decides on all nine.
    const losses = [0.9, 0.5, 0.7, 0.3, 0.8, 0.6, 0.4, 1.0, 0.2];
    const promoted = losses.filter((l) =>
      ashaPromotes(
        l,
        losses.filter((o) => o !== l),
      ),
    );
    expect(promoted.sort()).toEqual([0.2, 0.3, 0.4]);
    // Arriving in order, a trial goes on when it is in the top third of those seen so far (at least the best).
    const goesOn = losses.map((l, i) => ashaPromotes(l, losses.slice(0, i)));
    expect(goesOn).toEqual([true, true, false, true, false, false, true, false, true]);
    // A diverged trial (NaN or infinite loss) never goes on.
    expect(ashaPromotes(Number.NaN, [])).toBe(false);
  });
});

describe('study: the space', () => {
  it('refuses a bad space with a message naming the setting', () => {
    const cases: [unknown, RegExp][] = [
      [{ lr: { type: 'float', low: 0.1, high: 1 } }, /"lr" is not a setting a study can search/],
      [{ learningRate: { type: 'float', low: 0, high: 1, log: true } }, /learningRate: a log range needs low > 0/],
      [{ dropout: { type: 'float', low: 0.5, high: 0.1 } }, /dropout: low 0.5 is above high 0.1/],
      [{ batchSize: { type: 'float', low: 8, high: 64 } }, /batchSize is a whole number: use "type": "int"/],
      [{ optimizer: { type: 'choice', values: ['adam', 'lion'] } }, /optimizer: "lion" is not one of sgd, momentum/],
      [{ dropout: { type: 'float', low: 0, high: 1.5 } }, /dropout: 1.5 is outside \[0, 0.99\]/],
      [{}, /names no setting to search/],
    ];
    for (const [raw, message] of cases) expect(() => parseSpace(raw, 'space.json')).toThrow(message);
    expect(() => parseSpace({ lr: 1 })).toThrow(SpaceError);
  });

  it('has a default for every task: rate and batch size, and width and dropout where the model has hidden layers', () => {
    expect(Object.keys(defaultSpace({ hiddenLayers: true }))).toEqual([
      'learningRate',
      'batchSize',
      'units',
      'dropout',
    ]);
    expect(Object.keys(defaultSpace({ hiddenLayers: false }))).toEqual(['learningRate', 'batchSize']);
    expect(parseSpace(defaultSpace({ hiddenLayers: true }))).toEqual(defaultSpace({ hiddenLayers: true }));
  });

  it("builds a trial's mlp: the width, half of it, and dropout after each hidden layer", () => {
    const graph = mlpTrialGraph({ units: 40, dropout: 0.25 }, 4);
    const analysis = analyzeGraph(graph);
    expect(analysis.ok).toBe(true);
    const chain = graph.nodes.map(
      (n) => `${n.type}${'units' in n.config ? n.config.units : ''}${'rate' in n.config ? n.config.rate : ''}`,
    );
    expect(chain).toEqual(['Input', 'Dense40', 'Dense20', 'Output1', 'Dropout0.25', 'Dropout0.25']);
    expect(graph.edges.map((e) => `${e.source}>${e.target}`)).toEqual([
      'input>dense_1',
      'dense_1>dropout_after_dense_1',
      'dropout_after_dense_1>dense_2',
      'dense_2>dropout_after_dense_2',
      'dropout_after_dense_2>output',
    ]);
    expect(mlpTrialGraph({ units: 40, dropout: 0 }, 4).nodes.some((n) => n.type === 'Dropout')).toBe(false);
  });
});

describe('study: the best trial', () => {
  it('is the completed trial with the lowest val_loss; pruned and failed ones never are', () => {
    const t = (number: number, status: 'completed' | 'pruned' | 'failed', val_loss: number | null) => ({
      number,
      status,
      final: val_loss === null ? null : { val_loss },
    });
    expect(
      bestTrial([t(0, 'completed', 0.5), t(1, 'pruned', 0.1), t(2, 'completed', 0.3), t(3, 'failed', null)])?.number,
    ).toBe(2);
    expect(bestTrial([t(0, 'pruned', 0.1)])).toBeNull();
  });
});

describe('runs table: the diff and the parallel-coordinate axes', () => {
  const rows: { settings: Record<string, SettingValue> }[] = [
    { settings: { optimizer: 'adam', learningRate: 1e-4, batchSize: 32, 'model.units': '16-8' } },
    { settings: { optimizer: 'adam', learningRate: 1e-2, batchSize: 32, 'model.units': '64-32' } },
    { settings: { optimizer: 'adam', learningRate: 1e-3, batchSize: 32, 'model.units': '16-8', clipNorm: 1 } },
  ];
  it('lists only the settings that differ, a missing one counting as different', () => {
    expect(differingSettings(rows)).toEqual(['learningRate', 'model.units', 'clipNorm']);
    expect(differingSettings([rows[0]!, rows[0]!])).toEqual([]);
  });
  it('puts a range spanning 100× on a log axis and text on a category axis', () => {
    const [lr, units, clip] = parallelAxes(rows);
    expect(lr).toMatchObject({ key: 'learningRate', kind: 'number', log: true, min: 1e-4, max: 1e-2 });
    expect(axisPosition(lr!, 1e-3)).toBeCloseTo(0.5, 10);
    expect(units).toMatchObject({ kind: 'category', categories: ['16-8', '64-32'] });
    expect(axisPosition(units!, '64-32')).toBe(1);
    expect(clip).toMatchObject({ kind: 'category', categories: ['1', 'null'] });
  });
});
