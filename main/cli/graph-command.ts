import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { analyzeGraph } from '../../app/graph/analyze';
import { UserError } from '../../app/ipc/errors';
import { writeFileAtomic, writeJsonAtomic } from '../data';
import { importModelFile } from '../engine/shared/import/import-model';
import { ModelImportError } from '../engine/shared/import/keras-graph';
import { encodeWeights } from '../engine/shared/import/weights-file';
import { UsageError } from './cli-error';

/** GRAPH.json → GRAPH.weights.bin: the weights file the graph names, beside it. */
export function weightsFileFor(graphFile: string): string {
  return `${graphFile.replace(/\.json$/i, '')}.weights.bin`;
}

/**
 * `layerlab graph --from MODEL --out GRAPH.json`: an existing model (TF.js model.json, Keras .h5
 * or .keras) as an editable Layerlab graph, its weights in GRAPH.weights.bin beside it.
 */
export async function graphCommand(args: string[], out: (line: string) => void): Promise<number> {
  let values: { from?: string; out?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: { from: { type: 'string' }, out: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (!values.from)
    throw new UsageError('graph needs --from MODEL_FILE (a TF.js model.json, a Keras .h5 or .keras file).');
  if (!values.out) throw new UsageError('graph needs --out GRAPH.json.');
  if (!values.out.toLowerCase().endsWith('.json'))
    throw new UsageError(`--out must name a .json file, not "${values.out}".`);
  const from = path.resolve(values.from);
  const outFile = path.resolve(values.out);
  let imported;
  try {
    imported = await importModelFile(from);
  } catch (error) {
    if (error instanceof ModelImportError) throw new UserError(error.message);
    throw error;
  }
  const weightsFile = weightsFileFor(outFile);
  const graph = { ...imported.graph, ...(imported.weights.size ? { weights: path.basename(weightsFile) } : {}) };
  await mkdir(path.dirname(outFile), { recursive: true });
  if (imported.weights.size) await writeFileAtomic(weightsFile, encodeWeights(imported.weights));
  await writeJsonAtomic(outFile, graph);
  const analysis = analyzeGraph(graph);
  const frozen = graph.nodes.filter((n) => n.trainable === false).length;
  out(
    `Imported ${path.basename(from)}: ${graph.nodes.length} layers, ${analysis.totalParams.toLocaleString('en-US')} parameters${frozen ? `, ${frozen} frozen` : ''}.`,
  );
  out(
    `Wrote ${outFile}${imported.weights.size ? ` and ${path.basename(weightsFile)} (weights of ${imported.weights.size} layers)` : ' (the model has no weights)'}.`,
  );
  if (!analysis.ok) out(`Note: the graph needs fixing before it trains: ${analysis.issues[0]?.message ?? ''}`);
  return 0;
}
