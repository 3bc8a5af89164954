import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { analyzeGraph } from '../../app/graph/analyze';
import type { ModelGraph } from '../../app/graph/schema';
import { UserError } from '../../app/ipc/errors';
import {
  MAX_MODEL_IMPORT_BYTES,
  type ModelImportFile,
  type ModelImportSummary,
} from '../../app/ipc/model-import-contract';
import type { ProjectState } from '../../app/ipc/contract';
import { writeFileAtomic, type ProjectService } from '../data';
import { importModelFile, type ImportedModel } from '../engine/shared/import/import-model';
import { ModelImportError } from '../engine/shared/import/keras-graph';
import { encodeWeights } from '../engine/shared/import/weights-file';

/** <project>/models/: the weights of imported models, named by the graph's `weights`. */
export const MODELS_FOLDER = 'models';

const MODEL_EXTENSIONS = ['.json', '.h5', '.hdf5', '.keras'];

/**
 * The file among the chosen ones that is the model (the rest are a model.json's weight shards).
 * Exactly one: two models at once would leave it unclear which the graph should become.
 */
function modelFileOf(names: readonly string[]): string {
  const models = names.filter((n) => MODEL_EXTENSIONS.includes(path.extname(n).toLowerCase()));
  if (models.length === 1) return models[0]!;
  if (models.length === 0) {
    throw new UserError(
      `None of the chosen files (${names.join(', ')}) is a model: choose a TF.js model.json together with its weight files, a Keras .h5 or a Keras .keras file.`,
    );
  }
  throw new UserError(`Choose one model at a time: ${models.join(' and ')} are both model files.`);
}

/** The browser's files, written side by side into a temporary folder, as model.json expects its shards. */
async function stageFiles(files: readonly ModelImportFile[]): Promise<{ dir: string; main: string }> {
  const seen = new Set<string>();
  let total = 0;
  const decoded = files.map((f) => {
    if (seen.has(f.name)) throw new UserError(`The file ${f.name} was chosen twice.`);
    seen.add(f.name);
    const bytes = Buffer.from(f.data, 'base64');
    total += bytes.length;
    return { name: f.name, bytes };
  });
  if (total > MAX_MODEL_IMPORT_BYTES) {
    throw new UserError(
      `The model files are ${(total / 1024 / 1024).toFixed(0)} MiB together; up to ${MAX_MODEL_IMPORT_BYTES / 1024 / 1024} MiB can be imported here. Convert larger models with \`layerlab graph --from MODEL --out GRAPH.json\`.`,
    );
  }
  const main = modelFileOf(decoded.map((f) => f.name));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'layerlab-model-import-'));
  try {
    for (const f of decoded) await writeFile(path.join(dir, path.basename(f.name)), f.bytes);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, main: path.join(dir, main) };
}

/**
 * Import a model file into a project: convert it to a graph (main/engine/shared/import names every
 * layer or setting it cannot take), store its weights in <project>/models/, and save the graph,
 * whose `weights` names that file; RunManager starts training from it.
 */
export async function importModelIntoProject(
  projects: ProjectService,
  input: { projectId: string; files?: ModelImportFile[] | undefined; path?: string | undefined },
  /** Host mode: the files a model by path names (its weight shards) are held to the same path policy. */
  fileAllowed?: (file: string) => Promise<unknown>,
): Promise<{ state: ProjectState; summary: ModelImportSummary }> {
  await projects.open(input.projectId); // an unknown project fails before any work
  let staged: { dir: string; main: string } | null = null;
  let file: string;
  if (input.path !== undefined) {
    if (!path.isAbsolute(input.path)) throw new UserError(`"${input.path}" is not an absolute path.`);
    file = input.path;
  } else {
    staged = await stageFiles(input.files ?? []);
    file = staged.main;
  }
  let imported: ImportedModel;
  try {
    // Staged files are our own copies, side by side in a temporary folder: nothing to check.
    imported = await importModelFile(file, input.path !== undefined && fileAllowed ? { fileAllowed } : {});
  } catch (error) {
    if (!(error instanceof ModelImportError)) throw error;
    // Name the user's file, not the temporary folder it was staged in.
    throw new UserError(staged ? error.message.split(`${staged.dir}${path.sep}`).join('') : error.message);
  } finally {
    if (staged) await rm(staged.dir, { recursive: true, force: true });
  }

  let graph: ModelGraph = imported.graph;
  if (imported.weights.size > 0) {
    const stem =
      path
        .basename(file, path.extname(file))
        .replace(/[^A-Za-z0-9_-]+/g, '_')
        .slice(0, 60) || 'model';
    // A fresh name per import: a run that started from an earlier import keeps reading its own copy.
    const relative = `${MODELS_FOLDER}/${stem}-${randomBytes(3).toString('hex')}.weights.bin`;
    const target = path.join(projects.projectDir(input.projectId), relative);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFileAtomic(target, encodeWeights(imported.weights));
    graph = { ...graph, weights: relative };
  }
  await projects.save(input.projectId, { graph });
  const analysis = analyzeGraph(graph);
  return {
    state: await projects.open(input.projectId),
    summary: {
      file: path.basename(file),
      layers: graph.nodes.length,
      params: analysis.totalParams,
      layersWithWeights: imported.weights.size,
      frozen: graph.nodes.filter((n) => n.trainable === false).length,
    },
  };
}

/**
 * The absolute path of a graph's `weights` reference, which is relative to the project folder
 * and must stay inside it: the graph comes from the renderer, which is not trusted with paths.
 */
export function projectWeightsFile(projectDir: string, reference: string): string {
  const file = path.resolve(projectDir, reference);
  const rel = path.relative(projectDir, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new UserError(
      `The model's weights file "${reference}" must be inside the project folder; import the model again.`,
    );
  }
  return file;
}
