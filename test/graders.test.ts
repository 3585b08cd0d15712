/**
 * Every grader is proven against the lab's own programs: each reference
 * solution passes every check, each mutant fails the check named after its
 * folder, each starter fails. Then the same files graded 20 times, two at a
 * time (a loaded machine), give the same verdicts every time.
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
  describe(lab.meta.id, () => {
    for (const lang of lab.meta.languages) {
      it(`${lang} solution passes every check`, async () => {
        const report = await grade(lab, 'solution', lang);
        expect(report.failed, summary(report)).toBe(0);
        expect(report.skipped, summary(report)).toBe(0);
        expect(report.roles.sort()).toEqual(lab.meta.processes.map((p) => p.role).sort());
      }, 120_000);

      it(`${lang} starter fails`, async () => {
        const report = await grade(lab, 'starter', lang);
        expect(report.failed, summary(report)).toBeGreaterThan(0);
      }, 120_000);
    }

    const mutantsDir = join(lab.dir, 'mutants');
    const mutants = existsSync(mutantsDir) ? readdirSync(mutantsDir).sort() : [];
    it('has at least four mutants', () => {
      expect(mutants.length).toBeGreaterThanOrEqual(4);
    });
    for (const mutant of mutants) {
      for (const lang of readdirSync(join(mutantsDir, mutant)).sort() as Language[]) {
        it(`mutant ${mutant} (${lang}) fails the check "${mutant}"`, async () => {
          const report = await grade(lab, join('mutants', mutant), lang);
          const named = report.results.find((r) => r.id === mutant);
          expect(named, `checks.ts has a check with id "${mutant}"\n${summary(report)}`).toBeDefined();
          expect(named!.status, summary(report)).toBe('failed');
        }, 120_000);
      }
    }

    it('gives the same verdicts 20 times over, two grades at a time', async () => {
      const verdict = (r: GradeReport) => r.results.map((c) => `${c.id}:${c.status}`).join(' ');
      const kinds: [string, Language][] = [['solution', 'python'], ['starter', 'python']];
      for (const [kind, lang] of kinds) {
        const first = verdict(await grade(lab, kind, lang));
        for (let i = 0; i < 10; i++) {
          const pair = await Promise.all([grade(lab, kind, lang), grade(lab, kind, lang)]);
          for (const r of pair) expect(verdict(r), `${kind} run ${i}`).toBe(first);
        }
      }
    }, 600_000);
  });
}
