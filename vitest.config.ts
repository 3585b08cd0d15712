import { defineConfig } from 'vitest/config';

/**
 * Unit tests sit beside their code (runner/, protocol/); browser tests are
 * in test/e2e/. Benchmarks are not tests: `npm run bench` runs them.
 * Test files run in parallel in forked processes (real processes, sockets
 * and sandboxes, so threads are not enough), at most two at a time.
 */
export default defineConfig({
  test: {
    include: ['runner/**/*.test.ts', 'protocol/**/*.test.ts', 'site/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'bench/**', 'dist/**'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
  },
});
