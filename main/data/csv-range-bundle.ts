/**
 * The second reading thread's script where the code runs from its TypeScript sources under tsx
 * (tests, benches; the CLI and host mode run the compiled build in dist/node, which has its own).
 * A worker started on the sources loads tsx and transpiles every module: ~0.8 s of CPU before it
 * reads a byte, where a bundle starts in ~0.2 s. So the worker's entry is bundled with esbuild (a
 * devDependency, there wherever the sources run) into node_modules/.cache/layerlab, once per
 * version of its sources: a manifest beside the bundle holds the SHA-256 of every source file in
 * it, and the bundle is used only while each file on disk still has that hash (checked on every
 * import, ~1 ms). Null whenever anything fails: the caller then starts the worker through tsx.
 */
import { createHash } from 'node:crypto';
import { access, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { z } from 'zod';
import { ROOT } from '../package-root';
import { writeFileAtomic } from './atomic-write';

const ENTRY = join(ROOT, 'main', 'data', 'csv-range-worker.ts');
const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'layerlab');
const MANIFEST_FILE = 'csv-range-worker.json';
const PREFIX = 'csv-range-worker-';

const Manifest = z.object({
  /** File name of the bundle in CACHE_DIR. */
  bundle: z.string().regex(/^csv-range-worker-[0-9a-f]+\.cjs$/),
  /** Source file (relative to the repository root, with /) → SHA-256 of what was bundled. */
  inputs: z.record(z.string(), z.string()),
});
type Manifest = z.infer<typeof Manifest>;

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** The bundle named by the manifest, if every source it lists is unchanged. */
async function upToDate(cacheDir: string): Promise<string | null> {
  let manifest: Manifest;
  try {
    manifest = Manifest.parse(JSON.parse(await readFile(join(cacheDir, MANIFEST_FILE), 'utf8')));
  } catch {
    return null;
  }
  const files = Object.entries(manifest.inputs);
  if (files.length === 0) return null;
  const same = await Promise.all(
    files.map(async ([file, hash]) => sha256(await readFile(join(ROOT, file)).catch(() => '')) === hash),
  );
  if (!same.every(Boolean)) return null;
  const bundle = join(cacheDir, manifest.bundle);
  return (await access(bundle).then(
    () => true,
    () => false,
  ))
    ? bundle
    : null;
}

async function build(cacheDir: string): Promise<string> {
  const esbuild = await import('esbuild');
  const inputs: Record<string, string> = {};
  // Our own loader for the sources, so the hashes are of exactly the bytes that were bundled
  // (a file edited during the build is then rebuilt next time, never trusted).
  const hashing: import('esbuild').Plugin = {
    name: 'hash-sources',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
        const contents = await readFile(args.path);
        inputs[relative(ROOT, args.path).split(sep).join('/')] = sha256(contents);
        return { contents, loader: 'ts' };
      });
    },
  };
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // zod and the like load from node_modules, as the sources do.
    packages: 'external',
    write: false,
    outfile: join(cacheDir, 'bundle.cjs'),
    logLevel: 'silent',
    plugins: [hashing],
    define: { 'import.meta.url': '__layerlabImportMetaUrl' },
    banner: { js: "const __layerlabImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  const code = result.outputFiles.find((file) => file.path.endsWith('.cjs'));
  if (!code) throw new Error('esbuild wrote no bundle');
  const name = `${PREFIX}${sha256(JSON.stringify(Object.entries(inputs).sort())).slice(0, 16)}.cjs`;
  await mkdir(cacheDir, { recursive: true });
  await writeFileAtomic(join(cacheDir, name), code.text);
  await writeFileAtomic(
    join(cacheDir, MANIFEST_FILE),
    JSON.stringify({ bundle: name, inputs } satisfies Manifest, null, 2),
  );
  // Earlier versions: an import that chose one a moment ago and fails to start it reads on one
  // thread, as on any failed start.
  for (const file of await readdir(cacheDir)) {
    if (file.startsWith(PREFIX) && file.endsWith('.cjs') && file !== name)
      await rm(join(cacheDir, file), { force: true });
  }
  return join(cacheDir, name);
}

/**
 * The path of an up-to-date bundle of csv-range-worker.ts in cacheDir (built when needed), or
 * null.
 */
export async function rangeWorkerBundle(cacheDir = CACHE_DIR): Promise<string | null> {
  try {
    return (await upToDate(cacheDir)) ?? (await build(cacheDir));
  } catch {
    return null;
  }
}
