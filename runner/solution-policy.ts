/**
 * Whether a student may have a lab's reference solution, by the lab's
 * `solution` policy (protocol/lab.ts): `always` (self-study), `after-pass`
 * (once the session's last Check passed every check of the lab), `never`.
 * The page embeds the solution only under `always` (Workbench.astro); in
 * the other cases this is the only way it leaves the runner.
 */
import type { Language, StudentFile } from '../protocol/messages.ts';
import { readLabFiles, type Lab } from './labs/load.ts';
import type { GradeReport } from './grader/engine.ts';
import { loadChecks } from './grader/engine.ts';

/** The policy refuses the solution; `message` says why, for the student. */
export class SolutionHidden extends Error {
  readonly code = 'solution_hidden';
}

/** Whether `report` passed every check the lab has (a Check of one role only does not count). */
export async function passedEveryCheck(lab: Lab, report: GradeReport | undefined): Promise<boolean> {
  if (!report || report.failed > 0 || report.skipped > 0) return false;
  const { checks } = await loadChecks(lab);
  return checks.every((c) => report.results.some((r) => r.id === c.id && r.status === 'passed'));
}

/** The solution's files in `lang`, or SolutionHidden when the policy does not allow it yet. */
export async function solutionFor(lab: Lab, lang: Language, lastCheck: GradeReport | undefined): Promise<StudentFile[]> {
  const policy = lab.meta.solution;
  if (policy === 'never') throw new SolutionHidden(`the solution of ${lab.meta.title} is not shown in this course`);
  if (policy === 'after-pass' && !(await passedEveryCheck(lab, lastCheck))) {
    throw new SolutionHidden('the solution is shown once a Check passes every check');
  }
  return [...readLabFiles(lab, 'solution', lang)].map(([name, content]) => ({ name, content }));
}
