/**
 * `socklab grade <lab> <dir> <dir>...` or `socklab grade <lab> --class DIR`:
 * a class graded at once into a report folder (class-report.csv, .json,
 * .html). runner/cli.ts hands `grade` here when more than one submission is
 * named or --class is given; one folder alone keeps the single-submission
 * grade and its output.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { Language } from '../../protocol/messages.ts';
import { findLab } from '../labs/load.ts';
import { Runner } from '../runner.ts';
import { ChecksError } from '../grader/engine.ts';
import { classFolder, defaultClassJobs, gradeClass, maxClassJobs, isFolder, namedFolders, type StudentResult, type Submission } from '../grader/class-grade.ts';
import { classCsv, classHtml, classJson } from '../grader/class-report.ts';
import { check, parseFlags, Sandbox, UsageError, wholeNumber } from '../cli-args.ts';
import { stopOnSignals, type StopSignals } from '../stop-signals.ts';

/** Appended to `socklab grade`'s usage. */
export const CLASS_GRADE_USAGE = `  socklab grade <lab> <dir> <dir>... | --class DIR [--jobs N] [--report DIR] [--lang L] [--only ROLE] [--labs DIR]
      Grade a class: several student folders, or every folder inside DIR
      (one per student, named after them), --jobs at a time (default: twice
      the number of cores, and up to six times while the CPUs are idle). Writes class-report.csv and .json (a row per student
      and check, with points from checks.ts) and class-report.html (pass rate
      and most common failures per check, each student's total) to --report
      (default ./socklab-report). Exit 0 once the report is written. Ctrl-C
      stops it: the report holds the students graded so far (exit 130).
`;

const OPTIONS = {
  class: { type: 'string' },
  jobs: { type: 'string' },
  report: { type: 'string' },
  lang: { type: 'string' },
  only: { type: 'string' },
  labs: { type: 'string' },
  sandbox: { type: 'string' },
} as const;

/** Whether these `grade` arguments ask for a class (several folders, or --class). */
export function isClassGrade(args: string[]): boolean {
  try {
    // Every option of a single grade too, so that an option's value is never taken for a folder.
    const { values, positionals } = parseArgs({ args, options: { ...OPTIONS, reporter: { type: 'string' }, out: { type: 'string' }, locale: { type: 'string' }, record: { type: 'string' }, summary: { type: 'string' }, classroom: { type: 'string' } }, allowPositionals: true, strict: false });
    return values.class !== undefined || positionals.length > 2;
  } catch {
    return false;
  }
}

