/**
 * The graders, run hard: what `npm test` proves once (each solution passes,
 * each starter and mutant fails), here proven to hold every time and timed.
 *
 *   grader_verdicts  per lab with a checks.ts: its solution graded 20 times
 *                    and its starter 8 times, four at a time (a loaded
 *                    machine), in Python (every lab offers it; else the
 *                    lab's first language). Every run must give the same
 *                    verdict per check as the others, the solution must pass
 *                    every check and the starter fail one: a mismatch is a
 *                    failed figure. No baseline: a verdict is the same or not.
 *   check_ms         per lab and language: the solution graded alone by
 *                    `gradeFiles` (what Check and `socklab grade` run), wall
 *                    time, p50 of 3 after one unmeasured warm-up.
 *
 * The baseline of check_ms is the floor of a Check made the way the grader
 * makes one: every check runs in a fresh sandbox and starts at least one
 * program of the language, so
 *
 *     baseline = checks x (an empty sandbox started and closed
 *                          + a bare start of the language)
 *
 * where the bare start is the language's own command (runner/languages.ts)
 * on an empty program, run directly with no sandbox until it exits (for
 * Python, `python3 empty.py`: the `python3 -c pass` start). Both are
 * measured between the timed grades, so a busy moment on the machine hits
 * value and baseline alike. The ratio is then what the checks themselves
 * wait on (readiness polling, reference programs, timeouts, teardown) above
 * what a sandbox and an interpreter cost on this machine; the bare starts
 * and the sandbox's cost are reported beside, to judge the figure elsewhere.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Language } from '../protocol/messages.ts';
import type { GradeReport } from '../runner/grader/engine.ts';
import { gradeKind, verdicts } from '../runner/grader/proofs.ts';
import { LANGUAGES } from '../runner/languages.ts';
import { loadLabs, readLabFiles, type Lab } from '../runner/labs/load.ts';
import { resolveLimits, type Limits } from '../runner/limits.ts';
import { chooseBackend, type Backend } from '../runner/sandbox/index.ts';
import { info, type Figure, type Row } from './figure.ts';
import { BASE_ENV, killByPid, track, untrack } from './processes.ts';
import { median, round } from './stats.ts';

const SOLUTION_RUNS = 20;
const STARTER_RUNS = 8;
const AT_ONCE = 4;
const TIMED_RUNS = 3;
const BARE_START_TIMEOUT_MS = 60_000;

/** A program that does nothing, per language, in the file `LANGUAGES[lang].fileFor('empty')`. */
const EMPTY_PROGRAM: Record<Language, string> = {
  python: '',
  javascript: '',
  java: 'public class Empty { public static void main(String[] args) {} }\n',
};

const now = () => performance.now();

interface Mismatch {
  kind: 'solution' | 'starter';
  run: number;
  verdict: string;
  /** Why its failed checks failed, to tell a flaky check from a flaky program. */
  failures: string[];
}

export interface LabDeterminism {
  lab: string;
  lang: Language;
  solution_runs: number;
  starter_runs: number;
  solution_verdict: string;
  starter_verdict: string;
  solution_passed: boolean;
  starter_failed: boolean;
  mismatches: Mismatch[];
  wall_s: number;
}

export interface CheckTime {
  lab: string;
  lang: Language;
  checks: number;
  p50_ms: number;
  runs_ms: number[];
  sandbox_ms_p50: number;
  bare_start_ms_p50: number;
  baseline_ms: number;
  ratio: number;
}

export interface GradersResults {
  at_once: number;
  determinism: LabDeterminism[];
  check_ms: CheckTime[];
  /** p50 of every bare start of each language in the run. */
  bare_start_ms: Partial<Record<Language, number>>;
  sandbox_start_stop_ms: number;
  load_before: number;
  load_after: number;
}

interface Grader {
  backend: Backend;
  limits: Limits;
}

const grade = (g: Grader, lab: Lab, kind: string, lang: Language): Promise<GradeReport> => gradeKind(lab, kind, lang, g);
const verdict = verdicts;

function mostCommon(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
}

