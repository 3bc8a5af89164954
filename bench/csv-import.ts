/**
 * CSV import benchmark: `node --import tsx bench/csv-import.ts [--rows N] [--threads auto,1,2] [--keep]`.
 *
 * Writes a ROWS × 21 numeric CSV (default 1,000,000 rows, ~165 MB) into bench/.cache once, imports
 * it through the app's real import (importCsvFile: streaming read, typed columns, profile,
 * column files) in a child process so that its peak RSS is the import's alone, then times
 * pandas' read_csv on the same file when /usr/bin/python3 has pandas, and prints both.
 * `--threads`: the imports to run, one child each, in that order: `auto` (the app's own choice:
 * a second thread only when another core is idle as the import starts), `1` or `2` (forced), so
 * that one run says what the second thread bought. Past 256 MiB of columns (~1.6M rows of 21)
 * the import writes its columns as it reads them (column-spill.ts), and `2` is its two-thread
 * segment reader (csv-reader.ts, readSegments).
 * Targets: ≥ 1.0× pandas' rows/s; peak RSS ≤ 2 × final column bytes + 200 MB, and ≤ 1 GB for an
 * import that writes as it reads (issue 19).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
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
async function child(file: string, datasetsDir: string, threads: string): Promise<void> {
  const { importCsvFile } = await import('../main/data');
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let lastShown = 0;
  const meta = await importCsvFile({
    path: file,
    datasetsDir,
    ...(threads === 'auto' ? {} : { split: threads === '2' }),
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

function pandasRowsPerSecond(
  file: string,
): { rowsPerSecond: number; seconds: number; cpuSeconds: number; peakRss: number } | null {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return null;
  // CPU time of the read (all threads) and the process's peak RSS, beside ours.
  const script =
    'import sys,time,resource\nimport pandas as pd\nt=time.perf_counter()\nc=time.process_time()\ndf=pd.read_csv(sys.argv[1])\ns=time.perf_counter()-t\nprint(len(df), s, time.process_time()-c, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss*1024)';
  const run = spawnSync(python, ['-c', script, file], { encoding: 'utf8' });
  if (run.status !== 0) return null;
  const [rows, seconds, cpuSeconds, peakRss] = run.stdout.trim().split(' ').map(Number);
  return rows && seconds
    ? { rowsPerSecond: rows / seconds, seconds, cpuSeconds: cpuSeconds ?? NaN, peakRss: peakRss ?? NaN }
    : null;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string' },
      keep: { type: 'boolean' },
      child: { type: 'string' },
      out: { type: 'string' },
      threads: { type: 'string', default: 'auto' },
    },
  });
  const modes = (values.threads ?? 'auto').split(',');
  if (modes.some((m) => !['auto', '1', '2'].includes(m))) throw new Error('--threads: auto, 1 or 2, comma-separated');
  if (values.child && values.out) return child(values.child, values.out, modes[0] as string);
  const rows = Number(values.rows ?? 1_000_000);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'layerlab-bench-'));
  try {
    // Written once into bench/.cache (gitignored) as bench:big does, the same bytes for the same rows.
    const cache = path.join(path.dirname(fileURLToPath(import.meta.url)), '.cache');
    const file = path.join(cache, `numeric-${rows}.csv`);
    if (!existsSync(file)) {
      process.stdout.write(`Writing ${rows.toLocaleString('en')} rows × ${COLUMNS} columns...\n`);
      await mkdir(cache, { recursive: true });
      await writeCsv(`${file}.part`, rows);
      await rename(`${file}.part`, file);
    }
    const size = (await stat(file)).size;
    process.stdout.write(`${file}: ${(size / 1e6).toFixed(1)} MB\n`);

    // Running from the sources, the second reading thread starts from a bundle that is built
    // once per version of its sources (csv-range-bundle.ts): built here, not in the timed import.
    const { rangeWorkerBundle } = await import('../main/data/csv-range-bundle');
    if ((await rangeWorkerBundle()) === null)
      process.stdout.write(
        'No worker bundle (esbuild failed): a second reading thread would load through tsx (~0.6 s more CPU).\n',
      );
    // Every side reads the file from the page cache: read once here first, untimed (otherwise the
    // first import pays the disk and the others do not).
    for await (const _ of createReadStream(file, { highWaterMark: 1 << 22 })) void _;
    const self = fileURLToPath(import.meta.url);
    const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`;
    const results: { mode: string; rate: number; seconds: number }[] = [];
    for (const mode of modes) {
      const out = path.join(dir, `datasets-${mode}`);
      const output = execFileSync(
        process.execPath,
        ['--import', 'tsx', self, '--child', file, '--out', out, '--threads', mode],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
      );
      const ours = JSON.parse(output) as {
        rows: number;
        seconds: number;
        cpuSeconds: number;
        peakRss: number;
        columnBytes: number;
      };
      if (!values.keep) await rm(out, { recursive: true, force: true });
      const oursRate = ours.rows / ours.seconds;
      results.push({ mode, rate: oursRate, seconds: ours.seconds });
      const spills = ours.columnBytes > 256 * 1024 * 1024;
      const rssLimit = spills ? 1024 ** 3 : 2 * ours.columnBytes + 200e6;
      const threads = mode === 'auto' ? 'threads: auto' : `${mode} thread${mode === '1' ? '' : 's'}`;
      process.stdout.write(
        `layerlab import (${threads}${spills ? ', columns written as read' : ''}): ${ours.rows.toLocaleString('en')} rows in ${ours.seconds.toFixed(2)} s = ${Math.round(oursRate).toLocaleString('en')} rows/s; load ${(os.loadavg()[0] ?? 0).toFixed(1)}\n`,
      );
      process.stdout.write(
        `  CPU time ${ours.cpuSeconds.toFixed(2)} s, all threads (above the wall time when the second thread read)\n`,
      );
      process.stdout.write(
        `  peak RSS ${mb(ours.peakRss)}; column bytes ${mb(ours.columnBytes)}; limit ${spills ? '1 GB' : `2 × columns + 200 MB = ${mb(rssLimit)}`} (${ours.peakRss <= rssLimit ? 'met' : 'NOT met'})\n`,
      );
    }
    const pandas = pandasRowsPerSecond(file);
    if (pandas) {
      process.stdout.write(
        `pandas read_csv: ${pandas.seconds.toFixed(2)} s = ${Math.round(pandas.rowsPerSecond).toLocaleString('en')} rows/s; CPU time ${pandas.cpuSeconds.toFixed(2)} s; peak RSS ${mb(pandas.peakRss)}\n`,
      );
      for (const { mode, rate } of results) {
        const ratio = rate / pandas.rowsPerSecond;
        process.stdout.write(
          `  ratio layerlab (threads: ${mode}) / pandas = ${ratio.toFixed(2)}× (target ≥ 1.0×: ${ratio >= 1 ? 'met' : 'NOT met'})\n`,
        );
      }
      const load = os.loadavg()[0] ?? 0;
      process.stdout.write(
        `load average (1 min) ${load.toFixed(2)} after pandas, on ${os.cpus().length} CPUs: figures from a busy machine swing\n`,
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
