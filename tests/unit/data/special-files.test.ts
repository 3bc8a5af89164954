import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../app/ipc/errors';
import { importCsvFile, inspectCsvFile, Limiter, ProjectService } from '../../../main/data';
import { folderSource } from '../../../main/data/images/folder-source';
import type { EngineClient } from '../../../main/engine/client';
import { createHandlers } from '../../../main/services/handlers';
import type { RunManager } from '../../../main/services/runs';
import { rejection, useTempDir } from './temp-dir';

const IRIS = fileURLToPath(new URL('../../../resources/iris.csv', import.meta.url));

/** mkfifo's path, or null where there is none (Windows). */
function mkfifoPath(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v mkfifo'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}
const mkfifo = mkfifoPath();

/** A named pipe at `path`. */
function makeFifo(path: string): string {
  execFileSync(mkfifo as string, [path]);
  return path;
}

/**
 * Lets go of a reader stuck opening the pipe (the behaviour before the fix), so that a failing
 * test does not leave one of libuv's threads blocked for good.
 */
function unblock(fifo: string): void {
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // no reader: nothing waits
  }
}

/** The promise's outcome within `ms`, or 'still waiting'. */
async function within<T>(ms: number, promise: Promise<T>): Promise<T | 'still waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still waiting'>((resolve) => {
    timer = setTimeout(() => resolve('still waiting'), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('only regular files are imported (issue 13.2)', () => {
  const tmp = useTempDir();

  it.skipIf(mkfifo === null)('importCsvFile and inspectCsvFile refuse a named pipe at once, naming it', async () => {
    const fifo = makeFifo(join(tmp(), 'data.csv'));
    try {
      const imported = await within(
        5000,
        rejection(importCsvFile({ path: fifo, datasetsDir: join(tmp(), 'datasets') })),
      );
      expect(imported).toBeInstanceOf(UserError);
      expect((imported as Error).message).toBe(
        `Cannot import ${fifo}: it is a named pipe (FIFO), not a regular file. Choose a CSV file.`,
      );
      const inspected = await within(5000, rejection(inspectCsvFile({ path: fifo })));
      expect((inspected as Error).message).toContain('named pipe');
    } finally {
      unblock(fifo);
    }
  });

  it.skipIf(mkfifo === null)(
    'dataset.importPath refuses a named pipe and every later request still answers',
    async () => {
      const projects = new ProjectService(join(tmp(), 'workspace'), { warn: () => undefined });
      const handlers = createHandlers({
        mode: 'host',
        version: 'test',
        workspace: join(tmp(), 'workspace'),
        dataRoots: [tmp(), dirname(IRIS)],
        projects,
        engine: {} as EngineClient,
        runs: {} as RunManager,
      });
      const project = await handlers['project.create']({ name: 'Pipes' });
      const fifos = [0, 1, 2, 3, 4, 5].map((i) => makeFifo(join(tmp(), `pipe-${i}.csv`)));
      try {
        // Five such calls used to hold all four of libuv's threads in open() for good.
        for (const fifo of fifos) {
          const refused = await within(
            5000,
            rejection(handlers['dataset.importPath']({ projectId: project.id, path: fifo })),
          );
          expect(refused).toBeInstanceOf(Error);
          expect((refused as Error).message).toContain(`Cannot import ${fifo}: it is a named pipe`);
        }
        const imported = await within(20_000, handlers['dataset.importPath']({ projectId: project.id, path: IRIS }));
        expect(imported).not.toBe('still waiting');
        expect((imported as Awaited<ReturnType<(typeof handlers)['project.open']>>).dataset?.rows).toBe(150);
      } finally {
        fifos.forEach(unblock);
      }
    },
  );

  it.skipIf(mkfifo === null)(
    'a named pipe among the images of a folder is skipped as "not a regular file", never read',
    async () => {
      const root = join(tmp(), 'pets');
      await mkdir(join(root, 'cats'), { recursive: true });
      await writeFile(join(root, 'cats', 'a.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
      const fifo = makeFifo(join(root, 'cats', 'b.png'));
      try {
        const source = await folderSource(root);
        const piped = source.files.find((file) => file.path === 'cats/b.png');
        expect(piped).toBeDefined();
        expect(await within(5000, source.read(piped!))).toEqual({ reason: 'not a regular file' });
      } finally {
        unblock(fifo);
      }
    },
  );
});

describe('imports run in turn (Limiter)', () => {
  it('runs at most `limit` tasks at once; the next waits for a turn, in order', async () => {
    const queue = new Limiter(2);
    const order: string[] = [];
    const gates = new Map<string, () => void>();
    const task = (name: string) => () =>
      new Promise<string>((resolve) => {
        order.push(`start ${name}`);
        gates.set(name, () => resolve(name));
      });
    const a = queue.run(task('a'));
    const b = queue.run(task('b'));
    const c = queue.run(task('c'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['start a', 'start b']);
    expect(queue.counts).toEqual({ running: 2, waiting: 1 });
    gates.get('b')?.();
    expect(await b).toBe('b');
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['start a', 'start b', 'start c']);
    gates.get('a')?.();
    gates.get('c')?.();
    expect([await a, await c]).toEqual(['a', 'c']);
    expect(queue.counts).toEqual({ running: 0, waiting: 0 });
  });

  it('a task cancelled while it waits leaves the queue and never runs', async () => {
    const queue = new Limiter(1);
    let release = () => undefined as void;
    const first = queue.run(() => new Promise<void>((resolve) => (release = resolve)));
    const controller = new AbortController();
    let ran = false;
    const second = queue.run(async () => {
      ran = true;
    }, controller.signal);
    controller.abort();
    await expect(second).rejects.toThrow();
    expect(queue.counts).toEqual({ running: 1, waiting: 0 });
    release();
    await first;
    expect(ran).toBe(false);
    expect(queue.counts).toEqual({ running: 0, waiting: 0 });
  });
});
