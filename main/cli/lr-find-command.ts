import { trainCommand } from './train-command';

/**
 * `layerlab lr-find`: train's setup (import, task, template or graph, settings) and then the
 * LR range test alone on the run's model, optimizer and batches; prints the curve (rate against
 * smoothed loss, as a table with bars) and the suggested rate (lr-find-report.ts). Writes
 * nothing; exit 0.
 */
export async function lrFindCommand(args: string[], out: (line: string) => void): Promise<number> {
  return trainCommand(args, out, 'lr-find');
}
