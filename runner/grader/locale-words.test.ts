/**
 * The words the grader and the runner add around a student's bytes follow
 * the chosen language: a cut run's length, JUnit's failure story and the
 * no-sandbox warning (by its stable code, bubblewrap's own reason kept);
 * and no lab's grader code can show a Korean student English of its own
 * (a static reading of labs/NN-id/*.ts, below).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import type { Messages } from './i18n.ts';
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

/**
 * A lab's grader code read by the TypeScript parser for two slips that would
 * leave a Korean student with English (or a bare key) in a failed check:
 * prose written in place where a student reads it (an argument of `fail`,
 * `note`, `expectRunning(For)`, or the value of `hint`, `why`, `what`,
 * `message`, `expected`, `received`, `event`, or of a helper's parameter
 * so named: `why5xx`, `what`), and a key read with `.t()`
 * that the lab's messages.ts lacks (a helper typed `Harness` without the
 * lab's messages takes any string). A call (`h.t(...)`, `q(...)`) is where
 * words are looked up or bytes quoted, so the reading stops there.
 */
const SPEAKING_CALLS = new Set(['fail', 'note', 'expectRunning', 'expectRunningFor']);
const SPEAKING_FIELDS = new Set(['hint', 'why', 'what', 'message', 'expected', 'received', 'event']);
/** A parameter a student reads: `why`, `what`, `hint`, `why5xx`... */
const SPEAKING_PARAM = /^(hint|why|what|message|expected|received|event)/;

/**
 * English prose: two lower-case words in a row ("stopped receiving"), or a
 * placeholder in parentheses ("(nothing)"). JSON and lists are data;
 * "101 Switching Protocols" and "Content-Type: application/json" are the
 * protocol's own words.
 */
function looksLikeProse(text: string): boolean {
  const t = text.trim();
  if (t.startsWith('{') || t.startsWith('[')) return false;
  return /\b[a-z]{2,}(?:'[a-z]+)? [a-z]{2,}\b/.test(t) || /^\([a-z][a-z ]*\)$/.test(t);
}

/**
 * The texts an expression shows as written: through conditions, `+` and
 * templates (their words around a "${…}" for each part, then each part),
 * never into a call, nor into an object (its fields are read on their own).
 */
function writtenTexts(node: ts.Node): string[] {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return [node.text];
  if (ts.isCallExpression(node) || ts.isNewExpression(node) || ts.isObjectLiteralExpression(node)) return [];
  if (ts.isTemplateExpression(node)) {
    return [node.head.text + node.templateSpans.map((s) => `\${…}${s.literal.text}`).join(''), ...node.templateSpans.flatMap((s) => writtenTexts(s.expression))];
  }
  if (ts.isConditionalExpression(node)) return [...writtenTexts(node.whenTrue), ...writtenTexts(node.whenFalse)];
  const out: string[] = [];
  node.forEachChild((child) => {
    out.push(...writtenTexts(child));
  });
  return out;
}

/** The string literals a key may be (`cond ? 'a' : 'b'` gives both, not what the condition compares). */
function keyLiterals(node: ts.Node): string[] {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return [node.text];
  if (ts.isConditionalExpression(node)) return [...keyLiterals(node.whenTrue), ...keyLiterals(node.whenFalse)];
  if (ts.isParenthesizedExpression(node)) return keyLiterals(node.expression);
  return [];
}

/** "file:line: kind: text" for each slip in `source`; `sets` are the lab's messages in each language. */
function wordSlips(file: string, source: string, sets: readonly Readonly<Record<string, string>>[]): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const slips: string[] = [];
  const line = (node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const prose = (node: ts.Node) => {
    for (const text of writtenTexts(node)) if (looksLikeProse(text)) slips.push(`${file}:${line(node)}: English in place: ${text}`);
  };
  // The file's own functions and methods, by name: which of their parameters a student reads.
  const speakingParams = new Map<string, number[]>();
  const collect = (node: ts.Node): void => {
    if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name && ts.isIdentifier(node.name)) {
      const at = node.parameters.flatMap((p, i) => (ts.isIdentifier(p.name) && SPEAKING_PARAM.test(p.name.text) ? [i] : []));
      if (at.length) speakingParams.set(node.name.text, at);
    }
    node.forEachChild(collect);
  };
  collect(sf);
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = ts.isPropertyAccessExpression(node.expression) ? node.expression.name.text : ts.isIdentifier(node.expression) ? node.expression.text : '';
      if (SPEAKING_CALLS.has(callee)) node.arguments.forEach(prose);
      for (const i of speakingParams.get(callee) ?? []) if (node.arguments[i]) prose(node.arguments[i]);
      if (callee === 't' && ts.isPropertyAccessExpression(node.expression) && node.arguments[0]) {
        for (const key of keyLiterals(node.arguments[0])) if (!sets.every((set) => key in set)) slips.push(`${file}:${line(node)}: no message "${key}" in messages.ts`);
      }
    }
    if (ts.isPropertyAssignment(node) && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name)) && SPEAKING_FIELDS.has(node.name.text)) prose(node.initializer);
    node.forEachChild(visit);
  };
  visit(sf);
  return slips;
}