async function determinism(g: Grader, lab: Lab): Promise<LabDeterminism> {
  const t0 = now();
  const lang: Language = lab.meta.languages.includes('python') ? 'python' : lab.meta.languages[0]!;
  const verdicts = { solution: '', starter: '' };
  const mismatches: Mismatch[] = [];
  let solutionPassed = true;
  let starterFailed = true;
  for (const [kind, runs] of [['solution', SOLUTION_RUNS], ['starter', STARTER_RUNS]] as const) {
    const reports: GradeReport[] = [];
    for (let i = 0; i < runs; i += AT_ONCE) {
      const batch = Array.from({ length: Math.min(AT_ONCE, runs - i) }, () => grade(g, lab, kind, lang));
      reports.push(...(await Promise.all(batch)));
    }
    // Against the most common verdict, so one odd first run is one mismatch, not all the others.
    const common = mostCommon(reports.map(verdict));
    verdicts[kind] = common;
    for (const [run, r] of reports.entries()) {
      if (kind === 'solution' && (r.failed > 0 || r.skipped > 0)) solutionPassed = false;
      if (kind === 'starter' && r.failed === 0) starterFailed = false;
      if (verdict(r) === common) continue;
      const failures = r.results.filter((c) => c.status === 'failed').map((c) => `${c.id}: ${c.message ?? ''}`.slice(0, 300));
      mismatches.push({ kind, run, verdict: verdict(r), failures });
    }
  }
  return {
    lab: lab.meta.id,
    lang,
    solution_runs: SOLUTION_RUNS,
    starter_runs: STARTER_RUNS,
    solution_verdict: verdicts.solution,
    starter_verdict: verdicts.starter,
    solution_passed: solutionPassed,
    starter_failed: starterFailed,
    mismatches,
    wall_s: round((now() - t0) / 1000, 1),
  };
}

/** An empty sandbox started and closed, in ms. */
async function sandboxStartStop(g: Grader): Promise<number> {
  const t0 = now();
  const sandbox = await g.backend.create(g.limits);
  await sandbox.close();
  return now() - t0;
}

/** The language's command on an empty program in `dir`, run directly until it exits, in ms. */
async function bareStart(lang: Language, dir: string): Promise<number> {
  const argv = LANGUAGES[lang].command(LANGUAGES[lang].fileFor('empty'));
  const t0 = now();
  const child = track(spawn(argv[0]!, argv.slice(1), { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: BASE_ENV }));
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => killByPid(child.pid), BARE_START_TIMEOUT_MS);
  const code = await new Promise<number | null>((res, rej) => {
    child.once('error', rej);
    child.once('exit', (c) => res(c));
  }).finally(() => {
    clearTimeout(timer);
    untrack(child);
  });
  if (code !== 0) throw new Error(`${argv.join(' ')} exited with ${code}: ${err.slice(0, 300)}`);
  return now() - t0;
}

async function checkTime(g: Grader, lab: Lab, lang: Language, dir: string): Promise<CheckTime> {
  const runs: number[] = [];
  const sandbox: number[] = [];
  const bare: number[] = [];
  let checks = 0;
  for (let i = -1; i < TIMED_RUNS; i++) {
    const t0 = now();
    const report = await grade(g, lab, 'solution', lang);
    const ms = now() - t0;
    if (report.failed || report.skipped) throw new Error(`the ${lab.meta.id} ${lang} solution did not pass: ${verdict(report)}`);
    checks = report.results.length;
    const sandboxMs = await sandboxStartStop(g);
    const bareMs = await bareStart(lang, dir);
    if (i < 0) continue;
    runs.push(ms);
    sandbox.push(sandboxMs);
    bare.push(bareMs);
  }
  const sandboxMs = median(sandbox);
  const bareMs = median(bare);
  const baseline = checks * (sandboxMs + bareMs);
  const p50 = median(runs);
  return {
    lab: lab.meta.id,
    lang,
    checks,
    p50_ms: round(p50, 0),
    runs_ms: runs.map((x) => round(x, 0)),
    sandbox_ms_p50: round(sandboxMs, 1),
    bare_start_ms_p50: round(bareMs, 1),
    baseline_ms: round(baseline, 0),
    ratio: p50 / baseline,
  };
}

