import { createWriteStream } from 'node:fs';

/** The numeric CSV the import benches read: ROWS × 21 numbers, the same bytes for the same row count. */
export const NUMERIC_COLUMNS = 21;

export async function writeNumericCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  let seed = 1;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  out.write(`${Array.from({ length: NUMERIC_COLUMNS }, (_, i) => `c${i}`).join(',')}\n`);
  let buffer = '';
  for (let r = 0; r < rows; r += 1) {
    const cells: string[] = [];
    for (let c = 0; c < NUMERIC_COLUMNS; c += 1) cells.push((random() * 100).toFixed(4));
    buffer += `${cells.join(',')}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      buffer = '';
    }
  }
  await new Promise<void>((resolve, reject) => out.end(buffer, () => resolve()).once('error', reject));
}
