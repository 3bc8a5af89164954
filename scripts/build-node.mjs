// Compiles the Node side into dist/node as ES modules, so nothing is transpiled at run time:
//   cli.mjs               the CLI, which also serves `layerlab host` (bin/layerlab.mjs runs it)
//   engine.cjs            the engine process, forked by EngineClient (main/engine/client/engine-channel.ts)
//   csv-range-worker.mjs  the second thread of a large CSV import (main/data/csv-range-thread.ts)
// plus the chunks they share, code-split so that `layerlab --help` loads only the CLI's front
// door (each command is imported when it runs), and the engine's wasm kernels, which it reads
// from beside its code, and its CPU GEMM addon (layerlab-cpu.node, scripts/build-cpu-addon.mjs;
// skipped, with a warning, where no C compiler is). TensorFlow.js, onnxruntime-node, sharp and h5wasm stay external, loaded
// from node_modules as the sources do (native binaries chosen by platform, .wasm files beside
// their packages). A manifest of every input's size and mtime lets bin/layerlab.mjs tell, in a
// few milliseconds, whether the build is current (scripts/node-build-manifest.mjs).
//
//   node scripts/build-node.mjs             build, and remove the files of earlier builds
//   node scripts/build-node.mjs --if-stale  only when the build is not current
//   node scripts/build-node.mjs --prepare   `npm install`'s prepare: --if-stale, and never fails
//                                           the install (without esbuild, or when the build
//                                           fails, it says so; bin/layerlab.mjs builds later)
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_DIST, checkNodeBuild, writeManifest, MANIFEST_NAME } from './node-build-manifest.mjs';
import { buildCpuAddon, CPU_ADDON_NAME, CPU_ADDON_SOURCE } from './build-cpu-addon.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const KERNELS = ['kernels-relaxed.wasm', 'kernels-simd.wasm'];

/**
 * Builds dist/node under root. Every file is written through a temporary name, the manifest
 * last, so a CLI starting meanwhile loads a whole earlier build or the whole new one. Files of
 * earlier builds are removed when they are older than `pruneOlderThanMs` (a long-running host
 * may still import an earlier chunk lazily; the automatic rebuild keeps them a day).
 */
export async function buildNode({ root = path.resolve(here, '..'), pruneOlderThanMs = 0, logLevel = 'warning' } = {}) {
  const esbuild = await import('esbuild');
  const startedMs = Date.now();
  const outdir = path.join(root, NODE_DIST);
  const common = {
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    metafile: true,
    write: false,
    logLevel,
    // esbuild: main/data/csv-range-bundle.ts imports it only when running from the sources.
    external: ['@tensorflow/*', 'onnxruntime-node', 'sharp', 'h5wasm', 'h5wasm/*', 'esbuild', 'tsx', 'tsx/*'],
  };
  const [modules, engine] = await Promise.all([
    esbuild.build({
      ...common,
      entryPoints: { cli: 'main/cli/main.ts', 'csv-range-worker': 'main/data/csv-range-worker.ts' },
      outdir,
      outExtension: { '.js': '.mjs' },
      splitting: true,
      format: 'esm',
      // Packages bundled from CommonJS (ws, papaparse, protobufjs) require Node's built-ins.
      banner: {
        js: "import { createRequire as __layerlabCreateRequire } from 'node:module';\nconst require = __layerlabCreateRequire(import.meta.url);",
      },
    }),
    // The engine is CommonJS: TensorFlow.js is CommonJS, and an ES module importing it makes Node
    // scan every file of it for its export names first (cjs-module-lexer: ~250 ms of the
    // engine's start). As in scripts/build-electron.mjs, import.meta.url is the bundle's URL.
    esbuild.build({
      ...common,
      entryPoints: { engine: 'main/engine/process/engine-main.ts' },
      outdir,
      outExtension: { '.js': '.cjs' },
      format: 'cjs',
      define: { 'import.meta.url': '__layerlabImportMetaUrl' },
      banner: { js: "const __layerlabImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    }),
    // Else esbuild's service process would outlive the build in a CLI that rebuilt (a host runs for hours).
  ]).finally(() => esbuild.stop());
  const result = {
    outputFiles: [...modules.outputFiles, ...engine.outputFiles],
    metafile: { inputs: { ...modules.metafile.inputs, ...engine.metafile.inputs } },
  };
  mkdirSync(outdir, { recursive: true });
  const outputs = [];
  const write = (file, contents) => {
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, contents);
    renameSync(temp, file);
    outputs.push(path.relative(outdir, file).split(path.sep).join('/'));
  };
  // Chunks first, entries after them: an entry never names a chunk that is not there yet.
  const isEntry = (file) => /^(cli\.mjs|engine\.cjs|csv-range-worker\.mjs)(\.map)?$/.test(path.basename(file));
  for (const file of [...result.outputFiles].sort((a, b) => Number(isEntry(a.path)) - Number(isEntry(b.path))))
    write(file.path, file.contents);
  for (const name of KERNELS)
    write(path.join(outdir, name), readFileSync(path.join(root, 'main/engine/process/accelerations/native', name)));

  // The CPU GEMM addon, when this machine can compile it (else the engine keeps its wasm GEMM).
  const addon = buildCpuAddon({ root, outFile: path.join(outdir, CPU_ADDON_NAME) });
  if (addon.built) outputs.push(CPU_ADDON_NAME);
  else console.warn(`layerlab: the engine's CPU addon was not built (${addon.reason}); it uses its wasm GEMM.`);

  const inputs = new Set(Object.keys(result.metafile.inputs).filter((file) => !file.includes(':')));
  for (const name of KERNELS) inputs.add(`main/engine/process/accelerations/native/${name}`);
  inputs.add(CPU_ADDON_SOURCE);
  for (const script of ['scripts/build-node.mjs', 'scripts/node-build-manifest.mjs', 'scripts/build-cpu-addon.mjs'])
    inputs.add(script);
  writeManifest(root, { inputs, outputs, startedMs });

  const keep = new Set([...outputs, MANIFEST_NAME, '.build-lock']);
  for (const name of readdirSync(outdir)) {
    if (keep.has(name)) continue;
    const file = path.join(outdir, name);
    const stat = statSync(file, { throwIfNoEntry: false });
    if (
      stat &&
      (name.endsWith('.tmp') ? startedMs - stat.mtimeMs > 600_000 : startedMs - stat.mtimeMs >= pruneOlderThanMs)
    )
      rmSync(file, { recursive: true, force: true });
  }
  return { outputs, inputs: inputs.size, ms: Date.now() - startedMs };
}

async function main() {
  const root = path.resolve(here, '..');
  const prepare = process.argv.includes('--prepare');
  if ((prepare || process.argv.includes('--if-stale')) && checkNodeBuild(root).fresh) return;
  try {
    const { outputs, inputs, ms } = await buildNode({ root });
    console.log(
      `Built ${NODE_DIST} (${outputs.filter((f) => !f.endsWith('.map')).length} files from ${inputs} inputs, ${ms} ms).`,
    );
  } catch (error) {
    if (!prepare) throw error;
    const why =
      error?.code === 'ERR_MODULE_NOT_FOUND'
        ? 'esbuild is not installed (a production install: the build in dist/node is used as it is)'
        : `the build failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
    console.warn(`layerlab: ${NODE_DIST} was not built: ${why}.`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
