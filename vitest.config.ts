import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Engine tests fork real engine processes; two cores, so keep file-level parallelism low.
    maxWorkers: 2,
  },
});
