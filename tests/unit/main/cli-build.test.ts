import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rangeWorkerEntry, startRangeThread } from '../../../main/data/csv-range-thread';
import { defaultEngineEntry } from '../../../main/engine/client/engine-channel';
import { findPackageRoot } from '../../../main/package-root';
import { checkNodeBuild, manifestPath, writeManifest } from '../../../scripts/node-build-manifest.mjs';
import { layerlab, ROOT } from './run-layerlab';

/** node bin/layerlab.mjs in another package folder (a copy), its exit code and both streams. */
function runIn(root: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'bin', 'layerlab.mjs'), ...args], {
      cwd: root,
      env: { ...process.env, LAYERLAB_DEBUG: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-cli-build-'));
  // The build under test: bin rebuilds dist/node first if a source changed since `npm run build`.
  const version = await layerlab(['--version']);
  expect(version.stderr).toBe('');
  expect(version.code).toBe(0);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('the build manifest (scripts/node-build-manifest.mjs)', () => {
  it('calls a build current only while every input keeps its size and mtime and every output is there', async () => {
    const root = path.join(tmp, 'manifest');
    await mkdir(path.join(root, 'dist', 'node'), { recursive: true });
    await mkdir(path.join(root, 'src'));
    const source = path.join(root, 'src', 'a.ts');
    await writeFile(source, 'export const a = 1;\n');
    await writeFile(path.join(root, 'dist', 'node', 'cli.mjs'), '');
    const past = new Date(Date.now() - 60_000);
    await utimes(source, past, past);
    expect(checkNodeBuild(root)).toEqual({ fresh: false, reason: 'no build yet' });
    const build = () => writeManifest(root, { inputs: ['src/a.ts'], outputs: ['cli.mjs'], startedMs: Date.now() });
    build();
    expect(checkNodeBuild(root)).toEqual({ fresh: true });

    // Touched (an editor's save of the same bytes counts: no hashing on the CLI's start).
    const later = new Date(Date.now() - 30_000);
    await utimes(source, later, later);
    expect(checkNodeBuild(root)).toEqual({ fresh: false, reason: 'src/a.ts changed' });
    build();
    // Other bytes under the same mtime: the size tells.
    await writeFile(source, 'export const a = 12;\n');
    await utimes(source, later, later);
    expect(checkNodeBuild(root)).toEqual({ fresh: false, reason: 'src/a.ts changed' });
    build();
    expect(checkNodeBuild(root).fresh).toBe(true);

    // Edited while the build ran: what was compiled is unknown, so the next check rebuilds.
    await writeFile(source, 'export const a = 123;\n');
    writeManifest(root, { inputs: ['src/a.ts'], outputs: ['cli.mjs'], startedMs: Date.now() - 60_000 });
    expect(checkNodeBuild(root)).toEqual({ fresh: false, reason: 'src/a.ts changed' });

    // Saved before the next build starts (else its mtime may fall in the build's first millisecond,
    // which counts as edited while it ran).
    await utimes(source, later, later);
    build();
    await rm(path.join(root, 'dist', 'node', 'cli.mjs'));
    expect(checkNodeBuild(root)).toEqual({ fresh: false, reason: `${path.join('dist', 'node')}/cli.mjs is missing` });
    await writeFile(path.join(root, 'dist', 'node', 'cli.mjs'), '');
    await rm(source);
    expect(checkNodeBuild(root)).toEqual({ fresh: false, reason: 'src/a.ts is gone' });
    await writeFile(manifestPath(root), '{"version": 1}');
    expect(checkNodeBuild(root)).toEqual({ fresh: false, reason: 'an unreadable build manifest' });
  });

  it('lists the sources, the packages bundled with them and the build scripts of the real build', async () => {
    const manifest = JSON.parse(await readFile(manifestPath(ROOT), 'utf8')) as {
      inputs: Record<string, [number, number]>;
      outputs: string[];
    };
    const inputs = Object.keys(manifest.inputs);
    for (const file of [
      'main/cli/main.ts',
      'main/engine/process/engine-main.ts',
      'main/data/csv-range-worker.ts',
      'main/engine/process/accelerations/native/kernels-simd.wasm',
      'scripts/build-node.mjs',
    ])
      expect(inputs).toContain(file);
    expect(inputs.some((file) => file.startsWith('node_modules/zod/'))).toBe(true);
    expect(manifest.outputs).toEqual(
      expect.arrayContaining([
        'cli.mjs',
        'engine.cjs',
        'csv-range-worker.mjs',
        'kernels-relaxed.wasm',
        'kernels-simd.wasm',
      ]),
    );
    // TensorFlow.js stays in node_modules; nothing of tsx is compiled in.
    expect(inputs.some((file) => /node_modules\/(@tensorflow|tsx)\//.test(file))).toBe(false);
  });
});

describe('the compiled CLI (dist/node)', () => {
  it('finds the engine and the CSV worker of its own build, and the package root from any folder', () => {
    const chunk = pathToFileURL(path.join(ROOT, 'dist', 'node', 'chunk-ABC.mjs')).href;
    expect(defaultEngineEntry(chunk)).toBe(path.join(ROOT, 'dist', 'node', 'engine.cjs'));
    expect(defaultEngineEntry(pathToFileURL(path.join(ROOT, 'dist', 'electron', 'main.cjs')).href)).toBe(
      path.join(ROOT, 'dist', 'electron', 'engine.cjs'),
    );
    expect(
      defaultEngineEntry(pathToFileURL(path.join(ROOT, 'main', 'engine', 'client', 'engine-channel.ts')).href),
    ).toBe(path.join(ROOT, 'main', 'engine', 'process', 'engine-main.ts'));
    expect(findPackageRoot(chunk)).toBe(ROOT);
    expect(findPackageRoot(pathToFileURL(path.join(ROOT, 'main', 'services', 'create-services.ts')).href)).toBe(ROOT);
  });

  it('starts the compiled CSV worker, which reads its range into the shared columns', async () => {
    const entry = await rangeWorkerEntry(pathToFileURL(path.join(ROOT, 'dist', 'node', 'chunk-ABC.mjs')).href);
    expect(entry).toEqual({
      url: pathToFileURL(path.join(ROOT, 'dist', 'node', 'csv-range-worker.mjs')),
      bundled: true,
    });
    const file = path.join(tmp, 'range.csv');
    const lines = Array.from({ length: 2000 }, (_, i) => `${i},${i / 4}`);
    await writeFile(file, `a,b\n${lines.join('\n')}\n`);
    const start = `a,b\n${lines.slice(0, 1000).join('\n')}\n`.length;
    const columns = [
      new Float64Array(new SharedArrayBuffer(8 * 2000)),
      new Float64Array(new SharedArrayBuffer(8 * 2000)),
    ];
    const size = (await stat(file)).size;
    const thread = startRangeThread(
      {
        path: file,
        mainFrom: 4,
        mainRows: 0,
        start,
        end: size,
        delimiter: ',',
        decimalComma: false,
        columns,
        progress: new Float64Array(1),
      },
      entry,
    );
    try {
      expect(await thread?.result).toEqual({ row: 1000, rows: 1000, stoppedAt: size });
      expect([columns[0]?.[1999], columns[1]?.[1999]]).toEqual([1999, 1999 / 4]);
      const profiles = await thread?.profile({ rows: 2000, columns: [{ index: 1, name: 'b' }] });
      expect(profiles?.[0]).toMatchObject({ name: 'b', min: 0, max: 1999 / 4, unique: 1001 });
    } finally {
      await thread?.stop();
    }
  });

  it('runs --help, inspect and train from dist/ in a package without tsx or esbuild', async () => {
    // A production-like install: the package's files and the build, node_modules without tsx and
    // esbuild (so nothing can be transpiled, and the build is trusted as it is).
    const pkg = path.join(tmp, 'installed');
    await mkdir(path.join(pkg, 'node_modules'), { recursive: true });
    for (const part of ['package.json', 'bin', 'scripts/node-build-manifest.mjs', 'dist/node', 'resources/iris.csv'])
      await cp(path.join(ROOT, part), path.join(pkg, part), { recursive: true });
    for (const name of await readdir(path.join(ROOT, 'node_modules'))) {
      if (['tsx', 'esbuild', '@esbuild', '.bin', '.cache'].includes(name)) continue;
      await symlink(path.join(ROOT, 'node_modules', name), path.join(pkg, 'node_modules', name));
    }
    const manifestBefore = await readFile(manifestPath(pkg), 'utf8');

    const help = await runIn(pkg, ['--help']);
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Layerlab: /);

    const inspect = await runIn(pkg, ['inspect', 'resources/iris.csv']);
    expect(inspect.stderr).toBe('');
    expect(inspect.code).toBe(0);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ file: 'iris.csv', rows: 150 });

    // The engine process forks from the same build (engine.cjs), with no tsx to fall back on.
    const out = path.join(pkg, 'iris-model');
    const train = await runIn(pkg, [
      'train',
      '--data',
      'resources/iris.csv',
      '--target',
      'species',
      '--out',
      out,
      '--epochs',
      '2',
      '--learning-rate',
      '0.01',
      '--seed',
      '1',
    ]);
    expect(train.stderr).toBe('');
    expect(train.code).toBe(0);
    expect(train.stdout).toMatch(/^epoch +2\/2 /m);
    expect(await readFile(manifestPath(pkg), 'utf8')).toBe(manifestBefore);
  });

  it('rebuilds a stale build before it runs: a changed source takes effect on the next start', async () => {
    const pkg = path.join(tmp, 'checkout');
    await mkdir(pkg);
    for (const part of [
      'package.json',
      'bin',
      'scripts/build-node.mjs',
      'scripts/node-build-manifest.mjs',
      'scripts/build-cpu-addon.mjs',
      'main',
      'app',
    ])
      await cp(path.join(ROOT, part), path.join(pkg, part), { recursive: true });
    await symlink(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'));

    const first = await runIn(pkg, ['--help']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(checkNodeBuild(pkg)).toEqual({ fresh: true });

    const usage = path.join(pkg, 'main', 'cli', 'usage.ts');
    await writeFile(usage, (await readFile(usage, 'utf8')).replace('Layerlab: ', 'Layerlab (edited): '));
    expect(checkNodeBuild(pkg)).toEqual({ fresh: false, reason: 'main/cli/usage.ts changed' });
    const second = await runIn(pkg, ['--help']);
    expect(second.stderr).toBe('');
    expect(second.stdout).toMatch(/^Layerlab \(edited\): /);
    expect(checkNodeBuild(pkg)).toEqual({ fresh: true });
  });
});
