/**
 * The words the grader and the runner add around a student's bytes follow
 * the chosen language: a cut run's length, JUnit's failure story and the
 * no-sandbox warning (by its stable code, bubblewrap's own reason kept).
 */
import { describe, expect, it } from 'vitest';
import { show } from './transcript.ts';
import { graderSay } from './messages.ts';
import { junitReport } from './reporters.ts';
import type { GradeReport } from './engine.ts';
import { backendWarning } from '../sandbox/index.ts';
import { helloWarning } from '../server/connection.ts';
import { HOST_WARNING } from '../sandbox/host.ts';
import { CATALOGS } from '../../protocol/i18n/catalog.ts';
import { ServerMessage } from '../../protocol/messages.ts';

const report: GradeReport = {
  lab: 'tcp-echo',
  lang: 'python',
  roles: ['server'],
  passed: 0,
  failed: 1,
  skipped: 1,
  durationMs: 1200,
  results: [
    { id: 'a', name: '대문자로 답함', role: 'server', status: 'failed', durationMs: 900, expected: '"HI\\n"', received: '"hi\\n"', transcript: [], outputs: [] },
    { id: 'b', name: '다음 검사', role: 'server', status: 'skipped', durationMs: 0, transcript: [], outputs: [] },
  ],
};

describe('the words around the bytes follow the locale', () => {
  it('names the length of a cut run in the chosen language, English without one', () => {
    const long = 'x'.repeat(1000);
    expect(show(long)).toMatch(/ … \(1000 bytes\)$/);
    expect(show(long, graderSay('en'))).toMatch(/ … \(1000 bytes\)$/);
    expect(show(long, graderSay('ko'))).toMatch(/ … \(1000바이트\)$/);
    expect(show('short', graderSay('ko'))).toBe('"short"');
  });

  it('writes JUnit failures and skips in the chosen language', () => {
    const ko = junitReport(report, graderSay('ko'));
    expect(ko).toContain('<failure message="실패">');
    expect(ko).toContain('기대한 결과: &quot;HI\\n&quot;');
    expect(ko).toContain('<skipped message="건너뜀"/>');
    const en = junitReport(report);
    expect(en).toContain('<failure message="failed">');
    expect(en).toContain('expected: &quot;HI\\n&quot;');
  });

  it('gives the no-sandbox warning a stable code, words in each language, and keeps bubblewrap\'s reason', () => {
    const backend = { name: 'host' as const, warning: `${HOST_WARNING} (bwrap: no permission)`, warningCode: 'no_sandbox' as const, warningDetail: 'bwrap: no permission' };
    expect(HOST_WARNING).toBe(CATALOGS.en['warning.no_sandbox']);
    expect(backendWarning(backend, 'en')).toBe(backend.warning);
    expect(backendWarning(backend, 'ko')).toBe(`${CATALOGS.ko['warning.no_sandbox']} (bwrap: no permission)`);
    expect(CATALOGS.ko['warning.no_sandbox']).toMatch(/샌드박스/);
    const hello = { type: 'hello', protocol: 1, backend: 'host', ...helloWarning({ ...backend, maxSessions: 1, create: () => Promise.reject(new Error('unused')) }) };
    expect(ServerMessage.parse(hello)).toMatchObject({ warningCode: 'no_sandbox', warningDetail: 'bwrap: no permission', warning: backend.warning });
    expect(helloWarning({ name: 'bwrap', maxSessions: Infinity, create: () => Promise.reject(new Error('unused')) })).toEqual({});
  });
});
