/**
 * Run by csv-spill.test.ts in a fresh process (run with --expose-gc): imports the CSV argv[2]
 * into argv[3] with a column budget of argv[4] bytes (0: the default) and prints the most
 * ArrayBuffer memory (typed arrays, Buffers: where an import's columns live) it held above its
 * start, sampled at every progress report while it reads the file, as JSON.
 */
import { importCsvFile } from '../../../main/data';

const [file, datasetsDir, budget] = process.argv.slice(2);
if (!file || !datasetsDir) throw new Error('usage: spill-memory-child.ts CSV DATASETS_DIR BUDGET');
(globalThis as { gc?: () => void }).gc?.();
const before = process.memoryUsage().arrayBuffers;
let peak = 0;
const memoryBytes = Number(budget);
const meta = await importCsvFile({
  path: file,
  datasetsDir,
  ...(memoryBytes > 0 ? { memoryBytes } : {}),
  onProgress: (p) => {
    // While it reads (profiling after it loads one column at a time, leaving garbage for the GC).
    if (p.profiled) return;
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
  },
});
process.stdout.write(JSON.stringify({ rows: meta.rows, peak }));
