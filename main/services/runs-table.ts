import { lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { NO_TAGS, RunTags, runRow, type RunRow } from '../../app/experiments/runs-table';
import { UserError } from '../../app/ipc/errors';
import { writeJsonAtomic, type ProjectService } from '../data';
import { readJsonFile } from '../data/read-json';
import { readManifest } from './manifest';
import type { RunManager } from './runs';

/** runs/<id>/tags.json: the run's name and star, apart from run.json (which only its training writes). */
export const TAGS_FILE = 'tags.json';

/** Bytes of every file under a folder (links not followed). */
export async function diskBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) total += await diskBytes(file);
    else total += (await lstat(file).catch(() => null))?.size ?? 0;
  }
  return total;
}

async function readTags(runDir: string): Promise<RunTags> {
  const read = await readJsonFile(path.join(runDir, TAGS_FILE), RunTags);
  return read.ok ? read.value : NO_TAGS;
}

/** runs.table: every run of a project as a row of the runs table, oldest first. */
export async function runsTable(projects: ProjectService, projectId: string): Promise<RunRow[]> {
  const state = await projects.open(projectId);
  return Promise.all(
    state.runs.map(async (run) => {
      const dir = projects.runDir(projectId, run.id);
      const manifest = await readManifest(dir).catch(() => null);
      return runRow(run, {
        tags: await readTags(dir),
        diskBytes: await diskBytes(dir),
        dataFingerprint: manifest?.data.dataset_sha256 ?? null,
      });
    }),
  );
}

/** run.rename / run.star: one field of tags.json changed, the other kept. */
export async function updateTags(
  projects: ProjectService,
  projectId: string,
  runId: string,
  patch: Partial<RunTags>,
): Promise<RunTags> {
  await projects.readRun(projectId, runId); // an unknown run fails clearly
  const dir = projects.runDir(projectId, runId);
  const tags = { ...(await readTags(dir)), ...patch };
  await writeJsonAtomic(path.join(dir, TAGS_FILE), tags);
  return tags;
}

/** run.delete: the run's folder goes (checkpoints, model, prepared data); a run still training is refused. */
export async function deleteRun(
  projects: ProjectService,
  runs: RunManager,
  projectId: string,
  runId: string,
): Promise<{ deleted: boolean; freedBytes: number }> {
  await projects.readRun(projectId, runId);
  const active = runs.activeRun;
  if (active && active.projectId === projectId && active.runId === runId)
    throw new UserError(`Run ${runId} is training: stop it before deleting it.`);
  const dir = projects.runDir(projectId, runId);
  const freedBytes = await diskBytes(dir);
  await rm(dir, { recursive: true, force: true });
  return { deleted: true, freedBytes };
}
