/**
 * Upload benchmark: `node --import tsx bench/upload.ts [--mb 512] [--keep]`.
 *
 * Starts `layerlab host` as a user would (its own process), writes a file of MB megabytes, and
 * streams it with the browser host's own uploader (renderer/src/app/host/upload.ts: 8 MiB PUT
 * chunks) from a disk-backed Blob, as a page does. Prints the upload's MB/s beside a plain copy
 * of the same file on the same disk (fs.copyFile, measured in the same run), and the host's
 * peak RSS over its RSS before the upload: it must not grow with the file (issue 19.1).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { copyFile, mkdir, mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { uploadFile } from '../renderer/src/app/host/upload';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { mb: { type: 'string', default: '512' }, keep: { type: 'boolean' } } });
const MB = Number(values.mb);

async function rssOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

async function main(): Promise<void> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-bench-upload-'));
  const workspace = path.join(tmp, 'workspace');
  await mkdir(workspace);
  const file = path.join(tmp, 'data.bin');
  const handle = await open(file, 'w');
  const block = randomBytes(8 * 1024 * 1024);
  for (let written = 0; written < MB * 1e6; written += block.length) await handle.write(block);
  await handle.close();
  const size = (await stat(file)).size;

  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin', 'layerlab.mjs'), 'host', '--port', '0', '--workspace', workspace],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Open (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]!);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`host exited (${code}):\n${output}`)));
    });
    const { origin, searchParams } = new URL(url);
    const token = searchParams.get('token')!;
    await new Promise((resolve) => setTimeout(resolve, 1000)); // let the engine's start settle
    const before = await rssOf(child.pid!);

    const blob = await openAsBlob(file);
    const asFile = Object.assign(blob, { name: 'data.bin', lastModified: Date.now() }) as unknown as File;
    const t0 = performance.now();
    const at = await uploadFile(asFile, {
      base: origin,
      fetch: (input, init) => fetch(input, { ...init, headers: { Authorization: `Bearer ${token}` } }),
    });
    const uploadS = (performance.now() - t0) / 1000;
    const after = await rssOf(child.pid!);
    if ((await stat(at)).size !== size) throw new Error(`uploaded ${at} has the wrong size`);

    const t1 = performance.now();
    await copyFile(file, path.join(tmp, 'copy.bin'));
    const copyS = (performance.now() - t1) / 1000;

    const mbps = (s: number) => size / 1e6 / s;
    console.log(`file: ${(size / 1e6).toFixed(0)} MB`);
    console.log(
      `upload (8 MiB PUT chunks to layerlab host): ${uploadS.toFixed(2)} s, ${mbps(uploadS).toFixed(0)} MB/s`,
    );
    console.log(`peer, fs.copyFile on the same disk:          ${copyS.toFixed(2)} s, ${mbps(copyS).toFixed(0)} MB/s`);
    console.log(`ratio upload/copy: ${(mbps(uploadS) / mbps(copyS)).toFixed(2)}×`);
    console.log(
      `host RSS before ${(before.rss / 1e6).toFixed(0)} MB, peak after ${(after.peak / 1e6).toFixed(0)} MB ` +
        `(peak before ${(before.peak / 1e6).toFixed(0)} MB): grew ${((after.peak - before.peak) / 1e6).toFixed(0)} MB for a ${(size / 1e6).toFixed(0)} MB file`,
    );
  } finally {
    child.kill('SIGTERM');
    if (!values.keep) await rm(tmp, { recursive: true, force: true });
    else console.log(`kept ${tmp}`);
  }
}

await main();
