/**
 * The grader speaks every language of the course: the harness's messages
 * and each lab's have the same keys and `{parameters}` in English and
 * Korean, the Korean check names are the glossary's (the names a lesson
 * prints), the system's locale picks the language, and `socklab grade
 * --locale ko` on a mutant prints its verdict in Korean with the bytes on
 * the wire as they were.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadLabs, readLabFiles } from '../labs/load.ts';
import { resolveLimits } from '../limits.ts';
import { chooseBackend } from '../sandbox/index.ts';
import { gradeFiles } from './engine.ts';
import { defineMessages, fill, sayer, systemLocale, type Messages } from './i18n.ts';
import { GRADER } from './messages.ts';
import { CATALOGS, LOCALES } from '../../protocol/i18n/catalog.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const LABS = join(ROOT, 'labs');
const paramNames = (template: string) => [...new Set([...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort();

/** Every lab's messages.ts, by folder. */
async function labMessages(): Promise<[string, Messages][]> {
  const folders = readdirSync(LABS).filter((f) => existsSync(join(LABS, f, 'messages.ts')));
  return Promise.all(folders.map(async (f) => [f, ((await import(pathToFileURL(join(LABS, f, 'messages.ts')).href)) as { default: Messages }).default] as [string, Messages]));
}

/** Every set of messages a lab's messages.ts exports (its own, and e.g. lab 03's room), by folder and export. */
async function allLabSets(): Promise<[string, Messages][]> {
  const folders = readdirSync(LABS).filter((f) => existsSync(join(LABS, f, 'messages.ts')));
  const sets = await Promise.all(
    folders.map(async (f) => Object.entries((await import(pathToFileURL(join(LABS, f, 'messages.ts')).href)) as Record<string, Messages>).map(([name, set]) => [`${f} ${name}`, set] as [string, Messages])),
  );
  return sets.flat();
}

/** The glossary's Korean name of each English check name, by lab id. */
function glossaryNames(): Map<string, string> {
  const text = readFileSync(join(ROOT, 'site/i18n/ko-glossary.md'), 'utf8');
  const names = new Map<string, string>();
  for (const m of text.matchAll(/^\| ([a-z-]+) \| (.+?) \| (.+?) \|$/gm)) names.set(`${m[1]}: ${m[2]}`, m[3]!);
  return names;
}

function expectSameShape(where: string, set: Messages): void {
  const en: Record<string, string> = set.en;
  const ko: Record<string, string> = set.ko;
  expect(Object.keys(ko).sort(), where).toEqual(Object.keys(en).sort());
  for (const key of Object.keys(en)) {
    expect(paramNames(ko[key]!), `${where} ${key}`).toEqual(paramNames(en[key]!));
    expect(ko[key]!.replace(/\{\w+\}/g, '').trim(), `${where} ${key} is empty in Korean`).not.toBe('');
    // A template of punctuation and parameters only (", {moment}") has nothing to translate.
    if (/[A-Za-z]/.test(en[key]!.replace(/\{\w+\}/g, ''))) expect(ko[key], `${where} ${key} is left in English`).not.toBe(en[key]);
  }
}