/** Runs the class grade; see CLASS_GRADE_USAGE. */
export async function cmdGradeClass(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('grade', args, OPTIONS, 'a class grade takes --class, --jobs, --report, --lang, --only, --labs, --sandbox');
  const [labName, ...dirs] = positionals;
  if (!labName || (values.class === undefined) === (dirs.length === 0)) {
    throw new UsageError('usage: socklab grade <lab> <dir> <dir>... or socklab grade <lab> --class DIR (not both)');
  }
  const jobs = wholeNumber(values.jobs ?? String(defaultClassJobs()), 1, 64, '--jobs');
  // --jobs is a fixed number; by default more start while the CPUs are idle.
  const maxJobs = values.jobs === undefined ? maxClassJobs() : jobs;
  const lang = values.lang === undefined ? undefined : check(Language, values.lang, '--lang');
  const sandbox = check(Sandbox, values.sandbox ?? 'auto', '--sandbox');
  let submissions: Submission[];
  if (values.class !== undefined) {
    if (!isFolder(values.class)) throw new UsageError(`--class: ${values.class} is not a folder`);
    submissions = classFolder(resolve(values.class));
    if (submissions.length === 0) throw new UsageError(`--class: ${values.class} holds no student folders`);
  } else {
    const notFolder = dirs.find((d) => !isFolder(d));
    if (notFolder) throw new UsageError(`${notFolder} is not a folder`);
    submissions = namedFolders(dirs).map((s) => ({ ...s, dir: resolve(s.dir) }));
  }
  const twice = submissions.find((s, i) => submissions.findIndex((o) => o.student === s.student) !== i);
  if (twice) throw new UsageError(`two submissions are named "${twice.student}"; students are told apart by folder name`);
  if (values.labs !== undefined && !isFolder(values.labs)) throw new UsageError(`--labs: ${values.labs} is not a folder`);

  const runner = new Runner({ sandbox, ...(values.labs !== undefined ? { labsDir: resolve(values.labs) } : {}) });
  let stop: StopSignals | undefined;
  try {
    const lab = findLab(runner.labs, labName);
    if (!lab || lab.meta.processes.length === 0) {
      throw new UsageError(`no lab with programs is called "${labName}"; labs: ${runner.labs.filter((l) => l.meta.processes.length).map((l) => l.meta.id).join(', ')}`);
    }
    if (lang && !lab.meta.languages.includes(lang)) throw new UsageError(`${lab.meta.title} is offered in ${lab.meta.languages.join(', ')}, not ${lang}`);
    const roles = lab.meta.processes.map((p) => p.role);
    const only = values.only === undefined ? undefined : [check(z.enum(roles as [string, ...string[]]), values.only, '--only')];
    if (runner.backend.warning) console.error(`socklab: warning: ${runner.backend.warning}`);
    const tty = Boolean(process.stdout.isTTY);
    const atOnce = Math.min(jobs, submissions.length);
    const upTo = Math.min(maxJobs, submissions.length);
    console.log(`Grading ${submissions.length} submissions of ${lab.meta.id}, ${atOnce}${upTo > atOnce ? ` (up to ${upTo} while the CPUs are idle)` : ''} at a time`);
    const t0 = Date.now();
    // Ctrl-C (or a CI job's cancel) ends the grades still running; the students graded so far are written to the report,
    // which a first signal while it is written leaves whole.
    stop = stopOnSignals(() => console.error(`${tty ? '\x1b[2K' : ''}socklab: stopping: the grades still running are being ended, and the report will hold the students graded so far (press again to quit at once)`));
    const result = await gradeClass({
      lab,
      submissions,
      backend: runner.backend,
      limits: runner.limits,
      concurrency: jobs,
      maxConcurrency: maxJobs,
      ...(lang ? { lang } : {}),
      ...(only ? { only } : {}),
      signal: stop.signal,
      onGraded: (s, done, total) => {
        if (tty) process.stdout.write(`\x1b[2K${progressLine(done, total, Date.now() - t0)}  ${studentLine(s)}\r`);
        else console.log(`[${done}/${total}] ${studentLine(s)}`);
      },
    })
      .catch((err: unknown) => {
        if (err instanceof ChecksError) throw new UsageError(err.message);
        throw err;
      });
    if (tty) process.stdout.write('\x1b[2K');
    const out = resolve(values.report ?? 'socklab-report');
    try {
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'class-report.csv'), classCsv(result));
      writeFileSync(join(out, 'class-report.json'), classJson(result));
      writeFileSync(join(out, 'class-report.html'), classHtml(result));
    } catch (err) {
      throw new UsageError(`--report: cannot write to ${out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const report = `report: ${relative(process.cwd(), join(out, 'class-report.html')) || out} (and .csv, .json)`;
    if (result.stopped) {
      const graded = result.students.filter((s) => !s.notGraded).length;
      console.error(`socklab: stopped after ${(result.durationMs / 1000).toFixed(1)} s: ${graded} of ${result.students.length} submissions graded; the report lists the other ${result.students.length - graded} as not graded`);
      console.error(report);
      return stop.exitCode();
    }
    const full = result.students.filter((s) => s.points === result.maxPoints).length;
    console.log(`${result.students.length} graded in ${(result.durationMs / 1000).toFixed(1)} s (${((60_000 * result.students.length) / Math.max(1, result.durationMs)).toFixed(1)} per minute); ${full} with every point`);
    console.log(report);
    return 0;
  } finally {
    stop?.dispose();
    await runner.close();
  }
}

/** "[#######.............] 7/20  0:41" */
function progressLine(done: number, total: number, ms: number): string {
  const width = 20;
  const filled = Math.round((width * done) / total);
  const s = Math.round(ms / 1000);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}  ${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function studentLine(s: StudentResult): string {
  const total = s.cells.reduce((a, c) => a + (c.status === 'missing' ? 0 : 1), 0);
  return `${s.student}: ${s.points} ${s.points === 1 ? 'point' : 'points'}${s.error ? ` (${s.error})` : `, ${s.cells.filter((c) => c.status === 'passed').length}/${total} checks passed`}`;
}
