import { describe, expect, it } from 'vitest';
import { progressLine } from '../../../main/cli/inspect-command';
import { csvImportProgressText } from '../../../app/progress/work-progress';

describe("the CLI's CSV import progress", () => {
  it('prints the words the app shows, a line per quarter off a terminal, then each column profiled', () => {
    const lines: string[] = [];
    const stream = { write: (text: string) => lines.push(text), isTTY: false };
    const show = progressLine('big.csv', stream, 'always');
    const total = 4 * 2 ** 20;
    for (let i = 0; i <= 8; i++) show({ bytesRead: (i * total) / 8, totalBytes: total, rows: i * 1000 });
    for (let c = 1; c <= 3; c++)
      show({ bytesRead: total, totalBytes: total, rows: 8000, profiled: { done: c, total: 3 } });
    expect(lines).toEqual([
      'Importing big.csv: 0% · 0 rows · 0 B of 4.00 MiB\n',
      'Importing big.csv: 25% · 2,000 rows · 1.00 MiB of 4.00 MiB\n',
      'Importing big.csv: 50% · 4,000 rows · 2.00 MiB of 4.00 MiB\n',
      'Importing big.csv: 75% · 6,000 rows · 3.00 MiB of 4.00 MiB\n',
      'Importing big.csv: 100% · 8,000 rows · 4.00 MiB of 4.00 MiB\n',
      'Importing big.csv: 100% · 8,000 rows · 4.00 MiB of 4.00 MiB · profiling column 1 of 3\n',
      'Importing big.csv: 100% · 8,000 rows · 4.00 MiB of 4.00 MiB · profiling column 2 of 3\n',
      'Importing big.csv: 100% · 8,000 rows · 4.00 MiB of 4.00 MiB · profiling column 3 of 3\n',
    ]);
    // The app's import panel words it with the same function.
    expect(
      csvImportProgressText({ bytesRead: 1, totalBytes: 2, rows: 3, bytesPerSecond: 2 ** 20, secondsLeft: 61 }),
    ).toBe('50% · 3 rows · 1 B of 2 B · 1.00 MiB/s · about 1 min 1 s left');
  });

  it('prints nothing with LAYERLAB_PROGRESS=never', () => {
    const lines: string[] = [];
    const show = progressLine('big.csv', { write: (text: string) => lines.push(text), isTTY: true }, 'never');
    show({ bytesRead: 1, totalBytes: 2, rows: 3 });
    expect(lines).toEqual([]);
  });
});
