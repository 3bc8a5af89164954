import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageImportProgress } from '../../../app/dataset/images';
import { withRate, workProgressText } from '../../../app/progress/work-progress';
import { importImages } from '../../../main/data/images/import-images';
import { progressMode, progressPrinter, QUIET_START_MS } from '../../../main/cli/progress-line';
import { layerlab } from './run-layerlab';
import { importImageData, imageOptionsFrom } from '../../../main/cli/image-data';

let tmp: string;
let source: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-cache-progress-'));
  source = path.join(tmp, 'shapes');
  // 3 classes × 60 real PNGs of different colours, so each file is decoded (not one cached buffer).
  for (const [k, name] of ['red', 'green', 'blue'].entries()) {
    await mkdir(path.join(source, name), { recursive: true });
    for (let i = 0; i < 60; i += 1) {
      const background = { r: k === 0 ? 200 : i, g: k === 1 ? 200 : i, b: k === 2 ? 200 : i };
      const png = await sharp({ create: { width: 24, height: 24, channels: 3, background } })
        .png()
        .toBuffer();
      await writeFile(path.join(source, name, `${i}.png`), png);
    }
  }
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('building the image cache', () => {
  it('makes thumbnails for the app, none for the CLI (whose workspace is thrown away)', async () => {
    const forApp = await importImages({ path: source, datasetsDir: path.join(tmp, 'app') });
    expect(forApp.classes.map((c) => c.thumbnails.length)).toEqual([8, 8, 8]);
    const datasets = path.join(tmp, 'cli');
    const lines: string[] = [];
    const forCli = await importImageData(source, datasets, imageOptionsFrom({}, source, true)!, (l) => lines.push(l));
    expect(forCli.count).toBe(180);
    expect(forCli.classes.map((c) => c.thumbnails.length)).toEqual([0, 0, 0]);
    expect(await readdir(path.join(datasets, forCli.id, 'thumbs'))).toEqual([]);
    expect(lines[0]).toMatch(/^Imported 180 images/);
  });

  it('reports files decoded, monotone, until done reaches total, with the rate computed by the importer', async () => {
    const datasets = path.join(tmp, 'progress');
    const seen: ImageImportProgress[] = [];
    const meta = await importImages({ path: source, datasetsDir: datasets, onProgress: (p) => seen.push(p) });
    const decoding = seen.filter((p) => p.phase === 'decoding');
    expect(decoding.length).toBe(180);
    expect(decoding.every((p) => p.unit === 'files' && p.total === 180)).toBe(true);
    for (let i = 1; i < decoding.length; i += 1) expect(decoding[i]!.done).toBeGreaterThan(decoding[i - 1]!.done);
    expect(decoding.at(-1)!.done).toBe(180);
    expect(seen.at(-1)).toMatchObject({ phase: 'finishing', done: 180, total: 180 });
    // Time left, where given, shrinks to nothing at the end.
    const timed = decoding.filter((p) => p.secondsLeft !== undefined);
    if (timed.length > 0) expect(timed.at(-1)!.secondsLeft).toBe(0);
    expect(meta.count).toBe(180);
  });

  it('a cancel midway leaves no half cache, keeps the previous dataset, and a rerun succeeds', async () => {
    const datasets = path.join(tmp, 'cancel');
    const first = await importImages({ path: source, datasetsDir: datasets, options: { width: 8, height: 8 } });
    const controller = new AbortController();
    let cancelledAt = 0;
    const outcome = await importImages({
      path: source,
      datasetsDir: datasets,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'decoding' && p.done === 90) {
          cancelledAt = p.done;
          controller.abort();
        }
      },
    }).then(
      () => 'imported',
      () => 'cancelled',
    );
    expect([outcome, cancelledAt]).toEqual(['cancelled', 90]);
    // Nothing of the cancelled import: no .tmp- folder, no second dataset; the first is whole.
    expect(await readdir(datasets)).toEqual([first.id]);
    expect((await readdir(path.join(datasets, first.id))).sort()).toEqual(
      ['index.json', 'meta.json', 'shard-0000.u8', 'thumbs'].sort(),
    );
    const again = await importImages({ path: source, datasetsDir: datasets });
    expect(again.count).toBe(180);
    expect((await readdir(datasets)).sort()).toEqual([first.id, again.id].sort());
  });
});

