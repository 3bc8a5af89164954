import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Augmentation, ImageDatasetMeta } from '../../app/dataset/images';
import type { DatasetMeta, TaskSpec } from '../../app/dataset/schema';
import type { ModelGraph } from '../../app/graph/schema';
import type { ProjectListItem, ProjectState } from '../../app/ipc/contract';
import { errorMessage, formatZodError, UserError } from '../../app/ipc/errors';
import { PROJECT_FORMAT_VERSION, ProjectFile, ProjectId, RunId, RunSummary } from '../../app/project/schema';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../../app/training/config';
import { writeJsonAtomic } from './atomic-write';
import { loadDatasetMeta } from './dataset-store';
import { ensureDir, errorCode, writeError } from './fs-errors';
import { isImageDatasetDir, loadImageMeta } from './images/image-store';
import { readJsonFile } from './read-json';
import { slugify } from './slug';

const PROJECT_FILE = 'project.json';
const RUN_FILE = 'run.json';

/** A folder in <workspace>/projects/ that is not a readable project, and why. */
export interface BrokenProject {
  id: string;
  path: string;
  reason: string;
}

/**
 * A ProjectState plus what could not be read while opening it (a damaged run.json, a missing
 * dataset). Those never block opening: the user keeps access to everything else. The extra
 * field is structurally invisible to code typed against ProjectState.
 */
export type OpenedProject = ProjectState & { problems: string[] };

/** What save() may change; null clears a choice (a new dataset invalidates the target, say). */
export interface ProjectPatch {
  taskSpec?: TaskSpec | null;
  graph?: ModelGraph | null;
  trainConfig?: TrainConfig;
  datasetId?: string | null;
  augmentation?: Augmentation;
}

export interface ProjectServiceOptions {
  /** Injectable clock for createdAt/updatedAt (tests order projects by it). */
  now?: () => Date;
  /** Where problems that do not stop an operation are reported. Default: console.warn. */
  warn?: (message: string) => void;
}

/**
 * Projects on disk: <workspace>/projects/<id>/{project.json, datasets/, runs/<runId>/run.json}.
 * Every id from outside is validated before it becomes a path, and every write is atomic.
 */
export class ProjectService {
  readonly workspaceDir: string;
  readonly projectsDir: string;
  private readonly now: () => Date;
  private readonly warn: (message: string) => void;
  /** Per-project queue: save() reads, patches and writes project.json, so two saves must not interleave. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(workspaceDir: string, options: ProjectServiceOptions = {}) {
    this.workspaceDir = resolve(workspaceDir);
    this.projectsDir = join(this.workspaceDir, 'projects');
    this.now = options.now ?? (() => new Date());
    this.warn = options.warn ?? ((message) => console.warn(`[layerlab] ${message}`));
  }

  /**
   * The folder of a project. The id must be a valid ProjectId (no separators, no ".."), and the
   * result is checked to sit directly in projects/ as a second line of defence.
   */
  projectDir(id: string): string {
    const parsed = ProjectId.safeParse(id);
    if (!parsed.success) throw new UserError(`"${id}" is not a valid project id: ${formatZodError(parsed.error)}.`);
    const dir = resolve(this.projectsDir, parsed.data);
    if (dirname(dir) !== this.projectsDir) throw new UserError(`"${id}" is not a valid project id.`);
    return dir;
  }

  datasetsDir(id: string): string {
    return join(this.projectDir(id), 'datasets');
  }

  runsDir(id: string): string {
    return join(this.projectDir(id), 'runs');
  }

  runDir(id: string, runId: string): string {
    const parsed = RunId.safeParse(runId);
    if (!parsed.success) throw new UserError(`"${runId}" is not a valid run id: ${formatZodError(parsed.error)}.`);
    return join(this.runsDir(id), parsed.data);
  }

  /** Every project, newest first, and every folder in projects/ that is not a readable project. */
  async scan(): Promise<{ projects: ProjectListItem[]; broken: BrokenProject[] }> {
    const projects: ProjectListItem[] = [];
    const broken: BrokenProject[] = [];
    for (const name of await this.subfolders(this.projectsDir)) {
      const path = join(this.projectsDir, name);
      if (!ProjectId.safeParse(name).success) {
        broken.push({ id: name, path, reason: 'the folder name is not a valid project id' });
        continue;
      }
      const read = await readJsonFile(join(path, PROJECT_FILE), ProjectFile);
      if (read.ok) projects.push({ id: name, name: read.value.name, updatedAt: read.value.updatedAt });
      else broken.push({ id: name, path, reason: `${PROJECT_FILE}: ${read.reason}` });
    }
    projects.sort((a, b) =>
      a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : a.id.localeCompare(b.id),
    );
    return { projects, broken };
  }

