/**
 * Vitest's global setup: one temporary folder for the whole run, shared by
 * every test file of it (test files run in separate worker processes), for
 * what is costly enough to make once a run: the test course and its built
 * site (shared-course.ts). Removed when the run ends. And socklab's own
 * built site, made again when its sources are newer: the browser tests
 * serve dist/ and build it only when it is missing (a build during the run
 * would pull it from under another test's pages), so an edit or a
 * `git pull` since the last build would otherwise be tested as the old site.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildSite, siteIsStale } from '../../runner/course/build.ts';

const DIST = join(import.meta.dirname, '../../dist');

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's shared temporary folder. */
    runDir: string;
  }
}

/** Makes the run's folder and hands its path to the test files; returns its removal. */
export default function setup(project: TestProject): () => void {
  if (existsSync(join(DIST, 'index.html')) && siteIsStale(DIST)) {
    console.log("socklab tests: the site's sources are newer than dist/: building it again first");
    if (!buildSite(null)) throw new Error('the site did not build');
  }
  const runDir = mkdtempSync(join(tmpdir(), 'socklab-run-'));
  project.provide('runDir', runDir);
  return () => rmSync(runDir, { recursive: true, force: true });
}
