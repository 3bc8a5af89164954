import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ProjectService } from '../data';
import { defaultWorkspace } from '../services/default-workspace';
import { exportedFrom, importRunFolder } from '../services/run-import';
import { UsageError } from './cli-error';

const IMPORT_FLAGS = {
  project: { type: 'string' },
  workspace: { type: 'string' },
} as const;

/**
 * `layerlab runs import DIR`: a run trained elsewhere (the PyTorch export's train.py writes DIR)
 * becomes a run of the project it was exported from. The workspace and project are the ones
 * DIR/training.json records, unless --workspace or --project name others.
 */
export async function runsCommand(argv: string[], out: (line: string) => void): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'import')
    throw new UsageError(`runs takes "import DIR", not ${sub === undefined ? 'nothing' : `"${sub}"`}.`);
  const { values, positionals } = parseArgs({
    args: rest,
    options: IMPORT_FLAGS,
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('runs import takes one folder: layerlab runs import DIR.');
  const dir = path.resolve(positionals[0]!);
  const source = await exportedFrom(dir);
  const recorded = source.workspace && existsSync(source.workspace) ? source.workspace : null;
  const workspace = path.resolve(values.workspace ?? recorded ?? defaultWorkspace());
  const projects = new ProjectService(workspace);
  const imported = await importRunFolder(projects, dir, values.project ? { projectId: values.project } : {});
  const last = imported.run.epochs.at(-1);
  out(
    `Imported ${dir} as run ${imported.run.id} of project ${imported.projectId} (${workspace}), beside run ${imported.sourceRunId}: ${imported.run.epochs.length} epochs, last val_loss ${last?.val_loss?.toPrecision(4) ?? '-'}.`,
  );
  out(`Export it with: layerlab export --run ${projects.runDir(imported.projectId, imported.run.id)} --format onnx`);
  return 0;
}
