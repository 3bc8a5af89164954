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
    env: { LAYERLAB_PROGRESS: 'never' },
  },
});
