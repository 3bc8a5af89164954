import { spawn } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../../..');
const BIN = path.join(ROOT, 'bin', 'layerlab.mjs');

/**
 * Runs the real CLI as a user would, collecting its exit code and both streams. With
 * `interruptWhen`, the first time stderr contains that text the CLI gets SIGINT (a user's Ctrl-C);
 * `interrupted` says whether it did.
 */
export function layerlab(
  args: string[],
  env: Record<string, string> = {},
  interruptWhen?: string,
): Promise<{ code: number | null; stdout: string; stderr: string; interrupted: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, LAYERLAB_DEBUG: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (interruptWhen !== undefined && !interrupted && stderr.includes(interruptWhen)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.on('close', (code) => resolve({ code, stdout, stderr, interrupted }));
  });
}