/** The determinism runs of every graded lab, then the Check time of each solution, alone. */
export async function benchGraders(): Promise<GradersResults> {
  const loadBefore = loadavg()[0]!;
  const g: Grader = { backend: chooseBackend('bwrap'), limits: resolveLimits() };
  const labs = loadLabs().filter((lab) => existsSync(join(lab.dir, 'checks.ts')));
  if (!labs.length) throw new Error('no lab has a checks.ts');

  const det: LabDeterminism[] = [];
  for (const lab of labs) det.push(await determinism(g, lab));

  const dir = mkdtempSync(join(tmpdir(), 'socklab-bench-empty-'));
  const times: CheckTime[] = [];
  try {
    for (const [lang, text] of Object.entries(EMPTY_PROGRAM) as [Language, string][]) writeFileSync(join(dir, LANGUAGES[lang].fileFor('empty')), text);
    for (const lab of labs) {
      for (const lang of lab.meta.languages) {
        if (readLabFiles(lab, 'solution', lang).size) times.push(await checkTime(g, lab, lang, dir));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const bareStarts: Partial<Record<Language, number>> = {};
  for (const lang of new Set(times.map((t) => t.lang))) bareStarts[lang] = round(median(times.filter((t) => t.lang === lang).map((t) => t.bare_start_ms_p50)), 1);
  return {
    at_once: AT_ONCE,
    determinism: det,
    check_ms: times,
    bare_start_ms: bareStarts,
    sandbox_start_stop_ms: round(median(times.map((t) => t.sandbox_ms_p50)), 1),
    load_before: round(loadBefore, 1),
    load_after: round(loadavg()[0]!, 1),
  };
}

export function gradersRows(r: GradersResults): Row[] {
  const rows: Row[] = r.determinism.map((d) => {
    const total = d.solution_runs + d.starter_runs;
    const problems = [
      d.mismatches.length ? `${d.mismatches.length} of ${total} differ` : '',
      d.solution_passed ? '' : 'solution failed',
      d.starter_failed ? '' : 'starter passed',
    ].filter(Boolean);
    return {
      metric: `grader_verdicts ${d.lab} (${d.lang})`,
      value: problems.length ? problems.join(', ') : `same in ${total}/${total}`,
      baseline: '',
      ratio: `${d.wall_s} s, ${r.at_once} at a time`,
      goal: 'same every run',
      ok: problems.length === 0,
    };
  });
  for (const t of r.check_ms) {
    rows.push(
      info(
        `check_ms p50 ${t.lab} ${t.lang}`,
        String(t.p50_ms),
        `${t.baseline_ms} (${t.checks} x (sandbox ${round(t.sandbox_ms_p50, 0)} + ${t.lang} ${round(t.bare_start_ms_p50, 0)}))`,
        `${round(t.ratio, 1)}x`,
      ),
    );
  }
  const bare = Object.entries(r.bare_start_ms).map(([lang, ms]) => `${lang} ${round(ms, 0)}`);
  rows.push(info('  bare starts p50 (ms)', bare.join(' / '), `sandbox start+stop ${round(r.sandbox_start_stop_ms, 0)}`));
  return rows;
}

export const gradersFigure: Figure<GradersResults> = {
  name: 'graders',
  key: 'graders',
  title: `graders: each lab's solution ${SOLUTION_RUNS}x and starter ${STARTER_RUNS}x, ${AT_ONCE} at a time; then Check on each solution, per language (${TIMED_RUNS} runs)`,
  run: () => benchGraders(),
  rows: gradersRows,
  notes: (r) => {
    const lines = [`graders: load average ${r.load_before} before, ${r.load_after} after`];
    for (const d of r.determinism) {
      for (const m of d.mismatches) lines.push(`graders: ${d.lab} ${m.kind} run ${m.run} gave "${m.verdict}" (the others: "${m.kind === 'solution' ? d.solution_verdict : d.starter_verdict}")${m.failures.length ? `; ${m.failures.join('; ')}` : ''}`);
    }
    return lines;
  },
};
