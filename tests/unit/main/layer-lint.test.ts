import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The runtime layers are an ESLint rule (layerlab/layers in eslint.config.js) that resolves each
// relative import to a repository path: these run the repository's own config on a file at the
// path where the import would be written.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const eslint = new ESLint({ cwd: ROOT });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result!.messages.filter((m) => m.ruleId === 'layerlab/layers').map((m) => m.message);
}

describe('the layer rule', () => {
  it('rejects a service importing the engine process, however the import is written', async () => {
    const file = 'main/services/layer-probe.ts';
    for (const code of [
      "import '../engine/process/train';\n",
      "import { train } from '../engine/process/train';\nexport const t = train;\n",
      "export * from '../engine/process/train';\n",
      "export const load = () => import('../engine/process/train');\n",
      "export const load = () => import('./../engine/process/../process/train');\n",
    ]) {
      const errors = await layerErrors(file, code);
      expect(errors, code).toHaveLength(1);
      expect(errors[0]).toContain('may not import main/engine/process/train');
    }
  });

  it('lets a service use the engine client and the shared engine modules', async () => {
    const code =
      "import { EngineClient } from '../engine/client';\nimport { readMatrix } from '../engine/shared/prepared-data';\nexport const x = [EngineClient, readMatrix];\n";
    expect(await layerErrors('main/services/layer-probe.ts', code)).toEqual([]);
  });

  it('keeps TensorFlow.js and the engine process out of the client and shared folders', async () => {
    expect(await layerErrors('main/engine/shared/probe.ts', "import '@tensorflow/tfjs';\n")).toHaveLength(1);
    expect(await layerErrors('main/engine/client/probe.ts', "import '../process/backend';\n")).toHaveLength(1);
    expect(
      await layerErrors(
        'main/engine/process/probe.ts',
        "import '@tensorflow/tfjs';\nimport '../shared/prepared-data';\n",
      ),
    ).toEqual([]);
  });

  it('keeps app/ pure and the Electron shell off the CLI', async () => {
    expect(await layerErrors('app/graph/probe.ts', "import '../../main/services/runs';\n")).toHaveLength(1);
    expect(await layerErrors('main/electron/probe.ts', "import '../cli/host-command';\n")).toHaveLength(1);
  });

  it('exempts tests, which drive the engine process directly', async () => {
    expect(
      await layerErrors('tests/unit/engine/probe.test.ts', "import '../../../main/engine/process/train';\n"),
    ).toEqual([]);
  });
});