  /**
   * The readable projects, newest first. One broken folder must not hide all the others, so it
   * is skipped here and reported through `warn`; scan() returns the broken ones for a UI.
   */
  async list(): Promise<ProjectListItem[]> {
    const { projects, broken } = await this.scan();
    for (const b of broken) this.warn(`Skipped ${b.path}: ${b.reason}.`);
    return projects;
  }

  /** A new empty project; its id is the name's slug, made unique with -2, -3, ... */
  async create(name: string): Promise<OpenedProject> {
    const title = name.trim();
    if (title.length === 0) throw new UserError('A project needs a name.');
    if (title.length > 120) throw new UserError('A project name is at most 120 characters.');
    await ensureDir(this.projectsDir);
    const base = slugify(title, 60, 'project');
    let id: string | null = null;
    // mkdir without recursive claims the folder atomically, so two creates never share an id.
    for (let n = 1; n <= 1000 && id === null; n += 1) {
      const candidate = n === 1 ? base : `${base}-${n}`;
      try {
        await mkdir(join(this.projectsDir, candidate));
        id = candidate;
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw writeError(this.projectsDir, error);
      }
    }
    if (id === null)
      throw new UserError(`Too many projects named "${title}" in ${this.projectsDir}. Choose another name.`);
    const dir = this.projectDir(id);
    const timestamp = this.now().toISOString();
    const project: ProjectFile = {
      format: 'layerlab-project',
      version: PROJECT_FORMAT_VERSION,
      name: title,
      createdAt: timestamp,
      updatedAt: timestamp,
      datasetId: null,
      taskSpec: null,
      graph: null,
      trainConfig: { ...DEFAULT_TRAIN_CONFIG },
    };
    try {
      await mkdir(join(dir, 'datasets'));
      await mkdir(join(dir, 'runs'));
      await writeJsonAtomic(join(dir, PROJECT_FILE), project);
    } catch (error) {
      // A half-made project would show up as broken in every list; leave nothing instead.
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      throw writeError(dir, error);
    }
    return { id, path: dir, project, dataset: null, imageDataset: null, runs: [], problems: [] };
  }

  /**
   * A project with its dataset profile and runs. A missing project or a damaged project.json is
   * an error; a damaged run.json or dataset is reported in `problems` (and through `warn`) and
   * left out, so one bad file never locks the user out of the rest.
   */
  async open(id: string): Promise<OpenedProject> {
    const dir = this.projectDir(id);
    const project = await this.readProject(id);
    const problems: string[] = [];
    let dataset: DatasetMeta | null = null;
    let imageDataset: ImageDatasetMeta | null = null;
    if (project.datasetId !== null) {
      const datasetDir = join(this.datasetsDir(id), project.datasetId);
      try {
        // meta.json says which kind it is: a table (no kind, as in every older project) or images.
        if (await isImageDatasetDir(datasetDir)) imageDataset = await loadImageMeta(datasetDir);
        else dataset = await loadDatasetMeta(datasetDir);
      } catch (error) {
        problems.push(`Dataset ${project.datasetId}: ${errorMessage(error)}`);
      }
    }
    const runs = await this.readRuns(id, problems);
    for (const problem of problems) this.warn(`Project ${id}: ${problem}`);
    return { id, path: dir, project, dataset, imageDataset, runs, problems };
  }

  /** Apply a patch to project.json (validated, atomic) and return the file as saved. */
  async save(id: string, patch: ProjectPatch): Promise<ProjectFile> {
    return this.serialized(id, async () => {
      const current = await this.readProject(id);
      const next = {
        ...current,
        ...(patch.taskSpec !== undefined ? { taskSpec: patch.taskSpec } : {}),
        ...(patch.graph !== undefined ? { graph: patch.graph } : {}),
        ...(patch.trainConfig !== undefined ? { trainConfig: patch.trainConfig } : {}),
        ...(patch.datasetId !== undefined ? { datasetId: patch.datasetId } : {}),
        ...(patch.augmentation !== undefined ? { augmentation: patch.augmentation } : {}),
        updatedAt: this.now().toISOString(),
      };
      const parsed = ProjectFile.safeParse(next);
      if (!parsed.success) throw new UserError(formatZodError(parsed.error, `Cannot save project "${id}"`));
      await writeJsonAtomic(join(this.projectDir(id), PROJECT_FILE), parsed.data);
      const replaced = current.datasetId;
      if (replaced !== null && replaced !== parsed.data.datasetId) await this.dropReplacedDataset(id, replaced);
      return parsed.data;
    });
  }

