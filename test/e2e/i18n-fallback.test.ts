/**
 * A lab without a Korean lesson: the course still builds, its /ko/ page is
 * Starlight's fallback (the English lesson with a "not translated yet"
 * notice, in the Korean site around it), the Korean home lists it, and
 * `socklab validate` passes with a warning.
 *
 * Builds the site from a copy of labs/ with one lab.ko.mdx removed, into a
 * temporary folder with its own Astro cache (the shared cache would keep
 * entries pointing at the deleted copy).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnv } from '../../runner/course/build.ts';
import { ROOT } from '../support/browser.ts';

const UNTRANSLATED = '02-tcp-echo';
let tmp = '';

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'socklab-fallback-'));
  // Only the two labs the tests look at: every other lab would only lengthen the build.
  for (const lab of ['01-udp-echo', UNTRANSLATED]) cpSync(join(ROOT, 'labs', lab), join(tmp, 'labs', lab), { recursive: true });
  rmSync(join(tmp, 'labs', UNTRANSLATED, 'lab.ko.mdx'));
  writeFileSync(
    join(tmp, 'astro.config.mjs'),
    `import base from ${JSON.stringify(pathToFileURL(join(ROOT, 'astro.config.mjs')).href)};\n` +
      `export default { ...base, outDir: ${JSON.stringify(join(tmp, 'dist'))}, cacheDir: ${JSON.stringify(join(tmp, 'cache'))} };\n`,
  );
  // Astro joins --config to the root: a relative path.
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/astro/astro.js'), 'build', '--config', relative(ROOT, join(tmp, 'astro.config.mjs'))], {
    cwd: ROOT,
    env: { ...buildEnv(), SOCKLAB_LABS_DIR: join(tmp, 'labs') },
    encoding: 'utf8',
    timeout: 400_000,
  });
  if (r.status !== 0) throw new Error(`the build failed:\n${r.stdout}\n${r.stderr}`);
}, 420_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const page = (path: string) => readFileSync(join(tmp, 'dist', path), 'utf8');

describe('a lab without a Korean lesson', () => {
  it('gets a Korean page showing the English lesson with a notice', () => {
    const html = page('ko/labs/tcp-echo/index.html');
    expect(html).toMatch(/<html lang="ko"/);
    expect(html).toContain('이 콘텐츠는 아직 번역되지 않았습니다');
    expect(html).toContain('<title>TCP upper-case echo | socklab</title>');
    // The Korean site around it: sidebar and header in Korean.
    expect(html).toContain('과정 홈');
    // Translated labs keep their Korean pages, without the notice.
    expect(page('ko/labs/udp-echo/index.html')).not.toContain('이 콘텐츠는 아직 번역되지 않았습니다');
  });

  it('is listed on the Korean home by its English title', () => {
    const home = page('ko/index.html');
    expect(home).toMatch(/<a href="\/ko\/labs\/tcp-echo\/"[^>]*>TCP upper-case echo<\/a>/);
    expect(home).toContain('UDP 대문자 에코');
  });

  it('passes `socklab validate` with a warning naming the missing file', () => {
    // A lesson without a grader: a copied checks.ts would not find its imports outside the repository.
    const labs = join(tmp, 'validate');
    cpSync(join(ROOT, 'labs', '00-sockets-and-layers'), join(labs, '00-sockets-and-layers'), { recursive: true });
    rmSync(join(labs, '00-sockets-and-layers', 'lab.ko.mdx'));
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/socklab.js'), 'validate', '--labs', labs], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toContain('warning: labs/00-sockets-and-layers: no lab.ko.mdx yet; the /ko/ page shows the English lesson with a notice');
    expect(r.stderr.match(/warning:/g)).toHaveLength(1);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('1 labs valid');
  }, 120_000);
});
