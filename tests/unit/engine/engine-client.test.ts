import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../app/engine/protocol';
import { EngineClient, type EngineChannel, type EngineStatus } from '../../../main/engine/client';
import { config, irisGraph } from './fixtures';

/** An engine process stand-in: the test plays the engine's side of the protocol. */
class FakeEngine implements EngineChannel {
  static count = 0;
  readonly pid = 1000 + ++FakeEngine.count;
  readonly sent: Array<{ type: string; [key: string]: unknown }> = [];
  killed = false;
  private messageListener: ((m: unknown) => void) | null = null;
  private exitListener: ((code: number | null, signal: string | null) => void) | null = null;
  constructor(
    private readonly onSend: (engine: FakeEngine, m: { type: string; [key: string]: unknown }) => void = () =>
      undefined,
  ) {}
  send(message: unknown) {
    const m = message as { type: string };
    this.sent.push(m);
    this.onSend(this, m);
  }
  onMessage(listener: (m: unknown) => void) {
    this.messageListener = listener;
  }
  onExit(listener: (code: number | null, signal: string | null) => void) {
    this.exitListener = listener;
  }
  kill() {
    this.killed = true;
    queueMicrotask(() => this.exit(null, 'SIGTERM'));
  }
  emit(event: EngineEvent | Record<string, unknown>) {
    this.messageListener?.(event);
  }
  exit(code: number | null, signal: string | null) {
    const l = this.exitListener;
    this.exitListener = null;
    l?.(code, signal);
  }
}

const BACKEND = { name: 'wasm', skipped: [] };
const data = {
  dir: '/d',
  inputWidth: 4,
  outputWidth: 3,
  trainRows: 120,
  valRows: 30,
  preprocessing: {
    format: 'layerlab-preprocessing' as const,
    version: 1 as const,
    task: 'classification' as const,
    target: 's',
    features: [],
    inputOrder: [],
  },
};
const trainRequest = (runId: string) => ({
  runId,
  runDir: `/runs/${runId}`,
  data,
  graph: irisGraph(),
  config: config(),
});

function readyEngines(onSend?: ConstructorParameters<typeof FakeEngine>[0]) {
  const engines: FakeEngine[] = [];
  const envs: Array<Record<string, string>> = [];
  const spawn = (env: Record<string, string>) => {
    const engine = new FakeEngine(onSend);
    engines.push(engine);
    envs.push(env);
    setTimeout(() => engine.emit({ type: 'ready', backend: BACKEND }), 1);
    return engine;
  };
  return { engines, envs, spawn };
}

