// The compiled Node side (dist/node, scripts/build-node.mjs) and how bin/layerlab.mjs knows it is
// current. The build writes dist/node/build-manifest.json: every file esbuild read (our sources
// and the packages bundled with them), the build scripts and the copied wasm kernels, each with
// its size and modification time. The build is current while every one of them still has both:
// a few hundred stat calls, ~2 ms. No esbuild here: bin imports this on every start, and a
// production install has no esbuild.
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The folder of the compiled Node side, relative to the package root. */
export const NODE_DIST = path.join('dist', 'node');
export const MANIFEST_NAME = 'build-manifest.json';
const VERSION = 1;

/** The manifest's path for the package at root. */
export function manifestPath(root) {
  return path.join(root, NODE_DIST, MANIFEST_NAME);
}

/** [size, mtimeMs] of a file, or null when it is gone. */
function fingerprint(file) {
  const stat = statSync(file, { throwIfNoEntry: false });
  return stat ? [stat.size, stat.mtimeMs] : null;
}

/**
 * Whether the compiled build under root is current: `{ fresh: true }`, or `{ fresh: false,
 * reason }` naming the first file that changed (or why the manifest cannot be trusted).
 * `outputs` (the built files) must exist too.
 */
export function checkNodeBuild(root) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath(root), 'utf8'));
  } catch {
    return { fresh: false, reason: 'no build yet' };
  }
  if (manifest?.version !== VERSION || typeof manifest.inputs !== 'object' || !Array.isArray(manifest.outputs))
    return { fresh: false, reason: 'an unreadable build manifest' };
  for (const [file, recorded] of Object.entries(manifest.inputs)) {
    const now = fingerprint(path.join(root, file));
    if (now === null) return { fresh: false, reason: `${file} is gone` };
    if (!Array.isArray(recorded) || now[0] !== recorded[0] || now[1] !== recorded[1])
      return { fresh: false, reason: `${file} changed` };
  }
  for (const file of manifest.outputs) {
    if (fingerprint(path.join(root, NODE_DIST, file)) === null)
      return { fresh: false, reason: `${NODE_DIST}/${file} is missing` };
  }
  return { fresh: true };
}

/**
 * Writes the manifest for a build that started at `startedMs` and read `inputs` (paths relative
 * to root, with /) to write `outputs` (relative to dist/node). A file changed after the build
 * started may not be what was compiled: it gets no fingerprint, so the next check rebuilds.
 */
export function writeManifest(root, { inputs, outputs, startedMs }) {
  const fingerprints = {};
  for (const file of [...inputs].sort()) {
    const now = fingerprint(path.join(root, file));
    fingerprints[file] = now === null || now[1] >= startedMs ? [-1, -1] : now;
  }
  const target = manifestPath(root);
  const temp = `${target}.${process.pid}.tmp`;
  writeFileSync(
    temp,
    `${JSON.stringify({ version: VERSION, inputs: fingerprints, outputs: [...outputs].sort() }, null, 1)}\n`,
  );
  renameSync(temp, target);
}
