/**
 * The runner's codes have the page's words: every ErrorCode and NoticeCode
 * has a message in the catalogs (so a Korean student never reads the
 * runner's English), and a code the page does not know yet shows the
 * runner's own text rather than nothing.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, NoticeCode, WarningCode } from '../../protocol/constants.ts';
import { CATALOGS } from '../../protocol/i18n/catalog.ts';
import { locale, procLabel, runnerSays } from './words.ts';

describe('the workbench words the runner\'s codes', () => {
  it('has a message for every error, notice and warning code, in every language', () => {
    const keys = [...Object.keys(ErrorCode).map((c) => `error.${c}`), ...Object.keys(NoticeCode).map((c) => `notice.${c}`), ...Object.keys(WarningCode).map((c) => `warning.${c}`)];
    for (const catalog of Object.values(CATALOGS)) for (const key of keys) expect(catalog, key).toHaveProperty([key]);
  });

  it('words a known code from the catalog, names the program, and falls back to the runner\'s text', () => {
    expect(locale).toBe('en'); // no document here: the source language
    expect(runnerSays('error', 'too_many_sessions', 'runner text')).toBe(CATALOGS.en['error.too_many_sessions']);
    expect(runnerSays('notice', 'input_dropped', 'runner text', 'client 2')).toBe('client 2 is not reading its input, so what you typed was dropped.');
    // A notice about a program the page shows no pane for: the runner's words name it.
    expect(runnerSays('notice', 'input_dropped', 'client 9 is not reading')).toBe('client 9 is not reading');
    expect(runnerSays('error', 'a_code_from_the_future', 'the runner says so')).toBe('the runner says so');
  });

  it("names the runner's programs in the page's language, a lab's own role as the lab named it", () => {
    expect(procLabel('server', 'ko')).toBe('서버');
    expect(procLabel('client 12', 'ko')).toBe('클라이언트 12');
    expect(procLabel('client', 'ko')).toBe('클라이언트');
    expect(procLabel('peer 2', 'ko')).toBe('peer 2');
    expect(procLabel('client 1')).toBe('client 1');
    expect(procLabel('server', 'en')).toBe('server');
  });
});
