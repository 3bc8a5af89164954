// `npm run bench:startup [-- --runs N]`: how long Layerlab takes to start, as whole processes,
// from the compiled build (dist/node, scripts/build-node.mjs) beside the TypeScript sources run
// through tsx (what bin/layerlab.mjs did before the build existed), measured in the same rounds:
//   --help        node bin/layerlab.mjs --help, to its exit           (target ≤ 0.3 s)
//   inspect       node bin/layerlab.mjs inspect resources/iris.csv   (no target; for comparison)
//   engine ready  fork of the engine entry to its "ready" message, which it sends once it has
//                 chosen and probed a TensorFlow.js backend             (target ≤ 1 s)
// Each figure is the min and median of N runs (default 7), compiled and tsx alternating so that
// both see the same load. No figure is asserted: this machine is shared, so the load average
// is printed beside them.
import { fork, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkNodeBuild } from '../scripts/node-build-manifest.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Math.max(1, Number(values.runs) || 7);
const bin = path.join(root, 'bin', 'layerlab.mjs');
const tsxUrl = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(
  /index\.cjs$/,
  'index.mjs',
);
const sourceMain = pathToFileURL(path.join(root, 'main', 'cli', 'main.ts')).href;
// The CLI as bin/layerlab.mjs ran it before: tsx registered, then the sources imported. A file,
// not -e: `node -e CODE -- inspect …` would start Node's debugger.
const tsxCli = path.join(os.tmpdir(), `layerlab-startup-tsx-${process.pid}.mjs`);
writeFileSync(
  tsxCli,
  `const { register } = await import(${JSON.stringify(tsxApi)});\nregister();\nconst { main } = await import(${JSON.stringify(sourceMain)});\nprocess.exitCode = await main(process.argv.slice(2));\n`,
);
process.on('exit', () => rmSync(tsxCli, { force: true }));

/** Wall time of a whole process, from spawn to exit, in seconds; throws if it fails. */
function timeProcess(args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LAYERLAB_DEBUG: '' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve((performance.now() - started) / 1000)
        : reject(new Error(`${args.join(' ')} exited ${code}: ${stderr.trim()}`)),
    );
  });
}

/** Seconds from fork of an engine entry to its "ready" event; the engine is then disconnected (it exits). */
function timeEngineReady(entry, execArgv) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = fork(entry, [], {
      cwd: root,
      execArgv,
      serialization: 'json',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    let ready = null;
    child.on('message', (message) => {
      if (message?.type === 'ready' && ready === null) {
        ready = { seconds: (performance.now() - started) / 1000, backend: message.backend?.name ?? '?' };
        child.disconnect();
      } else if (message?.type === 'error') {
        child.kill();
        reject(new Error(`the engine failed to start: ${message.error}`));
      }
    });
    child.on('exit', (code) =>
      ready
        ? resolve(ready)
        : reject(
            new Error(`the engine exited (${code}) before it was ready: ${stderr.trim().split('\n').pop() ?? ''}`),
          ),
    );
  });
}

const cases = [
  {
    name: '--help',
    target: 0.3,
    compiled: () => timeProcess([bin, '--help']),
    tsx: () => timeProcess([tsxCli, '--help']),
  },
  {
    name: 'inspect resources/iris.csv',
    target: null,
    compiled: () => timeProcess([bin, 'inspect', 'resources/iris.csv']),
    tsx: () => timeProcess([tsxCli, 'inspect', 'resources/iris.csv']),
  },
  {
    name: 'engine ready',
    target: 1,
    compiled: async () => (await timeEngineReady(path.join(root, 'dist', 'node', 'engine.cjs'), [])).seconds,
    tsx: async () =>
      (await timeEngineReady(path.join(root, 'main', 'engine', 'process', 'engine-main.ts'), ['--import', tsxUrl]))
        .seconds,
  },
];

// A first run builds dist/node if it is stale (bin does that) and warms the file cache.
const before = checkNodeBuild(root);
await timeProcess([bin, '--version']);
const { backend } = await timeEngineReady(path.join(root, 'dist', 'node', 'engine.cjs'), []);
console.log(
  `Startup, ${runs} runs each (min / median), Node ${process.version}, ${os.cpus().length} CPUs, load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  `dist/node ${before.fresh ? 'was current' : `was rebuilt first (${before.reason})`}; the engine chose the ${backend} backend.\n`,
);

const fmt = (s) => `${s.toFixed(3)} s`;
const stats = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return { min: sorted[0], median: sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2 };
};
const rows = [];
for (const c of cases) {
  const compiled = [];
  const tsx = [];
  for (let i = 0; i < runs; i++) {
    compiled.push(await c.compiled());
    tsx.push(await c.tsx());
  }
  const a = stats(compiled);
  const b = stats(tsx);
  const verdict = c.target === null ? '' : a.median <= c.target ? `≤ ${c.target} s: met` : `> ${c.target} s: missed`;
  rows.push([
    c.name,
    `${fmt(a.min)} / ${fmt(a.median)}`,
    c.target === null ? '—' : `≤ ${c.target} s`,
    verdict,
    `${fmt(b.min)} / ${fmt(b.median)}`,
    `${(b.median / a.median).toFixed(1)}×`,
  ]);
}
const header = ['', 'compiled (dist/node)', 'target', 'median', 'tsx (sources)', 'tsx / compiled'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
for (const row of [header, ...rows])
  console.log(
    row
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
console.log(
  `\nload average after: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
