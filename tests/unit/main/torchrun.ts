import { execFile, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { torchPython } from '../../../main/export/pytorch';

/**
 * Why the PyTorch tests of `what` cannot run here (the interpreter cannot import `modules`), or
 * null when they can; the reason is printed, for a skip a reader can see.
 */
export function torchMissing(what: string, modules = 'numpy, torch'): string | null {
  try {
    execFileSync(torchPython(), ['-c', `import ${modules}`], { stdio: 'ignore' });
    return null;
  } catch {
    const reason = `${torchPython()} cannot import ${modules} (Debian: apt-get install python3-torch)`;
    console.info(`[skip] ${what}: ${reason}`);
    return reason;
  }
}

/** A TCP port free on this machine now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * train.py in `dir` as a user runs it: plain python for one process, else torchrun with `nproc`
 * processes on this machine (gloo on CPU). Not `--standalone`: Debian's torch 1.13 gives every
 * standalone job the same rendezvous port, 29400, so two jobs at once (two test files running side
 * by side) fail on "Address already in use"; each job here rendezvouses on a port of its own.
 * Debian's torch 1.13 on Python 3.12 also needs --redirects/--tee (see the exported README).
 */
export async function torchrun(dir: string, nproc: number, args: string[]): Promise<{ code: number; output: string }> {
  const launcher =
    nproc === 1
      ? ['train.py']
      : [
          '-m',
          'torch.distributed.run',
          '--nnodes=1',
          '--rdzv_backend=c10d',
          `--rdzv_endpoint=127.0.0.1:${await freePort()}`,
          `--nproc_per_node=${nproc}`,
          '--redirects',
          '1',
          '--tee',
          '1',
          'train.py',
        ];
  return new Promise((resolve) => {
    execFile(
      torchPython(),
      [...launcher, ...args],
      { cwd: dir, timeout: 240_000, env: { ...process.env, OMP_NUM_THREADS: '1' } },
      (error, stdout, stderr) => {
        const e = error as (Error & { code?: number | null; signal?: string | null; killed?: boolean }) | null;
        const why = e
          ? `\n[exit ${String(e.code)}, signal ${String(e.signal)}${e.killed ? ', killed at the timeout' : ''}]`
          : '';
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, output: `${stdout}\n${stderr}${why}` });
      },
    );
  });
}
