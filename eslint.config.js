// Lint, and above all the layer boundaries of ARCHITECTURE.md: a wrong import fails here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
    rules: {
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
      'app/ is the shared core: no Node, DOM, Electron, React or engine imports (ARCHITECTURE.md).',
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
