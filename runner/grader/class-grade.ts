/**
 * Grading a class: many submissions (one folder per student) graded with
 * the same engine as `socklab grade`, several at once within a bound, into
 * one result with points per check. A submission that cannot be graded (no
 * program in it, a file too big) is recorded for that student; it never
 * stops the class.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { type Language, type StudentFile } from '../../protocol/messages.ts';
import { LANGUAGES } from '../languages.ts';
import type { Lab } from '../labs/load.ts';
import type { Limits } from '../limits.ts';
import type { Backend } from '../sandbox/index.ts';
import type { CheckDef } from './api.ts';
import { warmForker } from '../terminal/forker.ts';
import { CpuIdle } from './cpu-idle.ts';
import { runGrowing } from './grow-while-idle.ts';
import { readStudentFolder, SubmissionError } from './submission.ts';
import { gradeFiles, loadChecks, nameOf, rolesIn, type CheckStatus, type GradeReport } from './engine.ts';

/** One student's folder. */
export interface Submission {
  student: string;
  dir: string;
}

/** A check as the class report lists it. */
export interface ClassCheck {
  id: string;
  name: string;
  role: string;
  points: number;
}

/**
 * One student and check: `missing` when the student's folder lacks that
 * role's program, `not-graded` when the class grade was stopped before the
 * student's grade ended.
 */
export interface ClassCell {
  id: string;
  status: CheckStatus | 'missing' | 'not-graded';
  points: number;
  message?: string;
}

export interface StudentResult {
  student: string;
  dir: string;
  lang?: Language;
  /** Why the submission could not be graded at all. */
  error?: string;
  /** The class grade was stopped (ClassGradeOptions.signal) before this student's grade ended: no points are known. */
  notGraded?: true;
  cells: ClassCell[];
  points: number;
  durationMs: number;
}

export interface ClassResult {
  lab: string;
  title: string;
  date: string;
  checks: ClassCheck[];
  maxPoints: number;
  students: StudentResult[];
  durationMs: number;
  /** The most graded at once during the class. */
  concurrency: number;
  /** Set when the grade was stopped before every student's grade ended (the rest are `notGraded`). */
  stopped?: true;
}

export interface ClassGradeOptions {
  lab: Lab;
  submissions: Submission[];
  backend: Backend;
  limits: Limits;
  /** Submissions graded at once. */
  concurrency: number;
  /**
   * More at once, up to this many, while the machine's CPUs are left idle
   * (grow-while-idle.ts): a grade mostly waits on its checks' timers, so a
   * fixed number either leaves a quiet machine's cores idle or, set high,
   * crowds a busy one. Default: `concurrency` (fixed).
   */
  maxConcurrency?: number;
  /** Force a language instead of finding it from each folder's file names. */
  lang?: Language;
  /** Grade only these roles. */
  only?: string[];
  /** Called as each student's grade ends (not for one the stop cut short). */
  onGraded?: (student: StudentResult, done: number, total: number) => void;
  /**
   * Aborted, it stops the class (Ctrl-C): no student's grade starts after
   * it, the running ones are stopped, and gradeClass resolves once their
   * sandboxes are closed, with every student it did not grade to the end
   * marked `notGraded`.
   */
  signal?: AbortSignal;
}

/**
 * How often a class grade looks at the CPUs to grade one more student at
 * once (or one fewer), and the share of the machine's CPU time idle since
 * the last look that grows (at least) or shrinks (below) that number. A
 * tcp-echo grade takes about 2 s of CPU over 6-8 s (with its checks one at
 * a time), some 15% of this 2-core machine: with a quarter of it idle there
 * is room for one more, and one more a second cannot overshoot much before
 * the next look sees it; at a tenth or less the CPUs are full, and more
 * students at once would only stretch every check's timers.
 */
const GROW_EVERY_MS = 1000;
const GROW_IDLE_SHARE = 0.25;
const SHRINK_IDLE_SHARE = 0.1;

/**
 * Submissions graded at once unless the instructor says (--jobs): twice the
 * cores, and more while the CPUs are idle (maxClassJobs). A grade spends
 * most of its wall time waiting on its checks' timers and programs (a tcp-echo Check took 2.6 s of CPU in 4.7 s with two checks
 * at once, and here each student's checks run one at a time), so one per
 * core leaves the cores idle on a quiet machine; on a saturated one twice as
 * many graded no slower (30 tcp-echo submissions on 2 cores at load ~40:
 * 613 s at 2, 639 s at 4, within its noise).
 */
export function defaultClassJobs(): number {
  return Math.max(2, availableParallelism() * 2);
}

/**
 * The most submissions graded at once unless the instructor says (--jobs):
 * six times the cores, reached only while the CPUs are idle. On this
 * 2-core machine (quiet) 4 at a time kept its cores about half busy (33
 * tcp-echo grades a minute at 2 s of CPU each), and up to six a third idle
 * (35.6 a minute); a grade's checks run one after another in its one
 * sandbox, so filling two cores at 1.6 s of CPU a grade takes about ten.
 */
export function maxClassJobs(): number {
  return defaultClassJobs() * 3;
}

/** The lab's checks with their points (default 1); throws ChecksError for a bad `points` (loadChecks checks them). */
export async function classChecks(lab: Lab): Promise<ClassCheck[]> {
  const { checks, messages } = await loadChecks(lab);
  // The class report is the instructor's, in English (its words are not a student's).
  return checks.map((c: CheckDef) => ({ id: c.id, name: nameOf(c, messages, 'en'), role: c.role, points: c.points ?? 1 }));
}

