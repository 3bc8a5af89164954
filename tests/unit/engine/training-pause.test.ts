import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineEvent, type PreparedData } from '../../../app/engine/protocol';
import { selectBackend } from '../../../main/engine/process/backend';
import { EngineService } from '../../../main/engine/process/engine-service';
import { config, irisGraph, tempDir, writeIris } from './fixtures';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let iris: PreparedData;
beforeAll(async () => {
  await selectBackend({ force: 'wasm' });
  tmp = await tempDir('pause');
  iris = await writeIris(tmp.dir);
});
afterAll(async () => {
  await tmp.cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('pause and resume (EngineService, in process)', () => {
  it('holds the run within one batch, trains no batch while paused, and continues on resume', async () => {
    const events: EngineEvent[] = [];
    let t = 0;
    // A clock that moves 1 s per reading: the throttle lets every batch event through.
    const service = new EngineService(
      (event) => events.push(EngineEvent.parse(event)),
      { name: 'wasm', skipped: [] },
      () => (t += 1000),
    );
    const batches = () => events.filter((e) => e.type === 'batch').length;
    const runId = 'p';
    service.handle({
      type: 'train',
      runId,
      runDir: path.join(tmp.dir, runId),
      data: iris,
      graph: irisGraph(),
      config: config({ epochs: 3, batchSize: 8 }),
    });
    while (batches() < 3) await sleep(1);
    service.handle({ type: 'pause', runId });
    const pausedAt = batches();
    while (!events.some((e) => e.type === 'paused' && e.paused)) await sleep(1);
    // Effective within one batch: at most the batch in progress finished after the request.
    const held = batches();
    expect(held - pausedAt).toBeLessThanOrEqual(1);
    await sleep(300);
    expect(batches()).toBe(held);
    expect(events.some((e) => e.type === 'done')).toBe(false);

    service.handle({ type: 'resume', runId });
    while (!events.some((e) => e.type === 'done')) await sleep(5);
    const done = events.find((e) => e.type === 'done');
    expect(done).toMatchObject({ status: 'completed', hasModel: true });
    expect(batches()).toBe(3 * 15); // 120 rows / 8: nothing skipped, nothing repeated
    const kinds = events.filter((e) => e.type === 'paused').map((e) => (e.type === 'paused' ? e.paused : null));
    expect(kinds).toEqual([true, false]);
  });

  it('cancel while paused ends the run as cancelled, with its model', async () => {
    const events: EngineEvent[] = [];
    const service = new EngineService((event) => events.push(EngineEvent.parse(event)), { name: 'wasm', skipped: [] });
    const runId = 'pc';
    service.handle({
      type: 'train',
      runId,
      runDir: path.join(tmp.dir, runId),
      data: iris,
      graph: irisGraph(),
      config: config({ epochs: 3, batchSize: 8 }),
    });
    service.handle({ type: 'pause', runId });
    while (!events.some((e) => e.type === 'paused')) await sleep(1);
    service.handle({ type: 'cancel', runId });
    while (!events.some((e) => e.type === 'done')) await sleep(5);
    expect(events.find((e) => e.type === 'done')).toMatchObject({ status: 'cancelled', hasModel: true });
  });
});
