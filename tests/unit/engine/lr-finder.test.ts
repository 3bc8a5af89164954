import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreparedData } from '../../../app/engine/protocol';
import type { ModelGraph } from '../../../app/graph/schema';
import type { EpochLogs } from '../../../app/project/schema';
import { LR_FINDER, RATE_RANGE, type LrFinderResult } from '../../../app/training/lr-finder';
import { selectBackend } from '../../../main/engine/process/backend';
import { train } from '../../../main/engine/process/train';
import { chainGraph, config, irisGraph, tempDir, writeIris, writeRegression } from './fixtures';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  await selectBackend({ force: 'wasm' });
  tmp = await tempDir('lr-finder');
});
afterAll(async () => {
  await tmp.cleanup();
});

/** One run with learningRate 'auto' (or a number): what the finder reported and the epochs. */
async function run(
  name: string,
  data: PreparedData,
  graph: ModelGraph,
  learningRate: number | 'auto',
  extra: { lrFinderOnly?: boolean; dropout?: boolean } = {},
) {
  let found: LrFinderResult | null = null;
  const epochs: EpochLogs[] = [];
  const dir = path.join(tmp.dir, name);
  const outcome = await train(
    {
      runId: name,
      runDir: dir,
      data,
      graph,
      config: config({ epochs: 2, learningRate }),
      ...(extra.lrFinderOnly ? { lrFinderOnly: true } : {}),
    },
    { onLrFinder: (r) => (found = r), onEpoch: (logs) => epochs.push(logs) },
  );
  return { outcome, found: found as LrFinderResult | null, epochs };
}

const withoutTime = (r: LrFinderResult) => ({ ...r, seconds: 0 });

describe.each([
  // A plain MLP into softmax takes the engine's dense fast path; a regression (MSE) the general tfjs path.
  { path: 'dense fast path (iris MLP)', make: (dir: string) => writeIris(dir), graph: () => irisGraph() },
  {
    path: 'general path (regression with Dropout)',
    make: (dir: string) => writeRegression(dir),
    graph: () =>
      chainGraph(
        [2],
        [
          { type: 'Dense', units: 8 },
          { type: 'Dropout', rate: 0.1 },
        ],
        { units: 1, activation: 'linear' },
      ),
  },
])('the LR range test, $path', ({ path: which, make, graph }) => {
  it('grows the rate exponentially, suggests a rate inside the tested range, leaves the weights as they were, and repeats exactly for a seed', async () => {
    const data = await make(path.join(tmp.dir, `data-${which.length}`));
    const auto = await run(`auto-${which.length}`, data, graph(), 'auto');
    expect(auto.outcome.status).toBe('completed');
    const found = auto.found!;
    expect(found).not.toBeNull();
    // Exponential: a constant ratio from LR_FINDER.start, as planned.
    expect(found.rates[0]).toBeCloseTo(LR_FINDER.start, 12);
    expect(found.plannedSteps).toBeGreaterThanOrEqual(LR_FINDER.minSteps);
    expect(found.steps).toBe(found.rates.length);
    expect(found.losses).toHaveLength(found.steps);
    expect(found.steps).toBeGreaterThan(20);
    // Adam reads no rate past 30× its highest suggestion (1e-2): the test stops at the first one.
    expect(found.rates.at(-2)!).toBeLessThanOrEqual(LR_FINDER.readUpTo * RATE_RANGE.adam[1]);
    const ratio = (LR_FINDER.end / LR_FINDER.start) ** (1 / (found.plannedSteps - 1));
    for (let i = 1; i < found.rates.length; i++) expect(found.rates[i]! / found.rates[i - 1]!).toBeCloseTo(ratio, 6);
    // The suggestion lies strictly inside the tested range (and the optimizer's).
    expect(found.suggestion).toBeGreaterThan(found.rates[0]!);
    expect(found.suggestion).toBeLessThan(found.rates.at(-1)!);
    expect(found.suggestion).toBeGreaterThanOrEqual(RATE_RANGE.adam[0]);
    expect(found.suggestion).toBeLessThanOrEqual(RATE_RANGE.adam[1]);

    // Training with the rate it found from the same seed gives the very same epochs: the test
    // left the weights, the optimizer and the batch streams exactly as they were.
    const fixed = await run(`fixed-${which.length}`, data, graph(), found.suggestion);
    expect(fixed.found).toBeNull();
    expect(fixed.epochs).toEqual(auto.epochs);

    // Deterministic for a seed.
    const again = await run(`again-${which.length}`, data, graph(), 'auto');
    expect(withoutTime(again.found!)).toEqual(withoutTime(found));
  });
});

describe('lrFinderOnly', () => {
  it('runs the test, reports it, and trains nothing', async () => {
    const data = await writeIris(path.join(tmp.dir, 'only-data'));
    const only = await run('only', data, irisGraph(), 0.01, { lrFinderOnly: true });
    expect(only.outcome).toMatchObject({ status: 'completed', hasModel: false, batchesRun: 0 });
    expect(only.epochs).toEqual([]);
    expect(only.found?.steps).toBeGreaterThan(20);
  });
});
