#!/usr/bin/env node
// Runs the compiled CLI, dist/node/cli.mjs (scripts/build-node.mjs; `npm install` builds it). A
// checkout whose sources changed since that build is rebuilt first, which takes a second or two:
// the build's manifest holds the size and mtime of every file it read, and checking them costs a
// few milliseconds. Without esbuild (a production install, where nothing is edited) the build is
// trusted as it is. Nothing is transpiled at run time: no TypeScript loader here, nor in the engine process or
// the CSV reader's worker, which run from the same build.
import { existsSync, mkdirSync, openSync, closeSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkNodeBuild, NODE_DIST } from '../scripts/node-build-manifest.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, NODE_DIST, 'cli.mjs');

function fail(line) {
  process.stderr.write(`layerlab: ${line}\n`);
  process.exit(1);
}

function hasEsbuild() {
  try {
    createRequire(import.meta.url).resolve('esbuild');
    return true;
  } catch {
    return false;
  }
}

/**
 * Rebuilds under a lock file, so that CLIs started together (tests, scripts) build once: the
 * others wait for the lock to go, then find the build current. A lock older than two minutes is
 * left over from a killed build and is taken over.
 */
async function rebuild() {
  const lock = path.join(root, NODE_DIST, '.build-lock');
  mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch (error) {
      if (error?.code !== 'EEXIST') throw error;
      const stat = statSync(lock, { throwIfNoEntry: false });
      if (stat && Date.now() - stat.mtimeMs > 120_000) rmSync(lock, { force: true });
      else await sleep(100);
      if (checkNodeBuild(root).fresh) return;
    }
  }
  try {
    if (checkNodeBuild(root).fresh) return;
    const { buildNode } = await import('../scripts/build-node.mjs');
    await buildNode({ root, logLevel: 'silent', pruneOlderThanMs: 24 * 3600_000 });
  } finally {
    rmSync(lock, { force: true });
  }
}

const check = checkNodeBuild(root);
if (!check.fresh) {
  if (hasEsbuild()) {
    if (process.env.LAYERLAB_DEBUG) process.stderr.write(`layerlab: rebuilding ${NODE_DIST} (${check.reason})\n`);
    try {
      await rebuild();
    } catch (error) {
      const first = error?.errors?.[0];
      const where = first?.location ? `${first.location.file}:${first.location.line}: ` : '';
      fail(
        `building the CLI failed (node scripts/build-node.mjs shows why): ${where}${first?.text ?? (error instanceof Error ? error.message : String(error))}`,
      );
    }
  } else if (!existsSync(cli)) {
    fail(
      `the CLI is not built (${NODE_DIST}/cli.mjs is missing) and esbuild is not installed to build it: run "npm install" in ${root}.`,
    );
  }
}
const { main } = await import(pathToFileURL(cli).href);
process.exitCode = await main(process.argv.slice(2));