describe("the grader's messages", () => {
  it("the harness's have the same keys and parameters in English and Korean, and every one is translated", () => {
    expectSameShape('runner/grader/messages.ts', GRADER);
  });

  it("every lab's have the same keys and parameters in English and Korean, and every one is translated", async () => {
    const labs = await allLabSets();
    expect(labs.map(([f]) => f)).toEqual(expect.arrayContaining(['01-udp-echo default', '02-tcp-echo default', '03-threaded-broadcast default', '03-threaded-broadcast ROOM', '04-async-chat default']));
    for (const [where, set] of labs) expectSameShape(`labs/${where}`, set);
  });

  it('names every check in Korean as the glossary (and so the lesson) does', async () => {
    const glossary = glossaryNames();
    for (const [folder] of await labMessages()) {
      const checks = ((await import(pathToFileURL(join(LABS, folder, 'checks.ts')).href)) as { default: { checks: { name: string }[]; messages: Messages } }).default;
      const id = folder.replace(/^\d+-/, '');
      for (const c of checks.checks) {
        const en = (checks.messages.en as Record<string, string>)[c.name]!;
        expect(glossary.get(`${id}: ${en}`), `${folder} ${c.name} (${en}) is not in the glossary`).toBeDefined();
        expect((checks.messages.ko as Record<string, string>)[c.name], `${folder} ${c.name}`).toBe(glossary.get(`${id}: ${en}`));
      }
    }
  });

  it("uses the glossary's words in every Korean text, never the ones it lists as not to use", () => {
    const glossary = readFileSync(join(ROOT, 'site/i18n/ko-glossary.md'), 'utf8');
    const section = glossary.split(/^## /m).find((s) => s.startsWith('Words not to use'))!;
    const banned = [...section.matchAll(/^\| ([^|-][^|]*?) \| (.+?) \|$/gm)].slice(1).map((m) => [m[1]!, m[2]!] as const);
    expect(banned.map(([w]) => w)).toContain('플레이그라운드');
    const korean = [
      'protocol/i18n/ko.ts',
      'runner/grader/messages.ts',
      ...readdirSync(LABS).flatMap((f) => ['messages.ts', 'lab.ko.mdx'].map((n) => join('labs', f, n))),
      ...readdirSync(join(ROOT, 'site/pages/ko')).map((n) => join('site/pages/ko', n)),
      ...readdirSync(join(ROOT, 'site/components')).map((n) => join('site/components', n)),
    ].filter((f) => existsSync(join(ROOT, f)));
    const found: string[] = [];
    for (const file of korean) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const [word, instead] of banned) if (text.includes(word)) found.push(`${file}: "${word}" (the glossary says ${instead})`);
    }
    expect(found).toEqual([]);
  });

  it("never puts a particle that depends on a value's last sound right after a {parameter} (the glossary's rule)", async () => {
    // Values the catalogs word themselves, whose endings are known: "여러분의 서버" (a third program of one
    // role would read "클라이언트 3가"; no lab starts one), "클라이언트 A" (A, B, C, X), exit code 1.
    const known = new Set(['runner/grader/messages.ts {program}', 'runner/grader/messages.ts hint.exitCode {code}', 'labs/01-udp-echo default {who}']);
    const sets: [string, Messages][] = [['runner/grader/messages.ts', GRADER], ...(await allLabSets()).map(([where, set]) => [`labs/${where}`, set] as [string, Messages])];
    const found: string[] = [];
    for (const [where, set] of sets) {
      for (const [key, text] of Object.entries(set.ko as Record<string, string>)) {
        for (const m of text.matchAll(/\{(\w+)\}(이|가|을|를|은|는|과|와|으로|로|이고|이라고|라고)(?![\uac00-\ud7a3])/g)) {
          if (!known.has(`${where} {${m[1]}}`) && !known.has(`${where} ${key} {${m[1]}}`)) found.push(`${where} ${key}: ${m[0]}`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  it("heads a check's parts with the same words on the page (protocol/i18n) and in socklab grade, in every language", () => {
    const same = (s: string) => s.replace(/\{\w+\}/g, '{}').replace(/:?\s*$/, '').toLowerCase();
    for (const locale of LOCALES) {
      const page: Record<string, string> = CATALOGS[locale];
      const cli: Record<string, string> = GRADER[locale];
      for (const part of ['expected', 'received', 'hint', 'whatHappened', 'printed']) expect(same(page[`checks.${part}`]!), `${locale} ${part}`).toBe(same(cli[`report.${part}`]!));
    }
  });

  it('types a translation: a missing key, an extra key or a lost parameter fails the type check', () => {
    // @ts-expect-error the Korean lacks "b"
    defineMessages({ a: 'x', b: 'y' }, { a: '엑스' });
    // @ts-expect-error the Korean has a key English lacks
    defineMessages({ a: 'x' }, { a: '엑스', c: '씨' });
    // @ts-expect-error the Korean lost {port}
    defineMessages({ a: 'port {port}' }, { a: '포트' });
    const set = defineMessages({ a: 'port {port}', b: 'plain' }, { a: '포트 {port}', b: '그냥' });
    const say = sayer(set, 'ko');
    expect(say('a', { port: 12000 })).toBe('포트 12000');
    expect(say('b')).toBe('그냥');
    // @ts-expect-error "a" needs its {port}
    expect(() => say('a')).not.toThrow();
    expect(fill('{a} and {b}', { a: 1 })).toBe('1 and {b}');
  });

  it("takes the system's language from LC_ALL, then LC_MESSAGES, then LANG; English unless Korean", () => {
    expect(systemLocale({ LANG: 'ko_KR.UTF-8' })).toBe('ko');
    expect(systemLocale({ LC_ALL: 'en_US.UTF-8', LANG: 'ko_KR.UTF-8' })).toBe('en');
    expect(systemLocale({ LC_ALL: '', LC_MESSAGES: 'ko_KR', LANG: 'en_US.UTF-8' })).toBe('ko');
    expect(systemLocale({ LANG: 'C.UTF-8' })).toBe('en');
    expect(systemLocale({ LANG: 'fr_FR.UTF-8' })).toBe('en');
    expect(systemLocale({})).toBe('en');
  });
});

describe('socklab grade in Korean', () => {
  const grade = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, ['bin/socklab.js', 'grade', 'tcp-echo', 'labs/02-tcp-echo/mutants/upper-case/python', '--only', 'server', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, LC_ALL: '', LC_MESSAGES: '', NO_COLOR: '1', ...env },
    });

  it('--locale ko prints check names, failures and hints in Korean, the bytes on the wire as they were', () => {
    const r = grade(['--locale', 'ko'], { LANG: 'en_US.UTF-8' });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toContain('✓ 서버: 12000번 포트에서 리슨함');
    expect(r.stdout).toContain('✗ 서버: 그 줄을 대문자로 답함');
    expect(r.stdout).toContain('tcp#1: 응답이 기대한 것과 다릅니다 (바이트 0: 기대한 값 "H", 실제 값 "h")');
    expect(r.stdout).toContain('기대한 결과: "HELLO, WORLD 42\\n"');
    expect(r.stdout).toContain('실제 결과: "hello, world 42\\n"');
    expect(r.stdout).toContain(`힌트: ${GRADER.ko['hint.exactBytes']}`);
    expect(r.stdout).toContain('[tcp#1] "hello, world 42\\n" 보냄');
    // A check's name is quoted as Korean quotes a title, so the quotes inside a name ("timed out") stay readable.
    expect(r.stdout).toContain('건너뜀: ‘그 줄을 대문자로 답함’ 검사 항목이 먼저 통과해야 합니다');
    // The line CI tools read stays as they know it.
    expect(r.stdout).toMatch(/^2 passed, 3 failed, 3 skipped$/m);
    expect(r.stdout).not.toContain('replies with the line in upper case');
  }, 150_000);

  it("speaks the system's language without --locale", () => {
    const r = grade([], { LANG: 'ko_KR.UTF-8' });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toContain('✗ 서버: 그 줄을 대문자로 답함');
    const en = grade([], { LANG: 'C.UTF-8' });
    expect(en.stdout).toContain('✗ server: replies with the line in upper case');
    expect(en.stdout).toContain('expected: "HELLO, WORLD 42\\n"');
  }, 300_000);
});

describe("a lab's own failure in Korean", () => {
  it("lab 06's post-201 mutant: the failure, the hint and the grader's notes are Korean, the request and the status as they were", async () => {
    const lab = loadLabs().find((l) => l.meta.id === 'websocket-chat')!;
    const ko = (await import(pathToFileURL(join(lab.dir, 'messages.ts')).href) as { default: Messages }).default.ko as Record<string, string>;
    const files = [...readLabFiles(lab, 'mutants/post-201', 'python')].map(([name, content]) => ({ name, content }));
    const report = await gradeFiles({ lab, lang: 'python', files, backend: chooseBackend('bwrap'), limits: resolveLimits({ checksAtOnce: 1 }), checks: ['post-201'], locale: 'ko' });
    const r = report.results.find((c) => c.id === 'post-201')!;
    expect(r).toMatchObject({
      status: 'failed',
      name: ko['check.post201'],
      message: fill(ko['post.fail']!, { body: '{"text":"first post","timestamp":"2026-03-01T10:01:00.000Z"}' }),
      expected: '201',
      received: '200',
      hint: ko['post.hint200'],
    });
    // Every line of the story is Korean, or the wire's own: a request, a status line, a command.
    const said = r.transcript.filter((e) => e.who !== 'program');
    expect(said.length).toBeGreaterThan(3);
    for (const e of said) expect(e.text, e.text).toMatch(/[\uac00-\ud7a3]|^→ POST \/messages |^← 200 /);
    expect(said.filter((e) => e.text.startsWith('→ ') || e.text.startsWith('← ')).map((e) => e.channel)).toEqual([GRADER.ko['log.grader'], GRADER.ko['log.grader']]);
  }, 60_000);
});
