import { test as base, expect } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface HostFixture {
  /** The URL printed by the host, with its token. */
  url: string;
  origin: string;
  token: string;
  workspace: string;
  /** Everything the host printed so far. */
  output: () => string;
}

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Starts `layerlab host` exactly as a user would (the CLI, a fresh workspace, a free port). */
export async function startHostProcess(
  workspace: string,
  /** More `layerlab host` options (--data-root DIR). */
  extraArgs: readonly string[] = [],
): Promise<{ child: ChildProcess; fixture: HostFixture }> {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin', 'layerlab.mjs'), 'host', '--port', '0', '--workspace', workspace, ...extraArgs],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env },
    },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not print its URL in 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Open (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with code ${code}:\n${output}`));
    });
  });
  const parsed = new URL(url);
  return {
    child,
    fixture: {
      url,
      origin: parsed.origin,
      token: parsed.searchParams.get('token') ?? '',
      workspace,
      output: () => output,
    },
  };
}

export const test = base.extend<{ host: HostFixture }>({
  // eslint-disable-next-line no-empty-pattern
  host: async ({}, use) => {
    const workspace = await mkdtemp(path.join(os.tmpdir(), 'layerlab-e2e-'));
    const { child, fixture } = await startHostProcess(workspace);
    await use(fixture);
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    await rm(workspace, { recursive: true, force: true });
  },
});

export { expect };
