/**
 * Run by csv-limits.test.ts in a child process whose open-file limit is lowered: imports the
 * CSV given as argv[2] into the datasets folder argv[3], reads its columns back and prints
 * them (each column's cells as text) as JSON on stdout.
 */
import { join } from 'node:path';
import { cellText, importCsvFile, loadColumns } from '../../../main/data';

const [file, datasetsDir] = process.argv.slice(2);
if (!file || !datasetsDir) throw new Error('usage: wide-import-child.ts CSV DATASETS_DIR');
try {
  const meta = await importCsvFile({ path: file, datasetsDir });
  const columns = await loadColumns(join(datasetsDir, meta.id), meta);
  const cells = columns.map((column) => Array.from({ length: meta.rows }, (_, row) => cellText(column, row)));
  process.stdout.write(JSON.stringify({ rows: meta.rows, names: meta.columns.map((c) => c.name), cells }));
} catch (error) {
  process.stdout.write(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
}
