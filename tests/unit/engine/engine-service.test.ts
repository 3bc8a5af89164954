import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineEvent, type PreparedData } from '../../../app/engine/protocol';
import { selectBackend } from '../../../main/engine/process/backend';
import { EngineService } from '../../../main/engine/process/engine-service';
import { config, irisGraph, tempDir, writeIris } from './fixtures';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let iris: PreparedData;
const backend = { name: 'wasm', skipped: [] };
beforeAll(async () => {
  await selectBackend({ force: 'wasm' });
  tmp = await tempDir('service');
  iris = await writeIris(tmp.dir);
});
afterAll(async () => {
  await tmp.cleanup();
});

/** A service whose events are collected; `done` resolves when a run's 'done' arrives. */
function harness(now: () => number) {
  const events: EngineEvent[] = [];
  const waiting = new Map<string, () => void>();
  const service = new EngineService(
    (event) => {
      events.push(EngineEvent.parse(event)); // every event is protocol-shaped
      if (event.type === 'done') waiting.get(event.runId)?.();
    },
    backend,
    now,
  );
  const done = (runId: string) => new Promise<void>((resolve) => waiting.set(runId, resolve));
  return { service, events, done };
}

const trainMessage = (runId: string, epochs: number) => ({
  type: 'train',
  runId,
  runDir: path.join(tmp.dir, runId),
  data: iris,
  graph: irisGraph(),
  config: config({ epochs, batchSize: 8 }),
});

describe('EngineService', () => {
  it('throttles batch events to at most one per 50 ms (≤ 20 a second) and sends every epoch', async () => {
    let t = 0;
    const { service, events, done } = harness(() => (t += 10)); // 10 ms per batch
    const finished = done('throttle');
    service.handle(trainMessage('throttle', 3));
    await finished;
    const batches = events.filter((e) => e.type === 'batch').map((e) => (e.type === 'batch' ? e.logs : null)!);
    // 15 batches an epoch at 10 ms each: one every 50 ms (every 5th batch), across epoch ends too.
    expect(batches.map((b) => `${b.epoch}:${b.batch}`)).toEqual([
      '0:0',
      '0:5',
      '0:10',
      '1:0',
      '1:5',
      '1:10',
      '2:0',
      '2:5',
      '2:10',
    ]);
    expect(events.filter((e) => e.type === 'epoch')).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({ type: 'done', runId: 'throttle', status: 'completed', hasModel: true });
  });

  it('with a frozen clock, sends only the first batch: no burst at epoch ends', async () => {
    const { service, events, done } = harness(() => 0);
    const finished = done('frozen');
    service.handle(trainMessage('frozen', 2));
    await finished;
    const batches = events.filter((e) => e.type === 'batch');
    expect(batches.map((e) => (e.type === 'batch' ? e.logs.batch : -1))).toEqual([0]);
    expect(events.filter((e) => e.type === 'epoch')).toHaveLength(2);
  });

  it('answers hello, malformed messages and a busy engine without throwing', async () => {
    const { service, events, done } = harness(() => performance.now());
    service.handle({ type: 'hello' });
    expect(events.pop()).toEqual({ type: 'ready', backend });
    service.handle({ type: 'cancel' });
    expect(events.pop()).toMatchObject({ type: 'error', error: expect.stringMatching(/runId/) });
    service.handle(null);
    expect(events.pop()).toMatchObject({ type: 'error' });

    const finished = done('long');
    service.handle(trainMessage('long', 500));
    expect(service.busyWith).toBe('long');
    service.handle(trainMessage('second', 1));
    expect(events.pop()).toEqual({
      type: 'done',
      runId: 'second',
      status: 'failed',
      error: 'The engine is busy with run long; wait for it to finish or cancel it.',
      hasModel: false,
    });
    service.handle({ type: 'cancel', runId: 'not-running' });
    service.handle({ type: 'cancel', runId: 'long' });
    await finished;
    expect(events.at(-1)).toMatchObject({ type: 'done', runId: 'long', status: 'cancelled' });
    expect(service.busyWith).toBeNull();
  });
});
