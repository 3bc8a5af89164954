import { describe, expect, it } from 'vitest';
import { phaseAt, phaseProgressText } from '../../../app/progress/work-progress';
import { progressPrinter } from '../../../main/cli/progress-line';

const at = (index: number, done: number) =>
  phaseAt(['Reading the targets', 'Splitting the rows'][index]!, index, 2, {
    done,
    total: 100,
    unit: 'rows',
    seconds: 0,
  });

describe('the CLI progress line of work in phases', () => {
  it('on a terminal shows every new phase at once, even within the rewrite interval (a quick phase is not hidden behind the last one)', () => {
    const written: string[] = [];
    const line = progressPrinter('Preparing numbers.csv', { isTTY: true, write: (t) => written.push(t) }, 'auto');
    for (const p of [at(0, 0), at(0, 100), at(1, 0), at(1, 100)]) line.update(p, phaseProgressText(p));
    expect(written.map((t) => t.replaceAll('\r', '').replaceAll('\x1b[K', '').replaceAll('\n', ''))).toEqual([
      'Preparing numbers.csv: Step 1 of 2: Reading the targets · 0% · 0 of 100 rows',
      'Preparing numbers.csv: Step 1 of 2: Reading the targets · 100% · 100 of 100 rows',
      'Preparing numbers.csv: Step 2 of 2: Splitting the rows · 0% · 0 of 100 rows',
      'Preparing numbers.csv: Step 2 of 2: Splitting the rows · 100% · 100 of 100 rows',
    ]);
  });

  it('off a terminal writes a line per quarter of each phase', () => {
    const written: string[] = [];
    const line = progressPrinter('Preparing numbers.csv', { write: (t) => written.push(t) }, 'always');
    for (const p of [at(0, 0), at(0, 10), at(0, 100), at(1, 0), at(1, 60), at(1, 100)])
      line.update(p, phaseProgressText(p));
    expect(written.map((t) => t.split(' · ').slice(0, 2).join(' · ').trim())).toEqual([
      'Preparing numbers.csv: Step 1 of 2: Reading the targets · 0%',
      'Preparing numbers.csv: Step 1 of 2: Reading the targets · 100%',
      'Preparing numbers.csv: Step 2 of 2: Splitting the rows · 0%',
      'Preparing numbers.csv: Step 2 of 2: Splitting the rows · 60%',
      'Preparing numbers.csv: Step 2 of 2: Splitting the rows · 100%',
    ]);
  });
});
