import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type Api } from '../../../app/ipc/client';
import { taskShape } from '../../../app/dataset/task';
import { templateGraph } from '../../../app/graph/templates';
import { DEFAULT_TRAIN_CONFIG } from '../../../app/training/config';
import { EngineClient } from '../../../main/engine/client';
import { createMemoryTransport } from '../../../main/ipc/memory-transport';
import { createServices, type Services } from '../../../main/services/create-services';

/**
 * A disk that fills up (issue 13): a real 8 MiB tmpfs holds the workspace, so writes fail with
 * the system's own ENOSPC. Needs root on Linux (mount); elsewhere skipped, saying why. And a
 * symbolic-link loop, which needs no privileges.
 */

let tmp: string;
let mounted: string | null = null;
let whyNot: string | null = null;
let services: Services | null = null;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-full-disk-'));
  const disk = path.join(tmp, 'disk');
  await mkdir(disk);
  if (process.platform !== 'linux') whyNot = `a tmpfs of fixed size needs Linux (this is ${process.platform})`;
  else if (process.getuid?.() !== 0) whyNot = 'mounting a small tmpfs needs root';
  else {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', disk], { stdio: 'pipe' });
      mounted = disk;
    } catch (error) {
      whyNot = `mount -t tmpfs failed: ${(error as { stderr?: Buffer }).stderr?.toString().trim() || String(error)}`;
    }
  }
  if (whyNot) console.log(`full-disk tests skipped: ${whyNot}`);
});

afterAll(async () => {
  await services?.dispose();
  if (mounted) execFileSync('umount', [mounted]);
  await rm(tmp, { recursive: true, force: true });
});

/** Fills the disk, then gives back `leave` bytes. */
async function fill(dir: string, leave: number): Promise<string> {
  const file = path.join(dir, 'filler.bin');
  const handle = await open(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) await handle.write(chunk);
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
  }
  const { size } = await handle.stat();
  await handle.truncate(Math.max(0, size - leave));
  await handle.close();
  return file;
}

describe('a full disk', () => {
  it('refuses to start a run in a sentence, leaving no run folder behind, and imports nothing half-way', async (context) => {
    if (!mounted) return context.skip();
    const workspace = path.join(mounted, 'workspace');
    services = createServices({ workspace, mode: 'host', engine: new EngineClient({ backend: 'wasm' }) });
    const api: Api = createApi(createMemoryTransport(services.dispatch, services.bus));
    const { id: projectId } = await api.invoke('project.create', { name: 'Full' });
    // 4,000 rows of 10 numbers: a prepared split of ~200 KB, more than will be left.
    const rows = Array.from({ length: 4000 }, (_, r) =>
      [...Array.from({ length: 10 }, (_, c) => ((r * 7 + c * 13) % 97) / 7), r % 2].join(','),
    );
    const text = `${[...Array.from({ length: 10 }, (_, c) => `x${c}`), 'y'].join(',')}\n${rows.join('\n')}\n`;
    const state = await api.invoke('dataset.importText', { projectId, fileName: 'wide.csv', text });
    const taskSpec = { target: 'y', task: 'regression' as const };
    const shape = taskShape(state.dataset!, taskSpec);
    const runsDir = path.join(workspace, 'projects', projectId, 'runs');
    const runsBefore = existsSync(runsDir) ? await readdir(runsDir) : [];
    const datasetsDir = path.join(workspace, 'projects', projectId, 'datasets');
    const datasetsBefore = await readdir(datasetsDir);

    const filler = await fill(mounted, 48 * 1024);
    const error = await api
      .invoke('run.start', {
        projectId,
        taskSpec,
        graph: templateGraph('mlp', shape.inputWidth, shape.head),
        trainConfig: { ...DEFAULT_TRAIN_CONFIG, epochs: 1, batchSize: 32, learningRate: 0.01 },
      })
      .then(
        () => null,
        (e: Error) => e,
      );
    expect(error?.message).toMatch(/^Cannot (write|create the folder|open) \S+: the disk is full\. Free some space/);
    expect(error?.message).not.toMatch(/ENOSPC/);
    expect(existsSync(runsDir) ? await readdir(runsDir) : []).toEqual(runsBefore);

    const imported = await api.invoke('dataset.importText', { projectId, fileName: 'again.csv', text }).then(
      () => null,
      (e: Error) => e,
    );
    expect(imported?.message).toMatch(/the disk is full\. Free some space/);
    expect(await readdir(datasetsDir)).toEqual(datasetsBefore);

    // Space again: the same project works as before.
    await rm(filler);
    expect((await stat(workspace)).isDirectory()).toBe(true);
    const listed = await api.invoke('project.open', { projectId });
    expect(listed.dataset?.rows).toBe(4000);
  }, 120_000);
});

describe('a symbolic-link loop', () => {
  it('is named in a sentence, not as ELOOP', async () => {
    const dataRoot = path.join(tmp, 'data');
    await mkdir(dataRoot, { recursive: true });
    await symlink(path.join(dataRoot, 'b.csv'), path.join(dataRoot, 'a.csv'));
    await symlink(path.join(dataRoot, 'a.csv'), path.join(dataRoot, 'b.csv'));
    await writeFile(path.join(dataRoot, 'ok.txt'), 'x');
    const host = createServices({ workspace: path.join(tmp, 'ws'), mode: 'host', dataRoots: [dataRoot] });
    const electron = createServices({ workspace: path.join(tmp, 'ws2'), mode: 'electron' });
    try {
      for (const s of [host, electron]) {
        const api = createApi(createMemoryTransport(s.dispatch, s.bus));
        const { id } = await api.invoke('project.create', { name: 'Loop' });
        const message = await api
          .invoke('dataset.importPath', { projectId: id, path: path.join(dataRoot, 'a.csv') })
          .then(
            () => '',
            (e: Error) => e.message,
          );
        expect(message).toMatch(/^Cannot (read|open|import) \S*a\.csv: its symbolic links loop back on themselves/);
        expect(message).not.toMatch(/ELOOP/);
      }
    } finally {
      await host.dispose();
      await electron.dispose();
    }
  });
});
