/**
 * socklab's own site is never served or tested old: `siteIsStale` says a
 * build is older than a source of the site (an edit, a `git pull`), so
 * `socklab serve` and the test run build it again. Real files, their real
 * modification times; the sources themselves are not touched.
 */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { siteIsStale } from './build.ts';

const dist = mkdtempSync(join(tmpdir(), 'socklab-dist-'));
afterAll(() => rmSync(dist, { recursive: true, force: true }));

it('says a build with no index.html, or one older than a source of the site, is stale, and a build newer than every source is not', () => {
  expect(siteIsStale(dist)).toBe(true);
  const index = join(dist, 'index.html');
  writeFileSync(index, '<!doctype html>');
  const future = new Date(Date.now() + 3600_000);
  utimesSync(index, future, future);
  expect(siteIsStale(dist)).toBe(false);
  utimesSync(index, new Date(0), new Date(0));
  expect(siteIsStale(dist)).toBe(true);
});
