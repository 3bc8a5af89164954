import { UserError } from '../../app/ipc/errors';
import { systemErrorSentence } from '../data/fs-errors';
import { discardPrestartedEngine, prestartEngine } from '../engine/client/engine-channel';
import { appVersion } from '../package-root';
import { UsageError } from './cli-error';
import { commandUsage, USAGE } from './usage';

/**
 * The CLI's front door: exit 0 on success, 2 for a usage mistake, 1 for bad data or a failed
 * run, always with one plain line and never a stack trace (set LAYERLAB_DEBUG=1 for those).
 * Each command is imported when it runs: compiled (scripts/build-node.mjs), every dynamic import
 * is a chunk of its own, so `--help` loads none of them.
 */
export async function main(argv: string[]): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const fail = (line: string, code: number) => {
    process.stderr.write(`layerlab: ${line}\n`);
    return code;
  };
  const [command, ...rest] = argv;
  // `layerlab COMMAND --help` (or -h): that command's usage, exit 0, nothing run.
  if (command !== undefined && (rest.includes('--help') || rest.includes('-h'))) {
    const usage = commandUsage(command);
    if (usage) {
      out(usage);
      return 0;
    }
  }
  // The commands that train start the engine process first thing, so it gets ready on the other
  // core while the command's code loads and the data is read (engine-channel.ts, prestartEngine).
  if (command === 'train' || command === 'lr-find' || command === 'tune') prestartEngine();
  try {
    switch (command) {
      case 'train':
        return await (await import('./train-command')).trainCommand(rest, out);
      case 'host':
        return await (await import('./host-command')).hostCommand(rest, out);
      case 'inspect':
        return await (await import('./inspect-command')).inspectCommand(rest, out);
      case 'graph':
        return await (await import('./graph-command')).graphCommand(rest, out);
      case 'lr-find':
        return await (await import('./lr-find-command')).lrFindCommand(rest, out);
      case 'export':
        return await (await import('./export-command')).exportCommand(rest, out);
      case 'runs':
        return await (await import('./runs-command')).runsCommand(rest, out);
      case 'reproduce':
        return await (await import('./reproduce-command')).reproduceCommand(rest, out);
      case 'tune':
        return await (await import('./tune-command')).tuneCommand(rest, out);
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
    // A full disk, a link loop, a permission: said in words, naming the path.
    const sentence = systemErrorSentence(error);
    if (sentence) return fail(sentence, 1);
    return fail(`unexpected error: ${error instanceof Error ? error.message : String(error)}`, 1);
  } finally {
    discardPrestartedEngine();
  }
}
