import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layerlab, ROOT } from './run-layerlab';
import { torchMissing } from './torchrun';

const IRIS = path.join(ROOT, 'resources', 'iris.csv');
const noTorch = torchMissing('Ctrl-C during the PyTorch parity check');

/**
 * Python's site hook, on the path of the CLI's python only: the parity check's process (the one
 * run on <export dir> <tmp>/x.npy <tmp>/out.f32) writes its pid, then takes ten minutes, as a check
 * over a large validation sample on a slow machine would. Every other python starts as usual.
 */
const SLOW_CHECK = String.raw`
import os, sys, time
if len(sys.argv) == 4 and sys.argv[0] == "-c" and sys.argv[2].endswith("x.npy"):
    with open(os.environ["LAYERLAB_TEST_PID_FILE"], "w") as f:
        f.write(str(os.getpid()))
    time.sleep(600)
`;

/** Whether `pid` is still running (a process that ended but is not yet reaped, a zombie, is not). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'layerlab-cli-export-python-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe.skipIf(noTorch !== null)('layerlab export --format pytorch: Ctrl-C while the parity check runs', () => {
  it('kills the python process at once and leaves no export folder', async () => {
    const trained = path.join(tmp, 'trained');
    const train = await layerlab(['train', '--data', IRIS, '--target', 'species', '--epochs', '2', '--out', trained]);
    expect(train.code, train.stderr).toBe(0);
    const before = (await readdir(trained)).sort();

    const hook = path.join(tmp, 'python-hook');
    await mkdir(hook);
    await writeFile(path.join(hook, 'sitecustomize.py'), SLOW_CHECK);
    const pidFile = path.join(tmp, 'check.pid');
    const scratch = path.join(tmp, 'scratch');
    await mkdir(scratch);
    const exported = path.join(tmp, 'pytorch');
    const run = await layerlab(
      ['export', '--run', trained, '--format', 'pytorch', '--data', IRIS, '--out', exported],
      { LAYERLAB_PROGRESS: 'always', PYTHONPATH: hook, LAYERLAB_TEST_PID_FILE: pidFile, TMPDIR: scratch },
      // Ctrl-C once the step that runs the check is shown and its python process is running.
      (stderr) => stderr.includes('Exporting to pytorch: Step 2 of 4') && existsSync(pidFile),
    );
    expect(run.interrupted, run.stderr).toBe(true);
    expect(run.stderr).toContain(
      'Exporting to pytorch: Step 2 of 4: Writing the PyTorch project files and reloading them for the parity check',
    );
    expect(run).toMatchObject({
      code: 130,
      stdout: expect.stringContaining(`Export cancelled; nothing was written to ${exported}.`),
    });
    // The check's python is gone when the CLI has exited (it would otherwise sleep on for minutes).
    const pid = Number(await readFile(pidFile, 'utf8'));
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
    expect(existsSync(exported)).toBe(false);
    expect(await readdir(tmp)).not.toContain(expect.stringMatching(/\.tmp-/));
    // Its temporary x.npy / out.f32 folder is removed too, and the run folder is as it was.
    expect(await readdir(scratch)).toEqual([]);
    expect((await readdir(trained)).sort()).toEqual(before);
  }, 240_000);
});
