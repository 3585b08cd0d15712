/**
 * `socklab grade` on a class, run as an instructor runs it: a class of 5
 * made from the tcp-echo solution, starter and a server and a client mutant, graded in the real
 * sandbox into CSV, JSON and HTML; points from checks.ts; bad inputs refused
 * with exit 2; one folder still gets today's single-submission output.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classCsv, classHtml } from '../grader/class-report.ts';
import { classroomOutput, classroomResult, scoreReport, stepSummary } from '../grader/ci-reports.ts';
import type { GradeReport } from '../grader/engine.ts';
import { graderSay } from '../grader/messages.ts';
import { readSubmission, type ClassResult } from '../grader/class-grade.ts';
import { findLab, loadLabs } from '../labs/load.ts';
import { resolveLimits } from '../limits.ts';
import { descendantsOf, stillRunning } from '../../test/support/test-client.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ECHO = join(ROOT, 'labs/02-tcp-echo');
/** One mutant of each role: each must fail its own check in its own row (that each mutant fails its check is the grader proofs' claim). */
const MUTANTS = ['upper-case', 'client-prints-reply'];
let tmp = '';

/** Runs socklab to its end (async: the class grade takes a while and must not block the other tests' timers). */
function socklab(args: string[], timeoutMs = 60_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/socklab.js'), ...args], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      done({ status, stdout, stderr });
    });
  });
}

