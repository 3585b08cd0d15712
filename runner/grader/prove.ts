/**
 * A grader's proof, for one lab: in each language, the reference solution
 * passes every check and the starter fails one; each mutant fails the check
 * its folder is named after. What test/graders.test.ts asserts for the
 * built-in labs, as a function an instructor's own tests and tools can call.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Language } from '../../protocol/messages.ts';
import { readLabFiles, type Lab } from '../labs/load.ts';
import type { Limits } from '../limits.ts';
import type { Backend } from '../sandbox/index.ts';
import { gradeFiles, type GradeReport } from './engine.ts';

/** One graded program of the proof and whether it behaved as the proof needs. */
export interface ProofStep {
  /** "solution", "starter" or "mutants/<check id>". */
  kind: string;
  lang: Language;
  ok: boolean;
  /** What was expected of it, e.g. 'fails "greets"'. */
  expectation: string;
  report: GradeReport;
}

/** Grades the lab's solution, starter and mutants; `ok` on each step says whether the proof holds. */
export async function proveLab(lab: Lab, backend: Backend, limits: Limits): Promise<ProofStep[]> {
  const grade = (kind: string, lang: Language) =>
    gradeFiles({ lab, lang, files: [...readLabFiles(lab, kind, lang)].map(([name, content]) => ({ name, content })), backend, limits });
  const steps: Promise<ProofStep>[] = [];
  for (const lang of lab.meta.languages) {
    steps.push(grade('solution', lang).then((report) => ({ kind: 'solution', lang, report, expectation: 'passes every check', ok: report.failed === 0 && report.skipped === 0 && report.results.length > 0 })));
    steps.push(grade('starter', lang).then((report) => ({ kind: 'starter', lang, report, expectation: 'fails a check', ok: report.failed > 0 })));
  }
  const mutants = join(lab.dir, 'mutants');
  for (const id of existsSync(mutants) ? readdirSync(mutants).sort() : []) {
    for (const lang of readdirSync(join(mutants, id)).sort() as Language[]) {
      steps.push(
        grade(join('mutants', id), lang).then((report) => ({
          kind: `mutants/${id}`,
          lang,
          report,
          expectation: `fails "${id}"`,
          ok: report.results.find((r) => r.id === id)?.status === 'failed',
        })),
      );
    }
  }
  return Promise.all(steps);
}
