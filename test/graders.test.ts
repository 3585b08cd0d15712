/**
 * Every grader is proven against the lab's own programs: each reference
 * solution passes every check, each mutant fails the check named after its
 * folder, each starter fails. Then the solution graded 20 times, four at a
 * time (a loaded machine), gives the same verdicts every time, and so does
 * the starter. Grading mostly waits on programs, so the proofs of one lab
 * run concurrently.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Language } from '../protocol/messages.ts';
import { gradeFiles, type GradeReport } from '../runner/grader/engine.ts';
import { loadLabs, readLabFiles, type Lab } from '../runner/labs/load.ts';
import { resolveLimits } from '../runner/limits.ts';
import { chooseBackend } from '../runner/sandbox/index.ts';

const backend = chooseBackend('bwrap');
const limits = resolveLimits();
const graded = loadLabs().filter((lab) => existsSync(join(lab.dir, 'checks.ts')));

function grade(lab: Lab, kind: string, lang: Language): Promise<GradeReport> {
  const files = [...readLabFiles(lab, kind, lang)].map(([name, content]) => ({ name, content }));
  return gradeFiles({ lab, lang, files, backend, limits });
}

const summary = (r: GradeReport) => r.results.map((c) => `${c.status === 'passed' ? '✓' : c.status === 'failed' ? '✗' : '-'} ${c.id}${c.status === 'failed' ? `: ${c.message}` : ''}`).join('\n');

it('finds labs with graders', () => {
  expect(graded.map((l) => l.meta.id)).toContain('tcp-echo');
});

for (const lab of graded) {
  describe.concurrent(lab.meta.id, () => {
    for (const lang of lab.meta.languages) {
      it(`${lang} solution passes every check`, async ({ expect }) => {
        const report = await grade(lab, 'solution', lang);
        expect(report.failed, summary(report)).toBe(0);
        expect(report.skipped, summary(report)).toBe(0);
        expect(report.roles.sort()).toEqual(lab.meta.processes.map((p) => p.role).sort());
      }, 120_000);

      it(`${lang} starter fails`, async ({ expect }) => {
        const report = await grade(lab, 'starter', lang);
        expect(report.failed, summary(report)).toBeGreaterThan(0);
      }, 120_000);
    }

    const mutantsDir = join(lab.dir, 'mutants');
    const mutants = existsSync(mutantsDir) ? readdirSync(mutantsDir).sort() : [];
    it('has at least four mutants', ({ expect }) => {
      expect(mutants.length).toBeGreaterThanOrEqual(4);
    });
    for (const mutant of mutants) {
      for (const lang of readdirSync(join(mutantsDir, mutant)).sort() as Language[]) {
        it(`mutant ${mutant} (${lang}) fails the check "${mutant}"`, async ({ expect }) => {
          const report = await grade(lab, join('mutants', mutant), lang);
          const named = report.results.find((r) => r.id === mutant);
          expect(named, `checks.ts has a check with id "${mutant}"\n${summary(report)}`).toBeDefined();
          expect(named!.status, summary(report)).toBe('failed');
        }, 120_000);
      }
    }

    it('gives the same verdicts every time: solution 20 times, starter 8, four at a time', async ({ expect }) => {
      const verdict = (r: GradeReport) => r.results.map((c) => `${c.id}:${c.status}`).join(' ');
      for (const [kind, runs] of [['solution', 20], ['starter', 8]] as const) {
        const reports: GradeReport[] = [];
        for (let i = 0; i < runs; i += 4) reports.push(...(await Promise.all([0, 1, 2, 3].map(() => grade(lab, kind, 'python')))));
        const first = verdict(reports[0]!);
        for (const [i, r] of reports.entries()) expect(verdict(r), `${kind} run ${i}`).toBe(first);
      }
    }, 600_000);
  });
}
