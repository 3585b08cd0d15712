/**
 * Every grader is proven against the lab's own programs: each reference
 * solution passes every check, each starter fails, each mutant fails the
 * check its folder names, with the failure text pinned in test/golden/
 * (timings and ephemeral ports normalized; `UPDATE_GOLDEN=1 npx vitest run
 * test/graders.test.ts` rewrites them after a deliberate change). A pinned
 * text equal to the one an earlier run recorded is the determinism claim
 * here; repeated grades of solutions and starters (20 and 8 times) are in
 * `npm run bench` (figure "graders"). Grading mostly waits on programs, so
 * every proof of every lab runs concurrently, GRADES_AT_ONCE grades at a
 * time.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GradeReport } from '../runner/grader/engine.ts';
import type { Language } from '../protocol/constants.ts';
import { gradeFiles } from '../runner/grader/engine.ts';
import { GRADES_AT_ONCE, gate, gradeKind, gradeStarter, mutantsOf, pinnedText } from '../runner/grader/proofs.ts';
import { loadLabs, readLabFiles } from '../runner/labs/load.ts';
import { resolveLimits } from '../runner/limits.ts';
import { chooseBackend } from '../runner/sandbox/index.ts';

// Grades run GRADES_AT_ONCE at a time here, as a class grade runs them, so
// each grade runs its checks one at a time (runner/grader/class-grade.ts
// does the same); runner/grader/engine.test.ts proves checks side by side.
const opts = { backend: chooseBackend('bwrap'), limits: resolveLimits({ checksAtOnce: 1 }) };
const graded = loadLabs().filter((lab) => existsSync(join(lab.dir, 'checks.ts')));
const at = gate(GRADES_AT_ONCE);
const update = process.env.UPDATE_GOLDEN === '1';
/** Long enough to wait for a turn behind every other proof of the file. */
const PROOF_MS = 900_000;

/**
 * Labs whose checks measure throughput (16 MB printed within 10 s): their
 * grades run alone, so that other grades on two cores do not decide them.
 */
const ALONE = new Set(['flow-control']);
const weightOf = (lab: { meta: { id: string } }) => (ALONE.has(lab.meta.id) ? GRADES_AT_ONCE : 1);

const summary = (r: GradeReport) => r.results.map((c) => `${c.status === 'passed' ? '✓' : c.status === 'failed' ? '✗' : '-'} ${c.id}${c.status === 'failed' ? `: ${c.message}` : ''}`).join('\n');

it('finds labs with graders', () => {
  expect(graded.map((l) => l.meta.id)).toContain('tcp-echo');
});

for (const lab of graded) {
  describe.concurrent(lab.meta.id, () => {
    for (const lang of lab.meta.languages) {
      it(`${lang} solution passes every check`, async ({ expect }) => {
        const report = await at(() => gradeKind(lab, 'solution', lang, opts), weightOf(lab));
        expect(report.failed, summary(report)).toBe(0);
        expect(report.skipped, summary(report)).toBe(0);
        expect(report.roles.sort()).toEqual(lab.meta.processes.map((p) => p.role).sort());
      }, PROOF_MS);

      it(`${lang} starter fails`, async ({ expect }) => {
        const report = await at(() => gradeStarter(lab, lang, opts), weightOf(lab));
        expect(report.failed, summary(report)).toBeGreaterThan(0);
      }, PROOF_MS);
    }

    const mutants = mutantsOf(lab);
    it('has at least four mutants', ({ expect }) => {
      expect(new Set(mutants.map((m) => m.folder)).size).toBeGreaterThanOrEqual(4);
    });
    for (const m of mutants) {
      it(`mutant ${m.folder} (${m.lang}) fails the check "${m.check}" with its pinned text`, async ({ expect }) => {
        // Only the named check (and what it depends on) runs: the proof is about it alone.
        const report = await at(() => gradeKind(lab, m.kind, m.lang, { ...opts, checks: [m.check] }), weightOf(lab));
        const named = report.results.find((r) => r.id === m.check);
        expect(named, `checks.ts has a check with id "${m.check}"\n${summary(report)}`).toBeDefined();
        expect(named!.status, summary(report)).toBe('failed');
        expect(named!.hint, 'every failure has a hint').toBeTruthy();
        const text = pinnedText(named!);
        if (update) {
          mkdirSync(dirname(m.golden), { recursive: true });
          writeFileSync(m.golden, text);
        }
        expect(existsSync(m.golden), `${m.golden} is missing: run UPDATE_GOLDEN=1 npx vitest run test/graders.test.ts`).toBe(true);
        expect(text, `the failure text changed; if on purpose: UPDATE_GOLDEN=1 npx vitest run test/graders.test.ts`).toBe(readFileSync(m.golden, 'utf8'));
      }, PROOF_MS);
    }
  });
}

// Correct programs in styles the lab's own solutions do not use, which an
// earlier grader failed: each is the solution with one part written another way.
describe.concurrent('websocket-chat, correct in another style', () => {
  const lab = graded.find((l) => l.meta.id === 'websocket-chat')!;
  it('a form with a text area is sent with its button (Enter in a text area types a newline)', async ({ expect }) => {
    const files = [...readLabFiles(lab, 'solution', 'javascript')].map(([name, content]) => ({
      name,
      content: name === 'public/index.html' ? content.replace(/<input id="text"[^>]*>/, '<textarea id="text" required></textarea>') : content,
    }));
    expect(files.find((f) => f.name === 'public/index.html')!.content).toContain('<textarea');
    const report = await at(() => gradeFiles({ lab, lang: 'javascript', files, ...opts, checks: ['web-form'] }));
    expect(report.results.find((r) => r.id === 'web-form')?.status, summary(report)).toBe('passed');
  }, PROOF_MS);
});
