import { UserError } from '../../app/ipc/errors';
import { appVersion } from '../services/create-services';
import { UsageError } from './cli-error';
import { exportCommand } from './export-command';
import { graphCommand } from './graph-command';
import { hostCommand } from './host-command';
import { inspectCommand } from './inspect-command';
import { trainCommand } from './train-command';
import { USAGE } from './usage';

/**
 * The CLI's front door: exit 0 on success, 2 for a usage mistake, 1 for bad data or a failed
 * run, always with one plain line and never a stack trace (set LAYERLAB_DEBUG=1 for those).
 */
export async function main(argv: string[]): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const fail = (line: string, code: number) => {
    process.stderr.write(`layerlab: ${line}\n`);
    return code;
  };
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'train':
        return await trainCommand(rest, out);
      case 'host':
        return await hostCommand(rest, out);
      case 'inspect':
        return await inspectCommand(rest, out);
      case 'graph':
        return await graphCommand(rest, out);
      case 'export':
        return await exportCommand(rest, out);
      case '--version':
      case '-v':
        out(appVersion());
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        return fail(`unknown command "${command}". Run "layerlab --help".`, 2);
    }
  } catch (error) {
    if (process.env.LAYERLAB_DEBUG) console.error(error);
    if (error instanceof UsageError) return fail(`${error.message} Run "layerlab --help".`, 2);
    if (error instanceof UserError) return fail(error.message, 1);
    return fail(`unexpected error: ${error instanceof Error ? error.message : String(error)}`, 1);
  }
}
