/**
 * A lab without a Korean lesson: the course still builds, its /ko/ page is
 * Starlight's fallback (the English lesson with a "not translated yet"
 * notice, in the Korean site around it), the Korean home lists it, and
 * `socklab validate` passes with a warning.
 *
 * Reads the run's test course (test/support/shared-course.ts): its own
 * my-lab has no Korean lesson, the built-in sockets-and-layers it takes in
 * has one.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/browser.ts';
import { testCourse, type TestCourse } from '../support/shared-course.ts';

let course: TestCourse;
let tmp = '';

beforeAll(async () => {
  course = await testCourse();
  // The claim is about a lab with no Korean lesson: this one must have none.
  expect(existsSync(join(course.labs, '00-my-lab', 'lab.ko.mdx'))).toBe(false);
  expect(existsSync(join(ROOT, 'labs', '00-sockets-and-layers', 'lab.ko.mdx'))).toBe(true);
  tmp = mkdtempSync(join(tmpdir(), 'socklab-fallback-'));
}, 480_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const page = (path: string) => readFileSync(join(course.site, path), 'utf8');

describe('a lab without a Korean lesson', () => {
  it('gets a Korean page showing the English lesson with a notice', () => {
    const html = page('ko/labs/my-lab/index.html');
    expect(html).toMatch(/<html lang="ko"/);
    expect(html).toContain('이 콘텐츠는 아직 번역되지 않았습니다');
    expect(html).toContain('<title>My lab | socklab</title>');
    // The Korean site around it: sidebar and header in Korean.
    expect(html).toContain('과정 홈');
    // Translated labs keep their Korean pages, without the notice.
    const translated = page('ko/labs/sockets-and-layers/index.html');
    expect(translated).toContain('<title>소켓과 계층 | socklab</title>');
    expect(translated).not.toContain('이 콘텐츠는 아직 번역되지 않았습니다');
  });

  it('is listed on the Korean home by its English title', () => {
    const home = page('ko/index.html');
    expect(home).toMatch(/<a href="\/ko\/labs\/my-lab\/"[^>]*>My lab<\/a>/);
    expect(home).toContain('소켓과 계층');
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
