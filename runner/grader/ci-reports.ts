/**
 * A grade as CI shows it, beside the JUnit file (reporters.ts): a Markdown
 * job summary for the run's page on GitHub ($GITHUB_STEP_SUMMARY), and the
 * result GitHub Classroom's autograding reporter
 * (classroom-resources/autograding-grading-reporter) reads to give points.
 *
 * The reporter takes, per runner id, an environment variable
 * `<ID>_RESULTS` holding base64 JSON `{ version, status, max_score, tests }`,
 * each test `{ name, status: pass|fail|error, score, message, ... }`; it adds
 * up the tests' `score` against `max_score`. A step hands it over as a step
 * output, a `result=<base64>` line appended to $GITHUB_OUTPUT.
 */
import type { GradeReport } from './engine.ts';
import type { ClassCheck } from './class-grade.ts';
import { graderSay, roleName, type GraderSay } from './messages.ts';
import { LANGUAGES } from '../languages.ts';

/** One check of the grade with its points: what both reports are made of. */
export interface ScoredCheck {
  id: string;
  name: string;
  role: string;
  status: 'passed' | 'failed' | 'skipped';
  points: number;
  maxPoints: number;
  message?: string;
  durationMs: number;
}

/**
 * Every check of the lab (of the `only` roles, when given) with the points
 * checks.ts gives it. A check the grade did not run because the submission
 * lacks its role's program counts as failed, with no points: leaving
 * client.py out must not make the full score smaller.
 */
export function scoreReport(report: GradeReport, checks: readonly ClassCheck[], only?: readonly string[], say: GraderSay = graderSay('en')): ScoredCheck[] {
  return checks
    .filter((c) => !only || only.includes(c.role))
    .map((c): ScoredCheck => {
      const r = report.results.find((x) => x.id === c.id);
      if (!r) return { id: c.id, name: c.name, role: c.role, status: 'failed', points: 0, maxPoints: c.points, message: say('summary.missing', { file: LANGUAGES[report.lang].fileFor(c.role) }), durationMs: 0 };
      return {
        id: c.id,
        name: r.name,
        role: r.role,
        status: r.status,
        points: r.status === 'passed' ? c.points : 0,
        maxPoints: c.points,
        ...(r.message ? { message: r.message } : {}),
        durationMs: r.durationMs,
      };
    });
}

/** Text from a program or a check made safe in a Markdown table cell: one line, no cell break, no HTML. */
const cell = (text: string) =>
  text
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300)
    .replace(/([\\`*_[\]])/g, '\\$1')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|');

const verdict = (failed: number, say: GraderSay) => (failed === 0 ? say('report.allPassed') : failed === 1 ? say('report.oneFailed') : say('report.manyFailed', { n: failed }));

/** The job summary: a heading with the total, then a row per check (result, points, why it failed), in the words of `say`. */
export function stepSummary(report: GradeReport, scored: readonly ScoredCheck[], say: GraderSay = graderSay('en')): string {
  const points = scored.reduce((a, c) => a + c.points, 0);
  const max = scored.reduce((a, c) => a + c.maxPoints, 0);
  const mark = { passed: '✅', failed: '❌', skipped: '⏭️' } as const;
  const word = { passed: say('summary.passed'), failed: say('report.failed'), skipped: say('report.skipped') };
  const lines = [
    `## ${cell(say('summary.title', { lab: report.lab, lang: report.lang }))}`,
    '',
    `**${say('summary.total', { points, max })}** · ${verdict(scored.filter((c) => c.status === 'failed').length, say)}`,
    '',
    `| | ${say('summary.check')} | ${say('summary.result')} | ${say('summary.points')} | ${say('summary.why')} |`,
    '|---|---|---|---:|---|',
    ...scored.map((c) => `| ${mark[c.status]} | ${cell(`${roleName(say, c.role)}: ${c.name}`)} | ${word[c.status]} | ${c.points} / ${c.maxPoints} | ${c.status === 'passed' ? '' : cell(c.message ?? '')} |`),
  ];
  return lines.join('\n') + '\n';
}

/** GitHub Classroom's autograding result (see the file's comment): every check a test, its points its score. */
export interface ClassroomResult {
  version: 1;
  status: 'pass' | 'fail';
  max_score: number;
  tests: { name: string; status: 'pass' | 'fail'; score: number; message: string | null; test_code: string; filename: string; line_no: number; execution_time: string }[];
}

/** The autograding result of a grade; `status` is fail when any check failed or was skipped. */
export function classroomResult(report: GradeReport, scored: readonly ScoredCheck[]): ClassroomResult {
  return {
    version: 1,
    status: scored.every((c) => c.status === 'passed') ? 'pass' : 'fail',
    max_score: scored.reduce((a, c) => a + c.maxPoints, 0),
    tests: scored.map((c) => ({
      name: `${c.role}: ${c.name}`,
      status: c.status === 'passed' ? 'pass' : 'fail',
      score: c.points,
      message: c.status === 'passed' ? null : (c.message ?? c.status),
      test_code: `socklab grade ${report.lab} --only ${c.role} (${c.id})`,
      filename: '',
      line_no: 0,
      execution_time: `${(c.durationMs / 1000).toFixed(2)}s`,
    })),
  };
}

/** The step-output line that hands the result to the reporter: `result=<base64 JSON>`. */
export function classroomOutput(result: ClassroomResult): string {
  return `result=${Buffer.from(JSON.stringify(result)).toString('base64')}\n`;
}