describe('EngineClient (with a stand-in engine)', () => {
  it('starts once, passes LAYERLAB_BACKEND through, and reports status changes', async () => {
    const { engines, envs, spawn } = readyEngines();
    const client = new EngineClient({ spawn, backend: 'cpu' });
    const seen: EngineStatus[] = [];
    client.onStatus((s) => seen.push(s));
    const [a, b] = await Promise.all([client.start(), client.start()]);
    expect(a).toEqual(BACKEND);
    expect(b).toEqual(BACKEND);
    expect(await client.start()).toEqual(BACKEND);
    expect(engines).toHaveLength(1);
    expect(envs[0]).toEqual({ LAYERLAB_BACKEND: 'cpu' });
    expect(client.pid).toBe(engines[0]!.pid);
    expect(seen.map((s) => s.state)).toEqual(['starting', 'ready']);
    client.dispose();
    expect(engines[0]!.killed).toBe(true);
  });

  it("rejects start with the engine's reason when it exits before it is ready", async () => {
    const client = new EngineClient({
      spawn: () => {
        const engine = new FakeEngine();
        setTimeout(() => {
          engine.emit({
            type: 'error',
            error: 'LAYERLAB_BACKEND must be one of tfjs-node-gpu, tfjs-node, wasm, cpu, but it is "tpu".',
          });
          engine.exit(1, null);
        }, 1);
        return engine;
      },
    });
    await expect(client.start()).rejects.toThrow(
      'The training engine exited before it was ready (exit code 1): LAYERLAB_BACKEND must be one of',
    );
    expect(client.status.state).toBe('crashed');
  });

  it('rejects start when the engine does not get ready in time, and kills it', async () => {
    const engine = new FakeEngine();
    const client = new EngineClient({ spawn: () => engine, startTimeoutMs: 30 });
    await expect(client.start()).rejects.toThrow('The training engine did not get ready within 0.03 s.');
    expect(engine.killed).toBe(true);
  });

  it('routes events to their run, ignores malformed ones, and resolves with done', async () => {
    const { spawn } = readyEngines((engine, m) => {
      if (m.type !== 'train') return;
      const runId = m['runId'] as string;
      engine.emit({ type: 'batch', runId, logs: { epoch: 0, batch: 0, batches: 8, loss: 1, metric: 0.5 } });
      engine.emit({
        type: 'batch',
        runId: 'someone-else',
        logs: { epoch: 0, batch: 0, batches: 8, loss: 1, metric: 0.5 },
      });
      engine.emit({ type: 'epoch', runId, logs: { epoch: 'zero' } }); // malformed: dropped
      engine.emit({
        type: 'epoch',
        runId,
        logs: { epoch: 0, loss: 1, val_loss: 1.2, accuracy: 0.5, val_accuracy: 0.4 },
      });
      engine.emit({ type: 'done', runId, status: 'completed', error: null, hasModel: true });
    });
    const client = new EngineClient({ spawn });
    const events: string[] = [];
    const done = await client.train(trainRequest('r1'), (e) => events.push(`${e.type}:${e.runId}`));
    expect(done).toEqual({ type: 'done', runId: 'r1', status: 'completed', error: null, hasModel: true });
    expect(events).toEqual(['batch:r1', 'epoch:r1']);
    client.dispose();
  });

  it('turns an engine crash into a failed run and starts a fresh engine for the next one', async () => {
    const { engines, spawn } = readyEngines((engine, m) => {
      if (m.type !== 'train') return;
      if (engines.indexOf(engine) === 0) setTimeout(() => engine.exit(null, 'SIGKILL'), 1);
      else engine.emit({ type: 'done', runId: m['runId'] as string, status: 'completed', error: null, hasModel: true });
    });
    const client = new EngineClient({ spawn });
    const pending = client.exportModel({ modelDir: '/m', data, outDir: '/o' }).catch((e: Error) => e);
    const done = await client.train(trainRequest('r1'), () => undefined);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(
      /^The training engine stopped unexpectedly \(signal SIGKILL\); the run was stopped\. .*train again/,
    );
    expect(((await pending) as Error).message).toMatch(/stopped unexpectedly/);
    expect(client.status).toMatchObject({
      state: 'crashed',
      message: expect.stringMatching(/stopped unexpectedly \(signal SIGKILL\)/),
    });
    expect((await client.train(trainRequest('r2'), () => undefined)).status).toBe('completed');
    expect(engines).toHaveLength(2);
    expect(client.status.state).toBe('ready');
    client.dispose();
  });

  it("rejects an export with the engine's message", async () => {
    const { spawn } = readyEngines((engine, m) => {
      if (m.type === 'export')
        engine.emit({
          type: 'exportFailed',
          requestId: m['requestId'] as string,
          error: 'Cannot write to the folder /o: permission denied.',
        });
    });
    const client = new EngineClient({ spawn });
    await expect(client.exportModel({ modelDir: '/m', data, outDir: '/o' })).rejects.toThrow(
      'Cannot write to the folder /o: permission denied.',
    );
    client.dispose();
  });

  it('validates requests before sending them, naming the field', async () => {
    const { engines, spawn } = readyEngines();
    const client = new EngineClient({ spawn });
    const done = await client.train({ ...trainRequest('r1'), config: config({ batchSize: 0 }) }, () => undefined);
    expect(done).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('config.batchSize: batch size must be at least 1'),
    });
    await expect(client.exportModel({ modelDir: '/m', data: { ...data, valRows: 0 }, outDir: '/o' })).rejects.toThrow(
      /data\.valRows/,
    );
    expect(engines.flatMap((e) => e.sent)).toEqual([]);
    client.dispose();
  });

  it('rejects a start in progress when disposed', async () => {
    const client = new EngineClient({ spawn: () => new FakeEngine() });
    const starting = client.start();
    client.dispose();
    await expect(starting).rejects.toThrow('The training engine was shut down before it was ready.');
  });

  it('on dispose, fails what is pending without calling it a crash', async () => {
    const { spawn } = readyEngines();
    const client = new EngineClient({ spawn });
    const done = client.train(trainRequest('r1'), () => undefined);
    await new Promise((r) => setTimeout(r, 10));
    client.dispose();
    expect(await done).toMatchObject({
      status: 'failed',
      error: 'The training engine was shut down; the run was stopped.',
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(client.status).toEqual({ state: 'starting', backend: null, message: null });
  });
});

describe('EngineClient (real engine process)', () => {
  it('refuses an unknown LAYERLAB_BACKEND with a message naming it', async () => {
    const client = new EngineClient({ backend: 'tpu' });
    await expect(client.start()).rejects.toThrow(
      /exited before it was ready \(exit code 1\): LAYERLAB_BACKEND must be one of tfjs-node-gpu, tfjs-node, wasm, cpu, but it is "tpu"/,
    );
    client.dispose();
  });
});
