/**
 * The proofs that a lab's grader is right, shared by `npm test`
 * (test/graders.test.ts) and the benchmark: every reference solution
 * passes, every starter fails, every mutant fails the check its folder
 * names with the text pinned in test/golden/.
 */
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Language } from '../../protocol/messages.ts';
import { readLabFiles, type Lab } from '../labs/load.ts';
import type { Limits } from '../limits.ts';
import { gate } from './gate.ts';

export { gate };
import type { Backend } from '../sandbox/index.ts';
import { gradeFiles, mutantCheck, type CheckResult, type GradeOptions, type GradeReport } from './engine.ts';

/** Where the pinned failure texts of mutants live (outside labs/, so no lab tool mistakes them for a student's file). */
export const GOLDEN_DIR = fileURLToPath(new URL('../../test/golden/', import.meta.url));

/** Grades at once on this machine: grading mostly waits on programs and timers, so twice the cores (SOCKLAB_GRADES_AT_ONCE overrides). */
export const GRADES_AT_ONCE = Number(process.env.SOCKLAB_GRADES_AT_ONCE) || Math.max(2, availableParallelism() * 2);


export interface ProofOptions {
  backend: Backend;
  limits: Limits;
}

/**
 * Grades one of the lab's own programs: `kind` is "solution", "starter" or
 * "mutants/<folder>"; `checks`, `onResult`, `signal` and `browserAhead` as in `gradeFiles`.
 */
export function gradeKind(lab: Lab, kind: string, lang: Language, opts: ProofOptions & Pick<GradeOptions, 'checks' | 'onResult' | 'signal' | 'browserAhead'>): Promise<GradeReport> {
  const files = [...readLabFiles(lab, kind, lang)].map(([name, content]) => ({ name, content }));
  const { backend, limits, checks, onResult, signal, browserAhead } = opts;
  return gradeFiles({ lab, lang, files, backend, limits, ...(checks ? { checks } : {}), ...(onResult ? { onResult } : {}), ...(signal ? { signal } : {}), ...(browserAhead ? { browserAhead } : {}) });
}

/**
 * Grades the lab's starter until its first failed check: a starter only
 * has to fail, so it costs the checks up to its first mistake, not every
 * check's timeout. (With checks one at a time they run in the lab's order.)
 */
export function gradeStarter(lab: Lab, lang: Language, opts: ProofOptions): Promise<GradeReport> {
  const failed = new AbortController();
  return gradeKind(lab, 'starter', lang, { ...opts, onResult: (r) => void (r.status === 'failed' && failed.abort()), signal: failed.signal });
}

/** One mutant program of a lab. */
export interface Mutant {
  /** Its folder under mutants/, e.g. "survives-bad-clients--no-end-of-stream". */
  folder: string;
  /** The check it must fail. */
  check: string;
  lang: Language;
  /** What `gradeKind` takes. */
  kind: string;
  /** Its pinned failure text. */
  golden: string;
}

/** Every mutant of a lab, in folder order. */
export function mutantsOf(lab: Lab): Mutant[] {
  const dir = join(lab.dir, 'mutants');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((folder) =>
      (readdirSync(join(dir, folder)).sort() as Language[]).map((lang) => ({
        folder,
        check: mutantCheck(folder),
        lang,
        kind: join('mutants', folder),
        golden: join(GOLDEN_DIR, lab.meta.id, `${folder}.${lang}.txt`),
      })),
    );
}

/** "upper-case:passed utf8:failed ...": a grade's verdicts, to compare runs (the bench's repeated grades). */
export function verdicts(report: GradeReport): string {
  return report.results.map((c) => `${c.id}:${c.status}`).join(' ');
}

/**
 * What a student reads of a failed check, with what varies from run to run
 * made fixed: measured times ("0.21 s into the check", "523 ms"), the
 * grader's ephemeral ports, the grader's step a crash came right after, and
 * the frames of a stack trace the program printed.
 */
export function pinnedText(r: CheckResult): string {
  const fields: [string, string | undefined][] = [
    ['check', `${r.id} (${r.name})`],
    ['status', r.status],
    ['message', r.message],
    ['expected', r.expected],
    // A stack trace's frames and size depend on the language's version, not on the grader.
    ['received', r.received?.replace(/(Traceback \(most recent call last\):|Exception in thread ").*$/, '$1 <trace>')],
    ['hint', r.hint],
  ];
  return (
    fields
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n')
      .replace(/\b\d+\.\d\d s\b/g, '<t> s')
      .replace(/\b\d+ ms\b/g, '<n> ms')
      .replace(/\b(port )(?:3[2-9]\d{3}|[4-6]\d{4})\b/g, '$1<port>')
      // Which step a crash followed depends on how fast the program got to it.
      .replace(/(just after the grader's step )\[.*?(?=\. Its error: |\. Then: |$)/gm, '$1<step>') + '\n'
  );
}