/** The note on every check of a student the stop left ungraded. */
const NOT_GRADED = 'not graded: the class grade was stopped first';

/** Grades every submission, `concurrency` at a time (up to `maxConcurrency` while the CPUs are idle); students in the order given. */
export async function gradeClass(opts: ClassGradeOptions): Promise<ClassResult> {
  const t0 = performance.now();
  const checks = (await classChecks(opts.lab)).filter((c) => !opts.only || opts.only.includes(c.role));
  // Every program of the class then starts through the forker, none by a fork of the runner.
  await warmForker();
  const results: StudentResult[] = new Array(opts.submissions.length);
  let done = 0;
  const idle = new CpuIdle();
  const concurrency = await runGrowing(
    opts.submissions.length,
    async (i) => {
      const graded = await gradeOne(opts, checks, opts.submissions[i]!);
      if (!graded) return;
      results[i] = graded;
      opts.onGraded?.(graded, ++done, opts.submissions.length);
    },
    { least: opts.concurrency, most: opts.maxConcurrency ?? opts.concurrency, idleShare: () => idle.sample(), everyMs: GROW_EVERY_MS, idleToGrow: GROW_IDLE_SHARE, idleToShrink: SHRINK_IDLE_SHARE, ...(opts.signal ? { signal: opts.signal } : {}) },
  );
  const notGraded = (sub: Submission): StudentResult => ({ student: sub.student, dir: sub.dir, notGraded: true, cells: checks.map((c) => ({ id: c.id, status: 'not-graded', points: 0, message: NOT_GRADED })), points: 0, durationMs: 0 });
  const students = opts.submissions.map((sub, i) => results[i] ?? notGraded(sub));
  return {
    lab: opts.lab.meta.id,
    title: opts.lab.meta.title,
    date: new Date().toISOString(),
    checks,
    maxPoints: checks.reduce((a, c) => a + c.points, 0),
    students,
    durationMs: Math.round(performance.now() - t0),
    concurrency,
    ...(done < students.length ? { stopped: true as const } : {}),
  };
}

/** A student's result, or undefined when the class's stop cut the grade short. */
async function gradeOne(opts: ClassGradeOptions, checks: ClassCheck[], sub: Submission): Promise<StudentResult | undefined> {
  const t0 = performance.now();
  const base = { student: sub.student, dir: sub.dir };
  const missingAll = (error: string): StudentResult => ({ ...base, error, cells: checks.map((c) => ({ id: c.id, status: 'missing', points: 0, message: error })), points: 0, durationMs: 0 });
  const read = readSubmission(sub.dir, opts.lab, opts.limits, opts.lang);
  if ('error' in read) return missingAll(read.error);
  const roles = rolesIn(opts.lab, read.lang, read.files.map((f) => f.name)).filter((r) => !opts.only || opts.only.includes(r));
  if (roles.length === 0) return { ...missingAll(`no ${checkedFiles(opts.lab, read.lang, opts.only).join(' or ')} in the folder`), lang: read.lang };
  let report: GradeReport;
  try {
    // Several students at once already fill the cores: a student's checks
    // side by side would only make them wait on each other's timers; the
    // one sandbox (none made ahead, gradeFiles' default) is made new
    // between its checks.
    const shared = opts.concurrency > 1;
    const limits = shared ? { ...opts.limits, checksAtOnce: 1 } : opts.limits;
    report = await gradeFiles({ lab: opts.lab, lang: read.lang, files: read.files, backend: opts.backend, limits, only: roles, ...(opts.signal ? { signal: opts.signal } : {}) });
  } catch (err) {
    return { ...missingAll(`could not be graded: ${(err as Error).message}`), lang: read.lang };
  }
  if (report.stopped) return undefined;
  const cells: ClassCell[] = checks.map((c) => {
    const r = report.results.find((x) => x.id === c.id);
    if (!r) return { id: c.id, status: 'missing', points: 0, message: `no ${LANGUAGES[read.lang].fileFor(c.role)}` };
    return { id: c.id, status: r.status, points: r.status === 'passed' ? c.points : 0, ...(r.message ? { message: r.message } : {}) };
  });
  return { ...base, lang: read.lang, cells, points: cells.reduce((a, c) => a + c.points, 0), durationMs: Math.round(performance.now() - t0) };
}

const checkedFiles = (lab: Lab, lang: Language, only?: string[]) =>
  lab.meta.processes.filter((p) => !only || only.includes(p.role)).map((p) => LANGUAGES[lang].fileFor(p.role));

/** A submission's language and files (the same rules as `socklab grade`), or why it cannot be graded. */
export function readSubmission(dir: string, lab: Lab, limits: Limits, lang?: Language): { lang: Language; files: StudentFile[] } | { error: string } {
  try {
    const { lang: found, files } = readStudentFolder(dir, lab, lang, limits);
    return { lang: found, files };
  } catch (err) {
    if (err instanceof SubmissionError) return { error: err.message };
    throw err;
  }
}

/** The submissions of a class folder: each sub-folder is one student, named after it (hidden ones skipped). */
export function classFolder(dir: string): Submission[] {
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.') && statSync(join(dir, n)).isDirectory())
    .sort()
    .map((n) => ({ student: n, dir: join(dir, n) }));
}

/** Submissions from folders named on the command line: each student is the folder's name. */
export function namedFolders(dirs: string[]): Submission[] {
  return dirs.map((d) => ({ student: basename(d.replace(/[/\\]+$/, '')) || d, dir: d }));
}

/** Whether `dir` exists and is a folder. */
export function isFolder(dir: string): boolean {
  return existsSync(dir) && statSync(dir).isDirectory();
}
