/**
 * Grading a class: how many submissions of tcp-echo `socklab grade --class`
 * grades per minute on this machine.
 *
 *   class_grading_per_min  a class of SOCKLAB_BENCH_CLASS submissions
 *                          (default 300, the issue's class: about five
 *                          minutes here; a class of 30 is a quick look that
 *                          overstates the time, since its last slow
 *                          submission, graded alone while the CPUs idle,
 *                          weighs ten times as much: 7.4 min at 30's rate
 *                          against 5.4 measured with 300 on 2026-12-06) made from
 *                          the Python solution and each Python mutant in
 *                          turn, graded by `gradeClass` (what the command
 *                          runs) at its default concurrency (twice the
 *                          cores, defaultClassJobs, and up to maxClassJobs
 *                          while the CPUs are idle). Wall time of the whole class.
 *   class_300_minutes      the same rate applied to a class of 300; the
 *                          issue's goal is under 5 minutes.
 *   cpu_s_per_submission   the machine's busy CPU time during the class
 *                          (all processes: run it quiet) per submission,
 *                          and the bench process's own share (the runner's
 *                          engine, in this process): what bounds the rate
 *                          once the CPUs are full, whatever the concurrency.
 *
 * Baseline: the solution graded alone, one submission after another (the
 * rate of `socklab grade` run once per student by hand), measured in the
 * same run just before the class. The ratio is what grading at once gains.
 */
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { classFolder, defaultClassJobs, gradeClass, maxClassJobs, readSubmission } from '../runner/grader/class-grade.ts';
import { gradeFiles } from '../runner/grader/engine.ts';
import { findLab, loadLabs } from '../runner/labs/load.ts';
import { resolveLimits } from '../runner/limits.ts';
import { chooseBackend } from '../runner/sandbox/index.ts';
import { info, type Figure, type Row } from './figure.ts';
import { round } from './stats.ts';

const DEFAULT_CLASS = 300;
const GOAL_CLASS = 300;
const GOAL_MINUTES = 5;

export interface ClassGradingResult {
  submissions: number;
  concurrency: number;
  class_seconds: number;
  per_minute: number;
  alone_seconds: number;
  alone_per_minute: number;
  /** Busy CPU seconds of the whole machine during the class, per submission. */
  cpu_s_per_submission: number;
  /** Of it, this process's own (the grader engine and the runner's side of every program). */
  runner_cpu_s_per_submission: number;
  /** Students with every point: the solutions, as a sanity check of the run. */
  full_marks: number;
  solutions: number;
}

/** Grades a generated class of tcp-echo submissions; see the top of this file. */
export async function run(): Promise<ClassGradingResult> {
  const size = Number(process.env.SOCKLAB_BENCH_CLASS ?? DEFAULT_CLASS);
  if (!Number.isInteger(size) || size < 1 || size > 1000) throw new Error(`SOCKLAB_BENCH_CLASS must be an integer 1-1000, not ${process.env.SOCKLAB_BENCH_CLASS}`);
  const lab = findLab(loadLabs(), 'tcp-echo')!;
  const backend = chooseBackend('auto');
  const limits = resolveLimits();
  const tmp = mkdtempSync(join(tmpdir(), 'socklab-bench-class-'));
  try {
    const mutants = readdirSync(join(lab.dir, 'mutants')).filter((m) => readdirSync(join(lab.dir, 'mutants', m)).includes('python')).sort();
    const kinds = ['solution', ...mutants.map((m) => join('mutants', m))];
    let solutions = 0;
    for (let i = 0; i < size; i++) {
      const kind = kinds[i % kinds.length]!;
      if (kind === 'solution') solutions++;
      const dir = join(tmp, `student-${String(i).padStart(4, '0')}`);
      cpSync(join(lab.dir, 'solution', 'python'), dir, { recursive: true });
      if (kind !== 'solution') cpSync(join(lab.dir, kind, 'python'), dir, { recursive: true });
    }
    const alone = readSubmission(join(tmp, 'student-0000'), lab, limits);
    if ('error' in alone) throw new Error(alone.error);
    const t0 = performance.now();
    await gradeFiles({ lab, lang: alone.lang, files: alone.files, backend, limits });
    const aloneMs = performance.now() - t0;
    const busy0 = machineBusyMs();
    const own0 = process.cpuUsage();
    const result = await gradeClass({ lab, submissions: classFolder(tmp), backend, limits, concurrency: defaultClassJobs(), maxConcurrency: maxClassJobs() });
    const own = process.cpuUsage(own0);
    const busyMs = machineBusyMs() - busy0;
    return {
      submissions: size,
      concurrency: result.concurrency,
      class_seconds: round(result.durationMs / 1000, 1),
      per_minute: round((60_000 * size) / result.durationMs, 1),
      alone_seconds: round(aloneMs / 1000, 1),
      alone_per_minute: round(60_000 / aloneMs, 1),
      cpu_s_per_submission: round(busyMs / 1000 / size, 2),
      runner_cpu_s_per_submission: round((own.user + own.system) / 1e6 / size, 2),
      full_marks: result.students.filter((s) => s.points === result.maxPoints).length,
      solutions,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** CPU time all CPUs have spent busy since boot (the kernel's counters, as os.cpus() reads them), in ms. */
function machineBusyMs(): number {
  return cpus().reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
}

/** The figure's table rows. */
export function rows(r: ClassGradingResult): Row[] {
  const minutes300 = GOAL_CLASS / r.per_minute;
  return [
    info(`class_grading_per_min (tcp-echo, ${r.submissions} submissions, up to ${r.concurrency} at a time)`, `${r.per_minute}/min`, `${r.alone_per_minute}/min alone`, `${round(r.per_minute / r.alone_per_minute, 2)}x`),
    {
      metric: `class_${GOAL_CLASS}_minutes (at that rate)`,
      value: `${round(minutes300, 1)} min`,
      baseline: `${round(GOAL_CLASS / r.alone_per_minute, 1)} min alone`,
      ratio: '',
      goal: `< ${GOAL_MINUTES} min`,
      ok: minutes300 < GOAL_MINUTES && r.full_marks === r.solutions,
    },
    info('  cpu_s_per_submission (machine, all processes)', `${r.cpu_s_per_submission} s`, `${r.runner_cpu_s_per_submission} s this process`, ''),
  ];
}

export const classGradingFigure: Figure<ClassGradingResult> = {
  name: 'class-grading',
  key: 'class_grading',
  title: `class grading: tcp-echo, a class of ${process.env.SOCKLAB_BENCH_CLASS ?? DEFAULT_CLASS} from the solution and mutants, graded ${defaultClassJobs()} at a time and up to ${maxClassJobs()} while the CPUs are idle`,
  run,
  rows,
  notes: (r) => [`class-grading: ${r.full_marks} submissions got every point; ${r.solutions} were the solution (they must be equal)`],
};
