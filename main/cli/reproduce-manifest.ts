import path from 'node:path';
import { writeJsonAtomic } from '../data';
import { MANIFEST_FILE, readManifest } from '../services/manifest';

export { MANIFEST_FILE };

/** Flags of `train` whose value is a path: made absolute, so the manifest's arguments work from any folder. */
const PATH_FLAGS = new Set(['--data', '--graph']);

/**
 * The arguments that trained a `train --out` folder, as `layerlab reproduce` reruns them: paths
 * absolute (resolved against the current folder, as train resolved them) and --out left out.
 */
export function reproducibleArgs(args: readonly string[], cwd = process.cwd()): string[] {
  const result: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = flag !== arg ? arg.slice(eq + 1) : undefined;
    if (flag === '--out') {
      if (inline === undefined) i++;
      continue;
    }
    if (PATH_FLAGS.has(flag)) {
      const value = inline ?? args[++i];
      if (value !== undefined) result.push(flag, path.resolve(cwd, value));
      continue;
    }
    result.push(arg);
  }
  return result;
}

/** Copies the run's manifest.json into a `train --out` folder with the arguments that trained it. */
export async function writeOutManifest(runDir: string, outDir: string, args: readonly string[]): Promise<void> {
  const manifest = await readManifest(runDir);
  await writeJsonAtomic(path.join(outDir, MANIFEST_FILE), {
    ...manifest,
    command: { name: 'train', args: reproducibleArgs(args) },
  });
}