describe("a lab's grader says everything through its messages", () => {
  const LABS = new URL('../../labs/', import.meta.url).pathname;
  const graded = readdirSync(LABS).filter((f) => existsSync(join(LABS, f, 'checks.ts')));
  /** The lab's own code: checks.ts and its helpers (room.ts), not the programs or the catalog. */
  const codeOf = (folder: string) => readdirSync(join(LABS, folder)).filter((f) => f.endsWith('.ts') && f !== 'messages.ts');

  it('finds every graded lab and its code', () => {
    expect(graded).toEqual(expect.arrayContaining(['01-udp-echo', '05-flow-control', '06-websocket-chat']));
    expect(codeOf('03-threaded-broadcast')).toEqual(expect.arrayContaining(['checks.ts', 'room.ts']));
  });

  for (const folder of graded) {
    it(`${folder}: no failure, hint or note written in English in place, and every .t() key in both languages`, async () => {
      expect(existsSync(join(LABS, folder, 'messages.ts')), `${folder} has no messages.ts`).toBe(true);
      const messages = ((await import(pathToFileURL(join(LABS, folder, 'messages.ts')).href)) as { default: Messages }).default;
      const sets = [messages.en, messages.ko] as Readonly<Record<string, string>>[];
      const slips = codeOf(folder).flatMap((f) => wordSlips(`labs/${folder}/${f}`, readFileSync(join(LABS, folder, f), 'utf8'), sets));
      expect(slips).toEqual([]);
    });
  }

  it("catches what it is for, and lets the wire's own words through", () => {
    const sets = [{ 'a.key': 'x' }, { 'a.key': '엑스' }];
    const slips = wordSlips('x.ts', [
      "h.fail('the server stalled', { expected: `${n} messages in the history`, received: '(nothing)', hint: ok ? h.t('a.key') : 'Try again later.' });",
      "h.note(`${who} was waiting for ${q(line)}`);",
      "server.expectRunning('after one request');",
      "await p.expect(m, { what: cond ? 'the posted message' : h.t('a.key') });",
      "h.t(h.lang === 'java' ? 'a.key' : 'b.key');",
      "h.fail(h.t('a.key', { who }), { expected: '101 Switching Protocols', received: q(`${got}\\n`) });",
      "h.fail(h.t('a.key'), { expected: 'Content-Type: application/json', received: '{\"text\":\"no time given\"}' });",
      "h.note(`${label}: GET /ws (Upgrade: websocket)`);",
      "async function post(h: H, body: string, why5xx = ''): Promise<void> {}",
      "await post(h, 'keep me', 'Two clients had just left.'); await post(h, 'first post');",
    ].join('\n'), sets);
    expect(slips).toEqual([
      'x.ts:1: English in place: the server stalled',
      'x.ts:1: English in place: ${…} messages in the history',
      'x.ts:1: English in place: (nothing)',
      'x.ts:1: English in place: Try again later.',
      'x.ts:2: English in place: ${…} was waiting for ${…}',
      'x.ts:3: English in place: after one request',
      'x.ts:4: English in place: the posted message',
      'x.ts:5: no message "b.key" in messages.ts',
      'x.ts:10: English in place: Two clients had just left.',
    ]);
  });
});
