import { readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../main/data/atomic-write';
import { stageFolder } from '../../../main/engine/shared/atomic-folder';

// What main/data/atomic-write.ts promises, observed on real files: each write's data is fsynced
// before it is renamed into place, and the folder after. The fsyncs themselves run as usual;
// the test only notes which path each one was for (Linux's /proc/self/fd).
const linux = process.platform === 'linux';
if (!linux) console.log('durable-writes: skipped, it reads /proc/self/fd, which only Linux has');

interface Handle {
  fd: number;
  sync(): Promise<void>;
}

async function syncedPaths(run: () => Promise<unknown>): Promise<string[]> {
  const probe = await open(tmpdir(), 'r');
  const proto = Object.getPrototypeOf(probe) as Handle;
  await probe.close();
  const original = proto.sync;
  const seen: string[] = [];
  proto.sync = function (this: Handle) {
    seen.push(readlinkSync(`/proc/self/fd/${this.fd}`));
    return original.call(this);
  };
  try {
    await run();
  } finally {
    proto.sync = original;
  }
  return seen;
}

describe.skipIf(!linux)('durable writes', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await realpath(await mkdtemp(path.join(tmpdir(), 'layerlab-durable-')));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writeFileAtomic: fsyncs a temporary file beside the target, renames it, then fsyncs the folder', async () => {
    const file = path.join(dir, 'project.json');
    const synced = await syncedPaths(() => writeFileAtomic(file, '{"a":1}\n'));
    expect(synced).toHaveLength(2);
    expect(path.dirname(synced[0]!)).toBe(dir);
    expect(path.basename(synced[0]!)).toMatch(/^\.project\.json\..*\.tmp$/);
    expect(synced[1]).toBe(dir);
    expect(await readFile(file, 'utf8')).toBe('{"a":1}\n');
    expect(await readdir(dir)).toEqual(['project.json']);
  });

  it('a staged folder (exports, trained models): every file and folder fsynced before the rename, the parent after', async () => {
    const target = path.join(dir, 'export');
    const staged = await stageFolder(target);
    await writeFile(path.join(staged.dir, 'model.json'), '{}');
    await mkdir(path.join(staged.dir, 'snippets'));
    await writeFile(path.join(staged.dir, 'snippets', 'predict.py'), 'print(1)\n');
    const synced = await syncedPaths(() => staged.commit());
    expect(synced).toEqual([
      path.join(staged.dir, 'model.json'),
      path.join(staged.dir, 'snippets', 'predict.py'),
      path.join(staged.dir, 'snippets'),
      staged.dir,
      dir,
    ]);
    expect((await readdir(target)).sort()).toEqual(['model.json', 'snippets']);
  });
});