describe('layerlab train on an image folder', () => {
  it('prints the cache progress on stderr, and Ctrl-C stops the import with nothing left behind', async () => {
    // 2 × 2,500 files (one noisy PNG's bytes, each file decoded on its own): seconds of decoding, so
    // the interrupt, sent at the first progress line, lands mid-import on any machine.
    const many = path.join(tmp, 'many');
    const noise = Buffer.alloc(48 * 48 * 3);
    for (let i = 0; i < noise.length; i += 1) noise[i] = (i * 7919) % 251;
    const png = await sharp(noise, { raw: { width: 48, height: 48, channels: 3 } })
      .png()
      .toBuffer();
    for (const name of ['a', 'b']) {
      await mkdir(path.join(many, name), { recursive: true });
      for (let i = 0; i < 2500; i += 1) await writeFile(path.join(many, name, `${i}.png`), png);
    }
    // The CLI's throwaway workspace goes to this TMPDIR: it must be empty again afterwards.
    const scratch = path.join(tmp, 'scratch');
    await mkdir(scratch);
    const out = path.join(tmp, 'out');
    const { code, stdout, stderr, interrupted } = await layerlab(
      ['train', '--data', many, '--image-size', '24', '--out', out],
      { LAYERLAB_PROGRESS: 'always', TMPDIR: scratch },
      'Building the image cache of many: ',
    );
    expect(interrupted).toBe(true);
    expect({ code, stdout }).toMatchObject({
      code: 130,
      stdout: expect.stringContaining('Import of many cancelled; nothing was trained.'),
    });
    // Off a terminal: one line per quarter, in the app's words; the cancelled import never reached 100%.
    const lines = stderr.split('\n').filter((l) => l.startsWith('Building the image cache of many: '));
    expect(lines[0]).toMatch(/^Building the image cache of many: 0% · [\d,]+ of 5,000 files/);
    expect(lines.some((l) => l.includes(': 100% '))).toBe(false);
    expect(stdout).not.toContain('Imported ');
    expect(await readdir(scratch)).toEqual([]);
    expect(await readdir(tmp)).not.toContain('out');
  }, 120_000);
});

describe('progress words', () => {
  it('gives rate and time left only after half a second, and says the same thing in the CLI', () => {
    expect(withRate(10, 100, 'files', 0.2)).toEqual({ done: 10, total: 100, unit: 'files' });
    const later = withRate(50, 100, 'files', 2);
    expect(later).toEqual({ done: 50, total: 100, unit: 'files', perSecond: 25, secondsLeft: 2 });
    expect(workProgressText(later)).toBe('50% · 50 of 100 files · 25 files/s · about 2 s left');
    expect(workProgressText(withRate(3 * 2 ** 20, 4 * 2 ** 20, 'bytes', 1))).toBe(
      '75% · 3.00 MiB of 4.00 MiB · 3.00 MiB/s · about 1 s left',
    );

    const lines: string[] = [];
    const sparse = progressPrinter('Building the image cache of shapes', { write: (t) => lines.push(t) }, 'always');
    for (let done = 0; done <= 100; done += 1) sparse.update(withRate(done, 100, 'files', 0));
    expect(lines).toEqual(
      [0, 25, 50, 75, 100].map((n) => `Building the image cache of shapes: ${n}% · ${n} of 100 files\n`),
    );

    // Off a terminal by default: quiet for quick work, then where it stands and each quarter on.
    let clock = 0;
    const auto: string[] = [];
    const quiet = progressPrinter('Exporting', { write: (t) => auto.push(t) }, 'auto', () => clock);
    quiet.update(withRate(0, 100, 'files', 0));
    clock = QUIET_START_MS - 1;
    quiet.update(withRate(30, 100, 'files', 0));
    expect(auto).toEqual([]);
    clock = QUIET_START_MS;
    for (const done of [40, 45, 60, 100]) quiet.update(withRate(done, 100, 'files', 0));
    expect(auto).toEqual(['40% · 40', '60% · 60', '100% · 100'].map((t) => `Exporting: ${t} of 100 files\n`));
    const never: string[] = [];
    const silent = progressPrinter('Exporting', { isTTY: true, write: (t) => never.push(t) }, 'never');
    silent.update(withRate(4, 4, 'steps', 0));
    expect(never).toEqual([]);
    expect(progressMode({ LAYERLAB_PROGRESS: 'always' })).toBe('always');
    expect(progressMode({ LAYERLAB_PROGRESS: 'never' })).toBe('never');
    expect(progressMode({})).toBe('auto');

    const tty: string[] = [];
    const line = progressPrinter('Exporting', { isTTY: true, write: (t) => tty.push(t) }, 'auto');
    line.update(withRate(1, 4, 'steps', 0));
    line.update(withRate(4, 4, 'steps', 0));
    expect(tty).toEqual(['\rExporting: 25% · 1 of 4 steps\x1b[K', '\rExporting: 100% · 4 of 4 steps\x1b[K\n']);
  });
});