  /**
   * A dataset a new import replaced: a table's is read by nothing any more (its runs keep their
   * own prepared split; evaluation shows rows of the current dataset only), so its space goes
   * back. An image dataset's runs stream from its shards: it stays while a run names it.
   */
  private async dropReplacedDataset(id: string, datasetId: string): Promise<void> {
    const dir = join(this.datasetsDir(id), datasetId);
    try {
      if (await isImageDatasetDir(dir)) {
        const runs = await readdir(this.runsDir(id)).catch(() => [] as string[]);
        for (const run of runs) {
          const prepared = await readFile(join(this.runsDir(id), run, 'data', 'prepared.json'), 'utf8').catch(() => '');
          if (prepared.includes(JSON.stringify(dir).slice(1, -1))) return;
        }
      }
      await rm(dir, { recursive: true, force: true });
    } catch {
      // Space not given back is no reason to fail the import that replaced it.
    }
  }

  /** Write runs/<run.id>/run.json atomically (the folder is created when missing). */
  async writeRun(id: string, run: RunSummary): Promise<void> {
    const parsed = RunSummary.safeParse(run);
    if (!parsed.success) throw new UserError(formatZodError(parsed.error, `Cannot save run "${run.id}"`));
    await this.requireProjectDir(id);
    const dir = this.runDir(id, parsed.data.id);
    await ensureDir(dir);
    await writeJsonAtomic(join(dir, RUN_FILE), parsed.data);
  }

  async readRun(id: string, runId: string): Promise<RunSummary> {
    const file = join(this.runDir(id, runId), RUN_FILE);
    const read = await readJsonFile(file, RunSummary);
    if (read.ok) return read.value;
    if (read.missing) throw new UserError(`Project "${id}" has no run "${runId}".`);
    throw new UserError(`${file} is damaged: ${read.reason}.`);
  }

  private async readProject(id: string): Promise<ProjectFile> {
    const file = join(this.projectDir(id), PROJECT_FILE);
    const read = await readJsonFile(file, ProjectFile);
    if (read.ok) return read.value;
    if (read.missing) throw new UserError(`There is no project "${id}" in ${this.projectsDir}.`);
    throw new UserError(`${file} is damaged: ${read.reason}. Fix or remove it to open the project.`);
  }

  /** Runs sorted by start time. A folder without run.json is a run still being prepared: skipped. */
  private async readRuns(id: string, problems: string[]): Promise<RunSummary[]> {
    const runs: RunSummary[] = [];
    for (const name of await this.subfolders(this.runsDir(id))) {
      const read = await readJsonFile(join(this.runsDir(id), name, RUN_FILE), RunSummary);
      if (read.ok && read.value.id === name) runs.push(read.value);
      else if (read.ok)
        problems.push(
          `runs/${name}/${RUN_FILE} belongs to run "${read.value.id}", not "${name}"; the run is left out.`,
        );
      else if (!read.missing)
        problems.push(`runs/${name}/${RUN_FILE} is damaged (${read.reason}); the run is left out.`);
    }
    return runs.sort((a, b) =>
      a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : a.id.localeCompare(b.id),
    );
  }

  private async requireProjectDir(id: string): Promise<void> {
    const dir = this.projectDir(id);
    const isDir = await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) throw new UserError(`There is no project "${id}" in ${this.projectsDir}.`);
  }

  /**
   * Real folders in a folder, names sorted; none when it does not exist. Symbolic links and
   * dot-folders (temp folders of imports and writes) are not followed.
   */
  private async subfolders(dir: string): Promise<string[]> {
    try {
      const entries = await readdir(dir, { withFileTypes: true });
      return entries
        .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
        .map((e) => e.name)
        .sort();
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw new UserError(`Cannot read ${dir}: ${errorMessage(error)}`);
    }
  }

  private serialized<T>(id: string, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(id) ?? Promise.resolve();
    const result = previous.then(task, task);
    const settled = result.catch(() => undefined);
    this.queues.set(id, settled);
    // Forget an idle queue so the map does not grow with every project ever saved.
    void settled.then(() => {
      if (this.queues.get(id) === settled) this.queues.delete(id);
    });
    return result;
  }
}
