/**
 * CSV import benchmark: `node --import tsx bench/csv-import.ts [--rows N] [--keep]`.
 *
 * Writes a ROWS × 21 numeric CSV (default 1,000,000 rows, ~165 MB) into a temp folder, imports
 * it through the app's real import (importCsvFile: streaming read, typed columns, profile,
 * column files) in a child process so that its peak RSS is the import's alone, then times
 * pandas' read_csv on the same file when /usr/bin/python3 has pandas, and prints both.
 * Targets: ≥ 1.0× pandas' rows/s; peak RSS ≤ 2 × final column bytes + 200 MB.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NUMERIC_COLUMNS, writeNumericCsv } from './numeric-csv';

const COLUMNS = NUMERIC_COLUMNS;
const writeCsv = writeNumericCsv;

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.(f64|i32)$/.test(entry.name))
      total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/** The child: one import, its figures as JSON on stdout. */
async function child(file: string, datasetsDir: string): Promise<void> {
  const { importCsvFile } = await import('../main/data');
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let lastShown = 0;
  const meta = await importCsvFile({
    path: file,
    datasetsDir,
    onProgress: ({ bytesRead, totalBytes }) => {
      const percent = Math.floor((100 * bytesRead) / totalBytes);
      if (percent >= lastShown + 10) {
        lastShown = percent;
        process.stderr.write(`  import ${percent}%\r`);
      }
    },
  });
  const seconds = (performance.now() - started) / 1000;
  // CPU time of every thread: above the wall time when the second reading thread helped.
  const cpu = process.cpuUsage(cpuBefore);
  process.stderr.write('\n');
  process.stdout.write(
    JSON.stringify({
      rows: meta.rows,
      columns: meta.columns.length,
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      peakRss: process.resourceUsage().maxRSS * 1024,
      columnBytes: await dirBytes(datasetsDir),
    }),
  );
}

function pandasRowsPerSecond(file: string): { rowsPerSecond: number; seconds: number } | null {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return null;
  const script =
    'import sys,time\nimport pandas as pd\nt=time.perf_counter()\ndf=pd.read_csv(sys.argv[1])\ns=time.perf_counter()-t\nprint(len(df), s)';
  const run = spawnSync(python, ['-c', script, file], { encoding: 'utf8' });
  if (run.status !== 0) return null;
  const [rows, seconds] = run.stdout.trim().split(' ').map(Number);
  return rows && seconds ? { rowsPerSecond: rows / seconds, seconds } : null;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string' },
      keep: { type: 'boolean' },
      child: { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (values.child && values.out) return child(values.child, values.out);
  const rows = Number(values.rows ?? 1_000_000);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'layerlab-bench-'));
  try {
    const file = path.join(dir, 'numeric.csv');
    process.stdout.write(`Writing ${rows.toLocaleString('en')} rows × ${COLUMNS} columns...\n`);
    await writeCsv(file, rows);
    const size = (await stat(file)).size;
    process.stdout.write(`${file}: ${(size / 1e6).toFixed(1)} MB\n`);

    // Running from the sources, the second reading thread starts from a bundle that is built
    // once per version of its sources (csv-range-bundle.ts): built here, not in the timed import.
    const { rangeWorkerBundle } = await import('../main/data/csv-range-bundle');
    if ((await rangeWorkerBundle()) === null)
      process.stdout.write(
        'No worker bundle (esbuild failed): a second reading thread would load through tsx (~0.6 s more CPU).\n',
      );
    const self = fileURLToPath(import.meta.url);
    const output = execFileSync(
      process.execPath,
      ['--import', 'tsx', self, '--child', file, '--out', path.join(dir, 'datasets')],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
    );
    const loadBefore = os.loadavg()[0] ?? 0;
    const ours = JSON.parse(output) as {
      rows: number;
      seconds: number;
      cpuSeconds: number;
      peakRss: number;
      columnBytes: number;
    };
    const oursRate = ours.rows / ours.seconds;
    const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`;
    const rssLimit = 2 * ours.columnBytes + 200e6;
    process.stdout.write(
      `layerlab import: ${ours.rows.toLocaleString('en')} rows in ${ours.seconds.toFixed(2)} s = ${Math.round(oursRate).toLocaleString('en')} rows/s\n`,
    );
    process.stdout.write(
      `  CPU time ${ours.cpuSeconds.toFixed(2)} s, all threads (a second thread reads the file's tail when another core is idle at the start; CPU time above the wall time shows it did)\n`,
    );
    process.stdout.write(
      `  peak RSS ${mb(ours.peakRss)}; column bytes ${mb(ours.columnBytes)}; limit 2 × columns + 200 MB = ${mb(rssLimit)} (${ours.peakRss <= rssLimit ? 'met' : 'NOT met'})\n`,
    );
    const pandas = pandasRowsPerSecond(file);
    if (pandas) {
      const ratio = oursRate / pandas.rowsPerSecond;
      process.stdout.write(
        `pandas read_csv: ${pandas.seconds.toFixed(2)} s = ${Math.round(pandas.rowsPerSecond).toLocaleString('en')} rows/s\n`,
      );
      process.stdout.write(
        `  ratio layerlab / pandas = ${ratio.toFixed(2)}× (target ≥ 1.0×: ${ratio >= 1 ? 'met' : 'NOT met'})\n`,
      );
      const load = os.loadavg()[0] ?? 0;
      process.stdout.write(
        `load average (1 min) ${loadBefore.toFixed(2)} after the import, ${load.toFixed(2)} after pandas, on ${os.cpus().length} CPUs: figures from a busy machine swing\n`,
      );
    } else {
      process.stdout.write(
        'pandas: not measured (/usr/bin/python3 has no pandas; apt-get install -y python3-pandas)\n',
      );
    }
  } finally {
    if (values.keep) process.stdout.write(`Kept ${dir}\n`);
    else await rm(dir, { recursive: true, force: true });
  }
}

await main();
