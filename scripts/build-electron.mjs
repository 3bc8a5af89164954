// Bundles the Electron shell (main, preload) and the engine entry into dist/electron as
// CommonJS, the form Electron loads. TensorFlow.js, onnxruntime-node and sharp stay external:
// they are resolved from node_modules at run time (the wasm backend loads its .wasm files from
// there; the other two load native binaries chosen by platform).
import { build } from 'esbuild';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCpuAddon, CPU_ADDON_NAME } from './build-cpu-addon.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // esbuild: main/data/csv-range-bundle.ts imports it only when running from the sources.
  external: ['electron', '@tensorflow/*', 'onnxruntime-node', 'sharp', 'esbuild'],
  // Our ESM sources find files relative to import.meta.url; give the CJS bundle the same.
  define: { 'import.meta.url': '__layerlabImportMetaUrl' },
  banner: { js: "const __layerlabImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
};

await Promise.all([
  build({
    ...common,
    entryPoints: [path.join(root, 'main/electron/main.ts')],
    outfile: path.join(root, 'dist/electron/main.cjs'),
  }),
  build({
    ...common,
    entryPoints: [path.join(root, 'main/electron/preload.ts')],
    outfile: path.join(root, 'dist/electron/preload.cjs'),
    define: {},
    banner: {},
  }),
  build({
    ...common,
    entryPoints: [path.join(root, 'main/engine/process/engine-main.ts')],
    outfile: path.join(root, 'dist/electron/engine.cjs'),
  }),
  // The second thread of a large CSV import (main/data/csv-range-thread.ts looks for it here).
  build({
    ...common,
    entryPoints: [path.join(root, 'main/data/csv-range-worker.ts')],
    outfile: path.join(root, 'dist/electron/csv-range-worker.cjs'),
  }),
]);
// The engine's own wasm kernels are read from beside the engine's code (import.meta.url).
for (const name of ['kernels-relaxed.wasm', 'kernels-simd.wasm']) {
  await copyFile(
    path.join(root, 'main/engine/process/accelerations/native', name),
    path.join(root, 'dist/electron', name),
  );
}
// The CPU GEMM addon, where this machine compiles it (the engine loads it from beside its code).
const addon = buildCpuAddon({ root, outFile: path.join(root, 'dist/electron', CPU_ADDON_NAME) });
if (!addon.built) console.warn(`layerlab: the engine's CPU addon was not built (${addon.reason}).`);
console.log('Built dist/electron (main.cjs, preload.cjs, engine.cjs, csv-range-worker.cjs).');
