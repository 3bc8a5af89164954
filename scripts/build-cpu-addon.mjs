// Compiles the engine's CPU GEMM (main/engine/process/accelerations/cpu/gemm.c) into a Node-API
// addon with the machine's C compiler: `node scripts/build-cpu-addon.mjs OUT_FILE`, or
// buildCpuAddon() from scripts/build-node.mjs and scripts/build-electron.mjs. Node-API is
// ABI-stable, so the one binary loads in Node 20 and in Electron's newer Node.
//
// The addon is optional. Without a C compiler (CC, else cc), without Node's headers
// (node_api.h: npm_config_nodedir, else beside the running node), or on a platform where the
// compile is not set up here (Windows: node-gyp territory), this says why and the engine runs its
// wasm kernels instead; nothing fails.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CPU_ADDON_SOURCE = 'main/engine/process/accelerations/cpu/gemm.c';
export const CPU_ADDON_NAME = 'layerlab-cpu.node';

/** The folder holding node_api.h for the running Node, or null. */
function nodeHeaders() {
  const candidates = [
    process.env['npm_config_nodedir'] && path.join(process.env['npm_config_nodedir'], 'include', 'node'),
    path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter(Boolean);
  return candidates.find((dir) => existsSync(path.join(dir, 'node_api.h'))) ?? null;
}

/**
 * Builds the addon into outFile (through a temporary name). Returns { built: true } or
 * { built: false, reason }.
 */
export function buildCpuAddon({ root = path.resolve(here, '..'), outFile }) {
  if (process.platform === 'win32') return { built: false, reason: 'the addon is not built on Windows yet' };
  if (process.env['LAYERLAB_CPU_ADDON'] === 'off') return { built: false, reason: 'LAYERLAB_CPU_ADDON=off' };
  const headers = nodeHeaders();
  if (!headers) return { built: false, reason: "Node's headers (node_api.h) were not found" };
  const cc = process.env['CC'] || 'cc';
  const temp = `${outFile}.${process.pid}.tmp`;
  mkdirSync(path.dirname(outFile), { recursive: true });
  const args = [
    '-O3',
    '-std=gnu11',
    '-shared',
    '-fPIC',
    '-pthread',
    '-fvisibility=hidden',
    '-Wall',
    `-I${headers}`,
    '-DNODE_GYP_MODULE_NAME=layerlab_cpu',
    ...(process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : []),
    path.join(root, CPU_ADDON_SOURCE),
    '-o',
    temp,
  ];
  const result = spawnSync(cc, args, { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    rmSync(temp, { force: true });
    const detail = result.error
      ? result.error.message
      : (result.stderr || '').trim().split('\n').slice(0, 3).join(' ') || `exit ${result.status}`;
    return { built: false, reason: `${cc} failed: ${detail}` };
  }
  renameSync(temp, outFile);
  return { built: true };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node scripts/build-cpu-addon.mjs OUT_FILE');
    process.exit(2);
  }
  const result = buildCpuAddon({ outFile: path.resolve(out) });
  if (!result.built) {
    console.error(`layerlab: the CPU addon was not built: ${result.reason}.`);
    process.exit(1);
  }
  console.log(`Built ${out}.`);
}
