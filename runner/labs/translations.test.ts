/**
 * Lessons in other languages: every lab of the course has its Korean lesson,
 * a translation holds only words (facts stay in lab.mdx, one source), and
 * a lab without one still loads with a warning for `socklab validate`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LabError, LESSON_LOCALES, loadLab, loadLabs, translationWarnings } from './load.ts';

const HANGUL = /[\uac00-\ud7a3]/;

describe('the course in Korean', () => {
  const labs = loadLabs();

  it('has labs', () => {
    expect(labs.length).toBeGreaterThan(0);
  });

  for (const lab of labs) {
    it(`${lab.folder} has a Korean lesson with a Korean title, summary and body`, () => {
      const ko = lab.translations.ko;
      expect(ko, `${lab.folder}/lab.ko.mdx`).toBeDefined();
      expect(ko!.title).toMatch(HANGUL);
      expect(ko!.summary).toMatch(HANGUL);
      // Most of the lesson is Korean, not a copy of the English one.
      expect(ko!.body.match(new RegExp(HANGUL, 'g'))!.length).toBeGreaterThan(ko!.body.length / 10);
      expect(translationWarnings(lab)).toEqual([]);
    });
  }
});

describe('a translated lesson', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'socklab-labs-'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  /** A lesson without code in labs/00-intro, and optionally its lab.ko.mdx. */
  const writeLab = (ko?: string[]) => {
    const dir = join(root, '00-intro');
    mkdirSync(dir);
    writeFileSync(join(dir, 'lab.mdx'), '---\nid: intro\ntitle: Intro\norder: 0\nsummary: The start.\n---\n\nText.\n');
    if (ko) writeFileSync(join(dir, 'lab.ko.mdx'), ['---', ...ko, '---', '', '본문입니다.', ''].join('\n'));
    return dir;
  };

  it('is read with its own title, summary and body; the facts stay lab.mdx\'s', () => {
    const lab = loadLab(writeLab(['title: 소개', 'summary: 시작입니다.']), root);
    expect(lab.translations.ko).toMatchObject({ title: '소개', summary: '시작입니다.' });
    expect(lab.translations.ko!.body.trim()).toBe('본문입니다.');
    expect(lab.meta).toMatchObject({ id: 'intro', title: 'Intro', order: 0 });
  });

  it('may not restate a fact: a second source of truth fails at its line', () => {
    let problems: LabError['problems'] = [];
    try {
      loadLab(writeLab(['title: 소개', 'summary: 시작입니다.', 'order: 3']), root);
    } catch (err) {
      expect(err).toBeInstanceOf(LabError);
      problems = (err as LabError).problems;
    }
    expect(problems).toEqual([{ code: 'lab_schema', file: `${root.split('/').pop()}/00-intro/lab.ko.mdx`, line: 4, message: 'order: unknown key (allowed: title, summary)' }]);
  });

  it('needs a title and a summary', () => {
    expect(() => loadLab(writeLab(['title: 소개']), root)).toThrow(/lab\.ko\.mdx:2: summary: required but missing \[lab_schema\]/);
  });

  it('may be missing: the lab loads and validate warns once per language', () => {
    const lab = loadLab(writeLab(), root);
    expect(lab.translations).toEqual({});
    expect(translationWarnings(lab)).toEqual(LESSON_LOCALES.map((l) => `00-intro: no lab.${l}.mdx yet; the /${l}/ page shows the English lesson with a notice`));
  });
});
