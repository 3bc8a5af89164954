// Lint, and above all the layer boundaries of docs/architecture.md: a wrong import fails here.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ROOT = path.dirname(fileURLToPath(import.meta.url));

/**
 * Where code runs, as import rules over repository paths (VS Code's code-layering idea). The
 * `layerlab/layers` rule below resolves every relative import, export ... from, dynamic import()
 * and require() to a path in the repository and checks it here, so `import '../engine/process/train'`
 * fails in a service whatever the spelling; bare package names are checked against `packages`.
 * `from`: the importing files (path prefixes); `except`: prefixes exempt from the rule; `forbid`:
 * path prefixes they may not import; `packages`: package-name patterns they may not import.
 */
export const LAYERS = [
  {
    from: [''],
    except: ['main/engine/process/', 'tests/', 'bench/', 'scripts/'],
    forbid: ['main/engine/process/'],
    why: 'main/engine/process is the engine process (TensorFlow.js): reach it through EngineClient (main/engine/client), never by import',
  },
  {
    from: ['main/engine/client/', 'main/engine/shared/'],
    forbid: ['main/engine/process/'],
    packages: [/^@tensorflow\//],
    why: 'main/engine/client and main/engine/shared run in the main process: no TensorFlow.js',
  },
  {
    from: ['main/engine/shared/'],
    forbid: ['main/engine/client/'],
    why: 'main/engine/shared is used by both processes and depends on neither side',
  },
  {
    from: ['app/'],
    forbid: ['main/', 'renderer/', 'bench/', 'scripts/', 'tests/'],
    why: 'app/ is the pure core: it imports nothing from main/ or renderer/',
  },
  { from: ['renderer/'], forbid: ['main/'], why: 'the renderer reaches main only through the IPC contract (app/ipc)' },
  { from: ['main/'], forbid: ['renderer/'], why: 'main/ never imports UI code' },
  {
    from: ['main/'],
    except: ['main/cli/'],
    forbid: ['main/cli/'],
    why: 'main/cli is a front door: nothing else in main/ imports it (move shared code to main/services)',
  },
  {
    from: ['main/'],
    except: ['main/electron/'],
    forbid: ['main/electron/'],
    why: 'main/electron is the desktop shell: nothing else in main/ imports it',
  },
];

const under = (file, prefix) => prefix === '' || file === prefix.replace(/\/$/, '') || file.startsWith(prefix);

const layerPlugin = {
  rules: {
    layers: {
      meta: {
        type: 'problem',
        docs: { description: 'Imports respect the runtime layers (LAYERS in eslint.config.js)' },
        schema: [],
      },
      create(context) {
        const file = path.relative(ROOT, context.filename).split(path.sep).join('/');
        const rules = LAYERS.filter(
          (l) => l.from.some((p) => under(file, p)) && !(l.except ?? []).some((p) => under(file, p)),
        );
        if (rules.length === 0) return {};
        const check = (node, spec) => {
          if (typeof spec !== 'string') return;
          if (spec.startsWith('.')) {
            const target = path
              .relative(ROOT, path.resolve(path.dirname(context.filename), spec))
              .split(path.sep)
              .join('/');
            const broken = rules.find((l) => (l.forbid ?? []).some((p) => under(target, p)));
            if (broken) context.report({ node, message: `${file} may not import ${target}: ${broken.why}.` });
          } else {
            const broken = rules.find((l) => (l.packages ?? []).some((re) => re.test(spec)));
            if (broken) context.report({ node, message: `${file} may not import ${spec}: ${broken.why}.` });
          }
        };
        const literal = (n) => (n && n.type === 'Literal' ? n.value : undefined);
        return {
          ImportDeclaration: (node) => check(node, literal(node.source)),
          ExportNamedDeclaration: (node) => node.source && check(node, literal(node.source)),
          ExportAllDeclaration: (node) => check(node, literal(node.source)),
          ImportExpression: (node) => check(node, literal(node.source)),
          TSImportType: (node) => check(node, literal(node.argument?.literal ?? node.argument)),
          CallExpression: (node) => {
            if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments.length === 1)
              check(node, literal(node.arguments[0]));
          },
        };
      },
    },
  },
};

const nodeBuiltins = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'os',
  'child_process',
  'http',
  'https',
  'net',
  'crypto',
  'url',
  'util',
  'worker_threads',
  'stream',
];
const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { layerlab: layerPlugin },
    rules: {
      'layerlab/layers': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['app/**/*.ts'],
    rules: restrict(
      [
        ...nodeBuiltins,
        'electron',
        'react',
        'react-dom',
        '@xyflow/*',
        'recharts',
        'zustand',
        '@tensorflow/*',
        'ws',
        'papaparse',
        '**/main/**',
        '**/renderer/**',
      ],
      'app/ is the shared core: no Node, DOM, Electron, React or engine imports (docs/architecture.md).',
    ),
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: restrict(
      [...nodeBuiltins, 'electron', '@tensorflow/*', 'ws', 'papaparse', '**/main/**'],
      'The renderer talks to the main side only through the IPC contract (app/ipc).',
    ),
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/electron/**'],
    rules: restrict(
      ['electron', 'react', 'react-dom', '@xyflow/*', 'recharts', 'zustand', '**/renderer/**'],
      'Only main/electron/ may import electron; main/ never imports UI code.',
    ),
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/electron/**', 'main/engine/**'],
    rules: restrict(
      ['electron', 'react', 'react-dom', '@xyflow/*', 'recharts', 'zustand', '**/renderer/**', '@tensorflow/*'],
      'Outside main/engine and main/electron: no electron, no UI code, and no TensorFlow.js (it runs only in the engine process, reached through EngineClient).',
    ),
  },
  {
    files: ['main/electron/**/*.ts'],
    rules: restrict(
      ['react', 'react-dom', '@xyflow/*', 'recharts', 'zustand', '**/renderer/**', '@tensorflow/*'],
      'The Electron shell is a window, a preload and an IPC adapter.',
    ),
  },
  {
    files: ['scripts/**/*.mjs', 'bin/**/*.mjs', 'bench/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', __dirname: 'readonly' } },
  },
  {
    // electron-builder's hooks are loaded with require(): CommonJS.
    files: ['scripts/**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