function student(name: string, ...from: string[]) {
  const dir = join(tmp, 'class', name);
  mkdirSync(dir, { recursive: true });
  for (const f of from) cpSync(join(ECHO, f, 'python'), dir, { recursive: true });
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'socklab-class-'));
  for (const n of ['ada', 'bo']) student(n, 'solution');
  student('dee-starter', 'starter');
  for (const m of MUTANTS) student(`m-${m}`, 'solution', join('mutants', m));
  mkdirSync(join(tmp, 'class', '.git'));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('socklab grade --class', () => {
  it('grades a class of 5 concurrently, 3 at a time, into CSV, JSON and HTML reports', async () => {
    const r = await socklab(['grade', 'tcp-echo', '--class', 'class', '--jobs', '3', '--report', 'out'], 110_000);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Grading 5 submissions of tcp-echo, 3 at a time');
    expect(r.stdout).toMatch(/\[5\/5\] /);
    expect(readdirSync(join(tmp, 'out')).sort()).toEqual(['class-report.csv', 'class-report.html', 'class-report.json']);

    const json = JSON.parse(readFileSync(join(tmp, 'out/class-report.json'), 'utf8')) as ClassResult & { rows: { student: string; check: string; status: string; points: number }[] };
    expect(json.students.map((s) => s.student)).toEqual(['ada', 'bo', 'dee-starter', ...MUTANTS.map((m) => `m-${m}`).sort()]);
    expect(json.maxPoints).toBe(json.checks.length);
    expect(json.rows).toHaveLength(5 * json.checks.length);
    const points = Object.fromEntries(json.students.map((s) => [s.student, s.points]));
    for (const s of ['ada', 'bo']) expect(points[s], s).toBe(json.maxPoints);
    expect(points['dee-starter']).toBeLessThan(json.maxPoints);
    for (const m of MUTANTS) {
      expect(json.rows.find((row) => row.student === `m-${m}` && row.check === m)?.status, m).toBe('failed');
    }

    const csv = readFileSync(join(tmp, 'out/class-report.csv'), 'utf8').trimEnd().split('\r\n');
    expect(csv[0]).toBe('student,lang,check,name,role,status,points,max_points,message');
    expect(csv).toHaveLength(1 + 5 * json.checks.length);
    expect(csv).toContain('ada,python,upper-case,replies with the line in upper case,server,passed,1,1,');

    const html = readFileSync(join(tmp, 'out/class-report.html'), 'utf8');
    expect(html).toContain('TCP upper-case echo: class report');
    expect(html).toContain('5 submissions');
    // upper-case fails for the starter and its mutant: 3 of 5 pass.
    expect(html).toMatch(/replies with the line in upper case[\s\S]*?60% <small>\(3\/5\)<\/small>/);
    expect(html).toMatch(/<span class="count">2×<\/span>/);
  }, 120_000);

  it('takes points from checks.ts', async () => {
    const labs = join(tmp, 'labs');
    mkdirSync(labs);
    mkdirSync(join(tmp, 'node_modules'));
    symlinkSync(ROOT, join(tmp, 'node_modules', 'socklab'));
    writeFileSync(join(tmp, 'package.json'), '{ "type": "module" }\n');
    expect(spawnSync(process.execPath, [join(ROOT, 'bin/socklab.js'), 'new', 'greeter', '--labs', labs], { encoding: 'utf8' }).status).toBe(0);
    const checks = join(labs, '00-greeter/checks.ts');
    writeFileSync(checks, readFileSync(checks, 'utf8').replace('points: 1', 'points: 5'));
    cpSync(join(labs, '00-greeter/solution/python'), join(tmp, 'two/good'), { recursive: true });
    cpSync(join(labs, '00-greeter/starter/python'), join(tmp, 'two/bad'), { recursive: true });
    const r = await socklab(['grade', 'greeter', 'two/good', 'two/bad', '--labs', labs, '--report', 'points'], 60_000);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(join(tmp, 'points/class-report.csv'), 'utf8').split('\r\n').slice(1, 3)).toEqual([
      expect.stringMatching(/^good,python,greets,.*,passed,5,5,$/),
      expect.stringMatching(/^bad,python,greets,.*,failed,0,5,/),
    ]);
  }, 60_000);

  it.each([
    [['grade', 'tcp-echo', '--class', 'nope'], /--class: nope is not a folder/],
    [['grade', 'tcp-echo', '--class', 'class', 'class/ada'], /not both/],
    [['grade', 'tcp-echo', '--class', 'class', '--jobs', '0'], /--jobs: expected a whole number from 1 to 64, got "0"/],
    [['grade', 'tcp-echo', '--class', 'class', '--jobs', 'four'], /--jobs: expected a whole number from 1 to 64, got "four"/],
    [['grade', 'tcp-echo', '--class', 'class', '--lang', 'cobol'], /--lang: /],
    [['grade', 'tcp-echo', '--class', 'class', '--only', 'proxy'], /--only: /],
    [['grade', 'nolab', '--class', 'class'], /no lab with programs is called "nolab"/],
    [['grade', 'tcp-echo', 'class/ada', 'class/ada'], /two submissions are named "ada"/],
    [['grade', 'tcp-echo', '--class', 'class', '--reporter', 'junit'], /unknown option --reporter \(a class grade takes --class, /],
  ])('refuses %j with exit 2', async (args, message) => {
    const r = await socklab(args);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.status).toBe(2);
  });

  it('stops on Ctrl-C: ends the grade running, writes the students graded so far and marks the rest not graded, exit 130', async () => {
    // A server that accepts and never answers: each of its checks would wait out its timeout.
    const silent = 'import socket, time\ns = socket.socket()\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.bind(("", 12000))\ns.listen(16)\nheld = []\nwhile True:\n    held.append(s.accept()[0])\n';
    cpSync(join(ECHO, 'solution/python'), join(tmp, 'stopped/a-good'), { recursive: true });
    mkdirSync(join(tmp, 'stopped/b-silent'), { recursive: true });
    writeFileSync(join(tmp, 'stopped/b-silent/server.py'), silent);
    for (const n of ['c-good', 'd-good']) cpSync(join(ECHO, 'solution/python'), join(tmp, 'stopped', n), { recursive: true });
    const child = spawn(process.execPath, [join(ROOT, 'bin/socklab.js'), 'grade', 'tcp-echo', '--class', 'stopped', '--jobs', '1', '--report', 'partial'], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      // a-good graded, b-silent's server up and waiting.
      await expect.poll(() => out, { timeout: 60_000 }).toMatch(/\[1\/4\] a-good/);
      await expect.poll(() => descendantsOf(child.pid!).filter((p) => p.name === 'python3').length, { timeout: 30_000 }).toBeGreaterThan(0);
      const running = descendantsOf(child.pid!);
      child.kill('SIGINT');
      expect(await exited, out).toBe(130);
      expect(running.filter(stillRunning)).toEqual([]);
      expect(out).toContain('stopping: the grades still running are being ended');
      expect(out).toMatch(/stopped after [\d.]+ s: 1 of 4 submissions graded; the report lists the other 3 as not graded/);
      const json = JSON.parse(readFileSync(join(tmp, 'partial/class-report.json'), 'utf8')) as ClassResult;
      expect(json.stopped).toBe(true);
      expect(json.students.map((s) => [s.student, s.notGraded ?? false, s.points])).toEqual([['a-good', false, json.maxPoints], ['b-silent', true, 0], ['c-good', true, 0], ['d-good', true, 0]]);
      const csv = readFileSync(join(tmp, 'partial/class-report.csv'), 'utf8').trimEnd().split('\r\n');
      expect(csv.filter((row) => row.startsWith('b-silent,'))).toEqual(json.checks.map((c) => expect.stringMatching(new RegExp(`^b-silent,,${c.id},.*,not-graded,0,1,not graded: the class grade was stopped`))));
      const html = readFileSync(join(tmp, 'partial/class-report.html'), 'utf8');
      expect(html).toContain('Stopped before every submission was graded:</b> 1 of 4 graded');
      // The pass rates count the one student graded, not the three the stop left.
      expect(html).toMatch(/replies with the line in upper case[\s\S]*?100% <small>\(1\/1\)<\/small>/);
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);

  it('reads a submission as socklab grade does: a link to a host file is refused, never read', () => {
    const lab = findLab(loadLabs(), 'tcp-echo')!;
    const dir = join(tmp, 'linked');
    mkdirSync(dir);
    symlinkSync('/etc/passwd', join(dir, 'server.py'));
    const read = readSubmission(dir, lab, resolveLimits());
    expect(read).toEqual({ error: expect.stringContaining('server.py is a symbolic link') });
    expect(JSON.stringify(read)).not.toContain('root:');
  });

  it('keeps the single-submission grade for one folder', async () => {
    const r = await socklab(['grade', 'tcp-echo', 'class/ada', '--only', 'client']);
    expect(r.stdout).toContain('Grading tcp-echo (Python): client.py');
    expect(r.stdout).toMatch(/\d+ passed, 0 failed/);
    expect(r.status).toBe(0);
  }, 60_000);
});

describe('the class report', () => {
  const result: ClassResult = {
    lab: 'x',
    title: 'X <lab>',
    date: '2026-01-01T00:00:00.000Z',
    checks: [{ id: 'a', name: 'a check', role: 'server', points: 1 }],
    maxPoints: 1,
    students: [{ student: '<img src=x>', dir: '/d', lang: 'python', cells: [{ id: 'a', status: 'failed', points: 0, message: '=HYPERLINK("x") <script>' }], points: 0, durationMs: 1 }],
    durationMs: 1,
    concurrency: 1,
  };

  it('escapes what students wrote in HTML, and keeps formulas out of the CSV', () => {
    const html = classHtml(result);
    expect(html).not.toContain('<img src=x>');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;img src=x&gt;');
    expect(classCsv(result)).toContain(`"'=HYPERLINK(""x"") <script>"`);
  });

  it('says when the class was graded as a person reads a time', () => {
    expect(classHtml(result)).toContain('graded 2026-01-01 00:00 UTC in');
  });
});

describe('the CI reports of one grade', () => {
  const report: GradeReport = {
    lab: 'x',
    lang: 'python',
    roles: ['server', 'client'],
    results: [
      { id: 'a', name: 'answers', role: 'server', status: 'passed', durationMs: 10, transcript: [], outputs: [] },
      { id: 'b', name: 'b | <i>', role: 'server', status: 'failed', message: 'got `x`\n| <script>', durationMs: 20, transcript: [], outputs: [] },
      { id: 'c', name: 'reads', role: 'client', status: 'skipped', message: 'needs b', durationMs: 0, transcript: [], outputs: [] },
    ],
    passed: 1,
    failed: 1,
    skipped: 1,
    durationMs: 30,
  };
  const scored = scoreReport(report, [
    { id: 'a', name: 'answers', role: 'server', points: 2 },
    { id: 'b', name: 'b', role: 'server', points: 3 },
    { id: 'c', name: 'reads', role: 'client', points: 1 },
    { id: 'd', name: 'sends', role: 'client', points: 4 },
  ]);

  it('the job summary: a row per check with its points, what the program said kept inside its cell', () => {
    const md = stepSummary(report, scored);
    expect(md).toContain('**2 of 10 points** · 2 checks failed');
    expect(md).toContain('| ✅ | server: answers | passed | 2 / 2 |  |');
    expect(md).toContain('| ❌ | server: b \\| &lt;i&gt; | failed | 0 / 3 | got \\`x\\` \\| &lt;script&gt; |');
    expect(md).toContain('| ⏭️ | client: reads | skipped | 0 / 1 | needs b |');
    // A check the grade could not run (no client.py) still counts, with no points.
    expect(md).toContain('| ❌ | client: sends | failed | 0 / 4 | not graded: there is no client.py |');
    expect(stepSummary(report, scored, graderSay('ko'))).toContain('**10점 만점에 2점**');
    expect(scoreReport(report, [{ id: 'a', name: 'answers', role: 'server', points: 2 }, { id: 'd', name: 'sends', role: 'client', points: 4 }], ['server'])).toHaveLength(1);
  });

  it('GitHub Classroom\'s result: each check a test scored with its points, base64 in a step output', () => {
    const result = classroomResult(report, scored);
    expect(result).toMatchObject({ version: 1, status: 'fail', max_score: 10 });
    expect(result.tests.map((t) => [t.status, t.score])).toEqual([['pass', 2], ['fail', 0], ['fail', 0], ['fail', 0]]);
    const line = classroomOutput(result);
    expect(line).toMatch(/^result=[A-Za-z0-9+/]+=*\n$/);
    expect(JSON.parse(Buffer.from(line.slice(7), 'base64').toString('utf8'))).toEqual(result);
  });
});
