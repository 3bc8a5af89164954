import { spawn } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../../..');
const BIN = path.join(ROOT, 'bin', 'layerlab.mjs');

/**
 * Runs the real CLI as a user would, collecting its exit code and both streams. With
 * `interruptWhen`, the first time stderr contains that text (or, given a function, the first time
 * it returns true for stderr so far: asked on each output and every 50 ms) the CLI gets SIGINT (a
 * user's Ctrl-C); `interrupted` says whether it did.
 */
export function layerlab(
  args: string[],
  env: Record<string, string> = {},
  interruptWhen?: string | ((stderr: string) => boolean),
): Promise<{ code: number | null; stdout: string; stderr: string; interrupted: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, LAYERLAB_DEBUG: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    const due = () =>
      interruptWhen !== undefined &&
      (typeof interruptWhen === 'string' ? stderr.includes(interruptWhen) : interruptWhen(stderr));
    const check = () => {
      if (!interrupted && due()) {
        interrupted = true;
        child.kill('SIGINT');
      }
    };
    const poll = typeof interruptWhen === 'function' ? setInterval(check, 50) : undefined;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      check();
    });
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code, stdout, stderr, interrupted });
    });
  });
}
