/**
 * A grader's proof, for one lab: in each language, the reference solution
 * passes every check and the starter fails one; each mutant fails the check
 * its folder is named after. What test/graders.test.ts asserts for the
 * built-in labs, as a function an instructor's own tests and tools can call.
 */
import type { Language } from '../../protocol/messages.ts';
import type { Lab } from '../labs/load.ts';
import type { Limits } from '../limits.ts';
import type { Backend } from '../sandbox/index.ts';
import type { GradeReport } from './engine.ts';
import { gradeKind, gradeStarter, mutantsOf } from './proofs.ts';

/** One graded program of the proof and whether it behaved as the proof needs. */
export interface ProofStep {
  /** "solution", "starter" or "mutants/<folder>". */
  kind: string;
  lang: Language;
  ok: boolean;
  /** What was expected of it, e.g. 'fails "greets"'. */
  expectation: string;
  report: GradeReport;
}

/** Grades the lab's solution, starter and mutants; `ok` on each step says whether the proof holds. */
export async function proveLab(lab: Lab, backend: Backend, limits: Limits): Promise<ProofStep[]> {
  const opts = { backend, limits };
  const steps: Promise<ProofStep>[] = [];
  for (const lang of lab.meta.languages) {
    steps.push(gradeKind(lab, 'solution', lang, opts).then((report) => ({ kind: 'solution', lang, report, expectation: 'passes every check', ok: report.failed === 0 && report.skipped === 0 && report.results.length > 0 })));
    steps.push(gradeStarter(lab, lang, opts).then((report) => ({ kind: 'starter', lang, report, expectation: 'fails a check', ok: report.failed > 0 })));
  }
  // A mutant needs only the check it names (and what that check depends on).
  for (const m of mutantsOf(lab)) {
    steps.push(
      gradeKind(lab, m.kind, m.lang, { ...opts, checks: [m.check] }).then((report) => ({
        kind: m.kind,
        lang: m.lang,
        report,
        expectation: `fails "${m.check}"`,
        ok: report.results.find((r) => r.id === m.check)?.status === 'failed',
      })),
    );
  }
  return Promise.all(steps);
}
