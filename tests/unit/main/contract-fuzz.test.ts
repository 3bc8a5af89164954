import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { channels } from '../../../app/ipc/contract';
import { createApi } from '../../../app/ipc/client';
import { taskShape } from '../../../app/dataset/task';
import { templateGraph } from '../../../app/graph/templates';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { EngineClient } from '../../../main/engine/client';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';

/**
 * A contract fuzzer (issue 13): every channel of app/ipc/contract.ts gets random inputs and
 * inputs mutated from what a real page sends (the real project and run ids, paths inside and
 * outside the folders a host may use, wrong types, extra keys) through the same dispatch host
 * mode runs. Each request must settle within seconds as { ok, value } or { ok: false, error }
 * with a message and no stack; nothing may fail unexpectedly (a bug logs "[layerlab] … failed");
 * nothing may be written outside the workspace; the host still answers afterwards.
 */

const ROOT = path.resolve(import.meta.dirname, '../../..');
let tmp: string;
let workspace: string;
let dataRoot: string;
let outside: string;
let services: Services;
let projectId: string;
let runId: string;

/** Every file below `dir` with its size and mtime: what "nothing written" is checked against. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (at: string) => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const file = path.join(at, entry.name);
      if (entry.isDirectory()) {
        out.push(`${file}/`);
        await walk(file);
      } else {
        const info = await stat(file);
        out.push(`${file} ${info.size} ${info.mtimeMs}`);
      }
    }
  };
  await walk(dir);
  return out.sort();
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-contract-fuzz-'));
  workspace = path.join(tmp, 'workspace');
  dataRoot = path.join(tmp, 'data');
  outside = path.join(tmp, 'outside');
  for (const dir of [workspace, dataRoot, outside]) await mkdir(dir);
  await writeFile(path.join(dataRoot, 'iris.csv'), await readFile(path.join(ROOT, 'resources', 'iris.csv')));
  await writeFile(path.join(outside, 'secret.csv'), 'secret_a,secret_b\n1,2\n');
  await mkdir(path.join(outside, 'existing-folder'));
  services = createServices({
    workspace,
    mode: 'host',
    dataRoots: [dataRoot],
    engine: new EngineClient({ backend: 'wasm' }),
  });
  // A real project with a dataset and a trained run, so that mutated ids reach the handlers.
  const api = createApi(createMemoryTransport(services.dispatch, services.bus));
  const project = await api.invoke('project.create', { name: 'Fuzzed' });
  projectId = project.id;
  const imported = await api.invoke('dataset.importPath', { projectId, path: path.join(dataRoot, 'iris.csv') });
  const taskSpec = { target: 'species', task: 'classification' as const };
  const shape = taskShape(imported.dataset!, taskSpec);
  const started = await api.invoke('run.start', {
    projectId,
    taskSpec,
    graph: templateGraph('mlp', shape.inputWidth, shape.head),
    trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: 2, batchSize: 32, learningRate: 0.01, earlyStopping: null },
  });
  runId = (await services.runs.whenDone(started.id)).id;
}, 120_000);

afterAll(async () => {
  await services?.dispose();
  await rm(tmp, { recursive: true, force: true });
});

describe('every channel of the contract, fuzzed', () => {
  it('settles every random or mutated request with a clean answer, writes nothing outside the workspace, and keeps serving', async () => {
    const before = [...(await snapshot(dataRoot)), ...(await snapshot(outside))];
    const unexpected: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      unexpected.push(args.map(String).join(' '));
    });

    const paths = fc.constantFrom(
      path.join(dataRoot, 'iris.csv'),
      path.join(dataRoot, '..', 'outside', 'secret.csv'),
      path.join(outside, 'secret.csv'),
      path.join(outside, 'existing-folder'),
      path.join(outside, 'new-folder'),
      path.join(workspace, 'exports-here'),
      '/etc/passwd',
      '/dev/zero',
      '/proc/self/environ',
      'relative.csv',
      '',
    );
    const ids = fc.constantFrom('nope', '../..', '..\\..', '', 'a'.repeat(300), '/etc', '%2e%2e', 'CON', '0');
    const junk = fc.oneof(
      fc.anything({ maxDepth: 2 }),
      fc.string({ maxLength: 40 }),
      fc.integer(),
      fc.double(),
      fc.constantFrom(null, undefined, true, [], {}, -1, 1e308, Number.NaN),
      paths,
      ids,
    );
    const field = (name: string): fc.Arbitrary<unknown> => {
      if (name === 'projectId') return fc.oneof({ arbitrary: fc.constant(projectId), weight: 3 }, ids, junk);
      if (name === 'runId') return fc.oneof({ arbitrary: fc.constant(runId), weight: 3 }, ids, junk);
      if (name === 'path' || name === 'outDir') return fc.oneof({ arbitrary: paths, weight: 3 }, junk);
      return junk;
    };

    /** What a real page sends on some channels: mutated one field at a time, they reach the handlers. */
    const iris = path.join(dataRoot, 'iris.csv');
    const seeds: Record<string, Record<string, unknown>> = {
      'project.create': { name: 'fuzz' },
      'project.open': { projectId },
      'project.save': { projectId },
      'dataset.importText': { projectId, fileName: 'a.csv', text: 'a,b\n1,2\n3,4\n' },
      'dataset.importPath': { projectId, path: iris },
      'dataset.cancelImport': { importId: 'fuzz-import' },
      'dataset.importImages': { projectId, source: { kind: 'path', path: dataRoot } },
      'dataset.images': { projectId, indices: [0] },
      'model.import': { projectId, path: iris },
      'run.get': { projectId, runId },
      'run.evaluate': { projectId, runId, split: 'validation' },
      'run.predict': { projectId, runId, rows: [{ sepal_length: '5.1', petal_width: '0.2' }] },
      'export.model': { projectId, runId, outDir: null, format: 'tfjs', quantize: null, float16Weights: false },
    };
    // run.delete goes last: it may delete the one trained run, and every other channel should meet a real run.
    const names = (Object.keys(channels) as Array<keyof typeof channels>).sort(
      (a, b) => Number(a === 'run.delete') - Number(b === 'run.delete'),
    );
    expect(names.at(-1)).toBe('run.delete');
    expect(names.length).toBeGreaterThan(20);
    let calls = 0;
    /** Requests that passed the schema and reached a handler (answered, or refused by it). */
    const reached = new Map<string, number>();
    for (const name of names) {
      const schema = channels[name].input;
      const keys = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
      const mutated = fc.record(Object.fromEntries(keys.map((k) => [k, field(k)])), { requiredKeys: [] });
      const withExtra = fc.tuple(mutated, fc.string({ maxLength: 8 }), junk).map(([o, k, v]) => ({ ...o, [k]: v }));
      const seed = seeds[name];
      const fromSeed = seed
        ? fc
            .constantFrom(...Object.keys(seed))
            .chain((k) => field(k).map((v) => ({ ...seed, [k]: v })))
            .map((o) => o as unknown)
        : mutated;
      const input = fc.oneof({ arbitrary: fromSeed, weight: 3 }, mutated, withExtra, fc.anything({ maxDepth: 3 }));
      await fc.assert(
        fc.asyncProperty(input, async (value) => {
          calls += 1;
          const answer = await Promise.race([
            services.dispatch(name, value),
            new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000)),
          ]);
          // A learning curve that did start is stopped again: it trains many models.
          if (name === 'run.learningCurve') await services.dispatch('run.cancelLearningCurve', { projectId, runId });
          expect(answer, `${name} ${JSON.stringify(value)?.slice(0, 200)}`).not.toBe('hung');
          const result = answer as { ok: boolean; error?: string };
          expect(typeof result.ok).toBe('boolean');
          if (result.ok || !/^(Invalid \S+ request|Unknown request)/.test(result.error ?? ''))
            reached.set(name, (reached.get(name) ?? 0) + 1);
          if (!result.ok) {
            expect(typeof result.error).toBe('string');
            expect(result.error!.length).toBeGreaterThan(0);
            expect(result.error).not.toMatch(/\n\s+at /);
          }
        }),
        { numRuns: 25, seed: 13 },
      );
    }
    spy.mockRestore();

    expect(calls).toBe(names.length * 25);
    // The mutations get past the schemas into the handlers of most channels, not only the gate.
    console.log(
      `contract fuzz: ${calls} requests, past the schema: ${[...reached].map(([n, c]) => `${n} ${c}`).join(', ')}`,
    );
    expect(reached.size).toBeGreaterThan(names.length / 2);
    expect(unexpected).toEqual([]);
    expect([...(await snapshot(dataRoot)), ...(await snapshot(outside))]).toEqual(before);
    expect(existsSync(path.join(outside, 'new-folder'))).toBe(false);
    const listed = await services.dispatch('project.list', {});
    expect(listed.ok).toBe(true);
  }, 300_000);
});
