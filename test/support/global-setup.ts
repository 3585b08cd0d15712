/**
 * Vitest's global setup: one temporary folder for the whole run, shared by
 * every test file of it (test files run in separate worker processes), for
 * what is costly enough to make once a run: the test course and its built
 * site (shared-course.ts). Removed when the run ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's shared temporary folder. */
    runDir: string;
  }
}

/** Makes the run's folder and hands its path to the test files; returns its removal. */
export default function setup(project: TestProject): () => void {
  const runDir = mkdtempSync(join(tmpdir(), 'socklab-run-'));
  project.provide('runDir', runDir);
  return () => rmSync(runDir, { recursive: true, force: true });
}
