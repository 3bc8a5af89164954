import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Engine tests fork real engine processes; two cores, so keep file-level parallelism low.
    maxWorkers: 2,
    // The CLIs these tests run (and their children) print no progress lines off a terminal: a test
    // that says a command warned about nothing checks an empty stderr, whatever the machine's speed.
    // The progress printer is tested on its own, and the CLI tests of progress ask for 'always'.
    // Engines run one wasm thread here (the default is two on two cores or more): two test files
    // run side by side on this two-core machine, each with its engines, and every extra thread
    // only competes with them. The two-thread default has its own tests (engine-process.test.ts
    // starts an engine with LAYERLAB_WASM_THREADS unset, wasm-threads.test.ts asks for two), and
    // the browser tests' host runs it.
    env: { LAYERLAB_PROGRESS: 'never', LAYERLAB_WASM_THREADS: '1' },
  },
});
