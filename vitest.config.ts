import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const ROOT = fileURLToPath(new URL('.', import.meta.url));

/**
 * Longest files first, so the two workers finish together. Vitest orders
 * by the timings it cached; a fresh clone (CI) has none, and vitest then
 * goes by file size, which starts the grader proofs (a small file, and
 * the longest by far: over half of `npm test`) last, adding about a third
 * to the wall time. So test/ runs first, the grader proofs at its head,
 * then the rest in vitest's order. (The browser tests build dist/ when it
 * is missing; with the proofs on one worker they start one after another.)
 */
class HeavyFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const path = relative(ROOT, f.moduleId);
      return path === 'test/graders.test.ts' ? 0 : path.startsWith('test/') ? 1 : 2;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

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
    sequence: { sequencer: HeavyFirst },
    // The run's shared folder: the test course is built once a run (test/support/shared-course.ts).
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/no-listener-leaks.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
  },
});
