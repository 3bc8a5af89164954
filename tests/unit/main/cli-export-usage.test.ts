import { describe, expect, it } from 'vitest';
import { exportCommand } from '../../../main/cli/export-command';
import { UsageError } from '../../../main/cli/cli-error';

/** Flag mistakes are refused before any file is read or engine started (exit 2 through main). */
describe('layerlab export: usage mistakes', () => {
  it.each([
    [['--run', '/r'], 'export needs --out DIR.'],
    [
      ['--run', '/r', '--out', '/o', '--format', 'pt'],
      '--format must be one of tfjs, keras, h5, onnx, pytorch, not "pt".',
    ],
    [['--run', '/r', '--out', '/o', '--quantize', 'int4'], '--quantize must be one of float16, uint8, not "int4".'],
    [
      ['--run', '/r', '--out', '/o', '--format', 'keras', '--quantize', 'float16'],
      'Cannot export: --quantize float16 applies to the tfjs format only, not keras.',
    ],
    [
      ['--run', '/r', '--out', '/o', '--format', 'onnx', '--quantize', 'float16'],
      'Cannot export: --quantize float16 applies to the tfjs format only, not onnx (ONNX takes --float16-weights instead).',
    ],
    [
      ['--run', '/r', '--out', '/o', '--format', 'h5', '--float16-weights'],
      'Cannot export: --float16-weights apply to the onnx format only, not h5.',
    ],
    [['--run', '/r', '--out', '/o', '--frobnicate'], "Unknown option '--frobnicate'"],
  ])('%j → %s', async (args, message) => {
    const error = await exportCommand(args, () => undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(message);
  });
});
