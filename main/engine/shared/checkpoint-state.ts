import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CHECKPOINT_FOLDER, CHECKPOINT_STATE, CheckpointState } from '../../../app/training/checkpoint';
import { formatZodError } from '../../../app/ipc/errors';

// No TensorFlow.js here: the main process reads a checkpoint's state (to restore a run's
// history after an engine crash) without loading the engine.

/** Where a checkpoint is while it is being replaced: the previous, still complete, one. */
export const OLD_CHECKPOINT_SUFFIX = '.old';

export function checkpointDir(runDir: string): string {
  return path.join(runDir, CHECKPOINT_FOLDER);
}

/** The newest complete checkpoint's folder and state, or null when the run has none yet. */
export async function readCheckpointState(runDir: string): Promise<{ dir: string; state: CheckpointState } | null> {
  for (const dir of [checkpointDir(runDir), `${checkpointDir(runDir)}${OLD_CHECKPOINT_SUFFIX}`]) {
    const file = path.join(dir, CHECKPOINT_STATE);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      continue;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new Error(`${file} is not valid JSON; the checkpoint is damaged.`);
    }
    const parsed = CheckpointState.safeParse(raw);
    if (!parsed.success) throw new Error(formatZodError(parsed.error, `${file} is damaged`));
    return { dir, state: parsed.data };
  }
  return null;
}
