/**
 * Runs a lab's checks: each in a fresh sandbox holding the student's files
 * (and the reference solution for the roles not under test), with a
 * deadline, teardown that always runs, and a result that carries the
 * transcript and each program's own output. `socklab grade` and the page's
 * Check both call `gradeFiles`, so they give the same verdicts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PUBLIC_DIR, type CheckResult, type Language, type StudentFile } from '../../protocol/messages.ts';
import { LANGUAGES } from '../languages.ts';
import { prepareJavaArchive } from '../sandbox/java-archive.ts';
import { readLabFiles, type Lab } from '../labs/load.ts';
import type { Limits } from '../limits.ts';
import type { Backend, Sandbox } from '../sandbox/index.ts';
import type { CheckDef, LabChecks, Messages } from './api.ts';
import { captureCheck } from './check-wire.ts';
import { checkDurations } from './check-durations.ts';
import { CheckTurns, type Readiness } from './check-turns.ts';
import type { BrowserAhead } from './harness/browser-ahead.ts';
import { GradeBrowser } from './harness/grade-browser.ts';
import { CheckFailure, GradeHarness, type Failure } from './harness.ts';
import { compileJava, compiledCommand, compiledProgram } from './java-classes.ts';
import { SandboxSupply, type MadeSandbox } from './sandbox-supply.ts';
import { hasStackTrace } from './hints.ts';
import { COLOURS } from './transcript.ts';
import { onAbort } from '../abort.ts';
import type { Locale } from './i18n.ts';
import { graderSay, type GraderSay } from './messages.ts';

/** The verdict of one check, with its story: the protocol's shape, sent to the page as is. */
export type { CheckResult };
export type CheckStatus = CheckResult['status'];

export interface GradeReport {
  lab: string;
  lang: Language;
  roles: string[];
  results: CheckResult[];
  passed: number;
  failed: number;
  skipped: number;
  durationMs: number;
  /** Set when the grade was aborted (GradeOptions.signal) before every planned check was reported: no verdict. */
  stopped?: true;
}

/**
 * A lab's checks.ts could not be used (an instructor's mistake). `code` is
 * stable: checks_points for a bad `points`, checks_invalid for the rest.
 */
export class ChecksError extends Error {
  constructor(
    message: string,
    readonly code: 'checks_invalid' | 'checks_points' = 'checks_invalid',
  ) {
    super(message);
    this.name = 'ChecksError';
  }
}

const DEFAULT_CHECK_MS = 20_000;

/** Loads and validates a lab's checks.ts. */
export async function loadChecks(lab: Lab): Promise<LabChecks> {
  const file = join(lab.dir, 'checks.ts');
  if (!existsSync(file)) throw new ChecksError(`${lab.folder}/checks.ts does not exist: this lab has no grader`);
  const mod = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as { default?: LabChecks };
  const checks = mod.default?.checks;
  if (!Array.isArray(checks)) throw new ChecksError(`${lab.folder}/checks.ts must \`export default defineChecks([...])\``);
  const messages = mod.default?.messages;
  const roles = new Set(lab.meta.processes.map((p) => p.role));
  const ids = new Set<string>();
  for (const c of checks) {
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(c.id)) throw new ChecksError(`${lab.folder}/checks.ts: check id "${c.id}" must be lower-case words joined by -`);
    if (ids.has(c.id)) throw new ChecksError(`${lab.folder}/checks.ts: check id "${c.id}" is used twice`);
    if (!roles.has(c.role)) throw new ChecksError(`${lab.folder}/checks.ts: check "${c.id}" grades role "${c.role}", but the lab's processes are ${[...roles].join(', ')}`);
    for (const d of c.dependsOn ?? []) if (!ids.has(d)) throw new ChecksError(`${lab.folder}/checks.ts: check "${c.id}" depends on "${d}", which is not an earlier check`);
    if (messages && !(c.name in messages.en)) throw new ChecksError(`${lab.folder}/checks.ts: check "${c.id}" is named "${c.name}", which is not a key of the lab's messages.ts`);
    if (!validPoints(c.points)) {
      const line = checkKeyLine(readFileSync(file, 'utf8'), c.id, 'points');
      throw new ChecksError(`${lab.folder}/checks.ts:${line}: check "${c.id}" has points ${describeValue(c.points)}; points are a whole number >= 0 (default 1) [checks_points]`, 'checks_points');
    }
    ids.add(c.id);
  }
  return messages ? { checks, messages } : { checks };
}

/**
 * Points are whole and not negative, or left out (1): GitHub Classroom's
 * autograding, which the class workflow feeds, counts whole points.
 */
function validPoints(points: unknown): boolean {
  return points === undefined || (typeof points === 'number' && Number.isSafeInteger(points) && points >= 0);
}

/** A value as an instructor wrote it: "-1", "2.5", "\"3\"", "NaN". */
function describeValue(v: unknown): string {
  return typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v));
}

/**
 * The line of `key` in the check whose id is `id` in a checks.ts source:
 * the module ran, so its values are known but not where they were written;
 * this finds the `id: 'x'` literal and the first `key:` after it and before
 * the next check's id (ids are checked to be [a-z0-9-] before, so safe in
 * a pattern). Falls back to the id's line, then to line 1.
 */
function checkKeyLine(source: string, id: string, key: string): number {
  const lineAt = (index: number) => source.slice(0, index).split('\n').length;
  const idAt = new RegExp(`\\bid\\s*:\\s*(['"\`])${id}\\1`).exec(source);
  if (!idAt) return 1;
  const rest = source.slice(idAt.index + idAt[0].length);
  const nextId = /\bid\s*:/.exec(rest);
  const scope = nextId ? rest.slice(0, nextId.index) : rest;
  const keyAt = new RegExp(`\\b${key}\\s*:`).exec(scope);
  return lineAt(keyAt ? idAt.index + idAt[0].length + keyAt.index : idAt.index);
}

/** A check's name in `locale`: from the lab's messages, or as written for a lab without them. */
export function nameOf(check: CheckDef, messages: Messages | undefined, locale: Locale): string {
  return (messages?.[locale] as Readonly<Record<string, string>> | undefined)?.[check.name] ?? check.name;
}

/**
 * The check a mutant folder must fail: the folder is named after it, or
 * after it and a variant ("survives-bad-clients--no-end-of-stream") when one
 * check catches several mistakes.
 */
export function mutantCheck(folder: string): string {
  return folder.split('--')[0]!;
}

/** Mutant folders must be named after a check (and maybe a variant) and hold offered languages. */
export function mutantProblems(lab: Lab, checks: CheckDef[]): string[] {
  const dir = join(lab.dir, 'mutants');
  if (!existsSync(dir)) return [];
  const problems: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!checks.some((c) => c.id === mutantCheck(name))) {
      problems.push(`${lab.folder}/mutants/${name}: must be named after the check it fails (or <check>--<variant>); checks: ${checks.map((c) => c.id).join(', ')}`);
      continue;
    }
    for (const lang of readdirSync(join(dir, name))) {
      if (!lab.meta.languages.includes(lang as Language)) problems.push(`${lab.folder}/mutants/${name}/${lang}: not a language this lab offers (${lab.meta.languages.join(', ')})`);
    }
  }
  return problems;
}

export interface GradeOptions {
  lab: Lab;
  lang: Language;
  /** The student's files. */
  files: StudentFile[];
  backend: Backend;
  limits: Limits;
  /** Grade only these roles (default: every role whose program is in `files`). */
  only?: string[];
  /**
   * Run only these checks (by id) and the checks they depend on; the rest
   * are left out of the report, not skipped. A mutant's proof needs only
   * the check it names; an instructor debugging one check needs only it.
   */
  checks?: string[];
  /**
   * Sandboxes made ahead of their check's turn (default none, at most as
   * many as run at once). A check after the first few takes the sandbox of
   * one that ended, made new (about 10 ms of CPU); one made ahead costs a
   * new sandbox (about 80 ms of CPU) and, at the start, competes with the
   * first checks' own: on a 2-core machine a udp-echo Check made 4 ahead
   * took 0.3 s more CPU and more wall time than with none (paired runs).
   */
  sandboxesAhead?: number;
  /** The student's language: check names, failures and hints are in it (default English). */
  locale?: Locale;
  /** Called once with the checks that will run, in order (their names in `locale`). */
  onPlan?: (checks: CheckDef[]) => void;
  /** Called as each check starts and ends (progress). */
  onStart?: (check: CheckDef) => void;
  onResult?: (result: CheckResult) => void;
  /**
   * Aborted, it stops the grade (its session was closed, the runner is
   * stopping, a proof has seen what it needed): no check starts after it,
   * the running ones are stopped and not reported (nor the checks skipped
   * for them), the ones that ended before it are, in the lab's order, and
   * gradeFiles returns those results once every sandbox and browser of the
   * grade is closed.
   */
  signal?: AbortSignal;
  /**
   * Each check's result carries the packets of its sandbox (see
   * check-wire.ts), for failures the wire explains. Off by default: a
   * capture costs a reader process per check.
   */
  wire?: boolean;
  /** The runner's browser made ahead: the grade's first page check takes it instead of starting one (browser-ahead.ts). */
  browserAhead?: BrowserAhead;
}

/** The ids of `ids` and of every check they depend on, however deep. */
function withDependencies(checks: CheckDef[], ids: string[]): Set<string> {
  const out = new Set<string>();
  const add = (id: string): void => {
    if (out.has(id)) return;
    out.add(id);
    for (const dep of checks.find((c) => c.id === id)?.dependsOn ?? []) add(dep);
  };
  ids.forEach(add);
  return out;
}

/** Which roles a set of files provides in a language. */
export function rolesIn(lab: Lab, lang: Language, names: string[]): string[] {
  return lab.meta.processes.map((p) => p.role).filter((r) => names.includes(LANGUAGES[lang].fileFor(r)));
}

/** Grades the student's files; never throws for anything the student did. */
export async function gradeFiles(opts: GradeOptions): Promise<GradeReport> {
  const t0 = performance.now();
  const { checks: defs, messages } = await loadChecks(opts.lab);
  const locale = opts.locale ?? 'en';
  const say = graderSay(locale);
  // What the page and the reporters show: each check named in the student's language.
  const checks = defs.map((c) => ({ ...c, name: nameOf(c, messages, locale) }));
  const present = rolesIn(opts.lab, opts.lang, opts.files.map((f) => f.name));
  const roles = opts.only ? present.filter((r) => opts.only!.includes(r)) : present;
  const reference = readLabFiles(opts.lab, 'solution', opts.lang);
  const wanted = opts.checks ? withDependencies(checks, opts.checks) : undefined;
  const plan = checks.filter((c) => roles.includes(c.role) && (!wanted || wanted.has(c.id)));
  opts.onPlan?.(plan);
  const words = { say, locale, ...(messages ? { messages } : {}) };
  const byId = new Map<string, Promise<CheckResult | undefined>>();
  // Each check holds a sandbox of its own: no more at once than the backend
  // holds (the host backend one, as its programs share the machine's ports).
  const n = Math.max(1, Math.min(opts.limits.checksAtOnce, opts.backend.maxSessions));
  const turns = new CheckTurns(n);
  const chains = checkDurations.chains(opts.lab.meta.id, opts.lang, plan);
  // Java programs start from the runner's class-data archive, made once
  // per JDK, and are compiled once for the grade: every program a check
  // may start (the student's of the graded roles, the reference's).
  const compiled = opts.lang === 'java' ? prepareJavaArchive().then(() => compileJava(opts.backend, opts.limits, javaPrograms(opts, roles, reference), opts.signal)) : Promise.resolve();
  // What a check's sandbox holds depends only on the role it grades.
  const setups = new Map<string, Promise<CheckSetup>>();
  const setupOf = (role: string): Promise<CheckSetup> => {
    if (!setups.has(role)) setups.set(role, compiled.then(() => checkSetup(opts, reference, role)));
    return setups.get(role)!;
  };
  // A sandbox per check running at once, each made new after its check
  // for a later one of this grade; none made ahead unless asked, and none
  // for a backend that holds no more than the checks running at once.
  const supply = new SandboxSupply(opts.backend, opts.limits, plan.map((c) => c.role), opts.backend.maxSessions > n ? Math.min(n, opts.sandboxesAhead ?? 0) : 0, async (sandbox, role) => sandbox.writeFiles((await setupOf(role)).files));
  // One Chromium for the grade's pages, started by the first check that opens one, ended once the last such check has
  // (CheckDef.opensPage; another check that opens a page starts it again), and with the grade whatever happened.
  const browser = new GradeBrowser(opts.limits, opts.browserAhead);
  const ownPage = hasOwnPage(opts.files);
  const pageChecks = plan.filter((c) => c.opensPage).map((c) => c.id);
  await compiled;
  // Each check starts when a turn is free (check-turns.ts: one whose
  // dependencies still run may start early); results are reported in the
  // lab's order whatever order they end in, and a check counts only once
  // every dependency has passed.
  const ended = new Map<string, CheckResult | undefined>();
  // The grade's own stop: the caller's signal, through one listener removed with the grade (a signal that
  // outlives it, a session's over its many Checks, holds none of its checks); also stopped from within when
  // reporting fails: the checks still running would otherwise run to their timeouts.
  const stop = new AbortController();
  const unlisten = onAbort([opts.signal], () => stop.abort());
  const stopped = stop.signal;
  // One listener for every check that waits on the abort: a listener each would pass Node's 10 per signal,
  // and its MaxListenersExceededWarning would be logged once per Check of a lab with more checks.
  const aborted = new Promise<void>((resolve) => stopped.addEventListener('abort', () => resolve(), { once: true }));
  const readiness = (check: CheckDef): Readiness => {
    let early = false;
    let wait = false;
    for (const id of check.dependsOn ?? []) {
      if (!byId.has(id)) return 'never'; // not graded here (another role)
      if (ended.has(id)) {
        if (ended.get(id)?.status !== 'passed') return 'never';
      } else if (turns.started(id)) early = true;
      else wait = true;
    }
    return wait ? 'wait' : early ? 'early' : 'ready';
  };
  const settled = plan.map((check) => {
    const deps = (check.dependsOn ?? []).map((id) => (byId.get(id) ?? Promise.resolve(undefined)).then((result) => ({ id, result })));
    // A dependency that failed, was skipped, or is not graded here: the first in the check's own order names the skip.
    const failedDep = Promise.all(deps).then((results) => results.find((d) => d.result?.status !== 'passed'));
    const skipped = (id: string): CheckResult => ({ id: check.id, name: check.name, role: check.role, status: 'skipped', durationMs: 0, message: say('engine.skipped', { name: checks.find((c) => c.id === id)?.name ?? id }), transcript: [], outputs: [] });
    const run = async (): Promise<CheckResult | undefined> => {
      const endTurn = await turns.take(check.id, check.alone === true, () => readiness(check), chains.get(check.id));
      // A dependency the abort stopped has no verdict to skip for.
      if (!endTurn) return stopped.aborted ? undefined : skipped((await failedDep)!.id);
      let result: CheckResult | undefined;
      try {
        if (stopped.aborted) return undefined;
        // An early check is stopped as soon as a dependency has not passed (it will be skipped), any check once the grade is aborted.
        const dropped = new Promise<void>((resolve) => {
          deps.forEach((d) => void d.then(({ result: r }) => r?.status !== 'passed' && resolve()));
          void aborted.then(resolve);
        });
        const running = runCheck(check, opts, words, supply.take(check.role, { refill: check.alone !== true }), setupOf(check.role), browser, (sandbox, reusable) => supply.giveBack(sandbox, reusable && !stopped.aborted), dropped);
        // Its turn ends with its run, not when its dependencies end.
        void running.then(endTurn, endTurn);
        const failed = await failedDep;
        if (failed) {
          await running;
          result = skipped(failed.id);
        } else {
          opts.onStart?.(check); // it counts from here: its dependencies have passed
          // Not for a student with no page of their own: such a check fails before it asks for the browser.
          if (check.opensPage && ownPage) void browser.warm();
          result = await running;
        }
        return stopped.aborted ? undefined : result;
      } finally {
        if (result?.status === 'passed') checkDurations.record(opts.lab.meta.id, opts.lang, check.id, result.durationMs);
        // Known before the next turn is given, so that it goes by it.
        ended.set(check.id, result);
        endTurn();
        turns.update();
        if (pageChecks.every((id) => ended.has(id))) browser.release();
      }
    };
    const done = run().then((result) => {
      if (!ended.has(check.id)) {
        ended.set(check.id, result);
        turns.update();
        if (pageChecks.every((id) => ended.has(id))) browser.release();
      }
      return result;
    });
    byId.set(check.id, done);
    return done;
  });
  const results: CheckResult[] = [];
  let cut = false;
  try {
    for (const done of settled) {
      const result = await done;
      // Stopped by the abort; a later check that ended before it still has its verdict.
      if (!result) {
        cut = true;
        continue;
      }
      results.push(result);
      opts.onResult?.(result);
    }
  } catch (err) {
    stop.abort();
    throw err;
  } finally {
    // The checks still running were stopped by the abort: their teardown is part of the grade.
    await Promise.allSettled(settled);
    await Promise.all([supply.close(), browser.close()]);
    unlisten();
  }
  const count = (s: CheckStatus) => results.filter((r) => r.status === s).length;
  return { lab: opts.lab.meta.id, lang: opts.lang, roles, results, passed: count('passed'), failed: count('failed'), skipped: count('skipped'), durationMs: Math.round(performance.now() - t0), ...(cut ? { stopped: true as const } : {}) };
}


/**
 * The class files to put beside a check's Java programs and the commands
 * that run them compiled: for every program or for none. A program run as
 * source finds the work dir's class files before its own classes, so one
 * compiled program beside one run as source (or two that define a class
 * of the same name) could run the wrong class: those checks run as source.
 */
function compiledRun(files: Map<string, string>, programFiles: Set<string>): { commands: Map<string, string[]>; classes: { name: string; content: Uint8Array }[] } {
  const none = { commands: new Map<string, string[]>(), classes: [] };
  const commands = new Map<string, string[]>();
  const classes = new Map<string, Uint8Array>();
  for (const name of programFiles) {
    const content = files.get(name);
    if (content === undefined) continue;
    const program = compiledProgram({ name, content });
    if (!program) return none;
    for (const c of program.classes) {
      if (classes.has(c.name) || files.has(c.name)) return none;
      classes.set(c.name, c.content);
    }
    commands.set(name, compiledCommand(program));
  }
  return { commands, classes: [...classes].map(([name, content]) => ({ name, content })) };
}

/** Whether the student sent a web page of their own (files under PUBLIC_DIR). */
function hasOwnPage(files: StudentFile[]): boolean {
  return files.some((f) => f.name.startsWith(`${PUBLIC_DIR}/`));
}

/** What a check's sandbox holds and how its programs start. */
interface CheckSetup {
  files: { name: string; content: string | Uint8Array }[];
  /** Program files that start otherwise than their language's command (compiled Java). */
  commands: Map<string, string[]>;
}

/** Every Java program a check of the grade may start: the student's of the graded roles, the reference's of every role. */
function javaPrograms(opts: GradeOptions, roles: string[], reference: Map<string, string>): { name: string; content: string }[] {
  const lang = LANGUAGES.java;
  return opts.lab.meta.processes.flatMap((p) => {
    const name = lang.fileFor(p.role);
    const own = roles.includes(p.role) ? opts.files.find((f) => f.name === name) : undefined;
    const ref = reference.get(name);
    return [...(own ? [own] : []), ...(ref === undefined ? [] : [{ name, content: ref }])];
  });
}

/** The files of a check grading `role`: the student's program for it, the reference for the others; the student's other files (helpers) come along. */
function checkSetup(opts: GradeOptions, reference: Map<string, string>, role: string): CheckSetup {
  const lang = LANGUAGES[opts.lang];
  const roleFiles = new Set(opts.lab.meta.processes.map((p) => lang.fileFor(p.role)));
  const files = new Map<string, string>();
  // A web page is the student's whole: none of the reference's page comes with theirs (its client.js would pass for theirs).
  const ownPage = hasOwnPage(opts.files);
  for (const [name, content] of reference) {
    if ((!roleFiles.has(name) || name !== lang.fileFor(role)) && !(ownPage && name.startsWith(`${PUBLIC_DIR}/`))) files.set(name, content);
  }
  for (const f of opts.files) if (!roleFiles.has(f.name) || f.name === lang.fileFor(role)) files.set(f.name, f.content);
  for (const f of lang.scaffold) if (!files.has(f.name)) files.set(f.name, f.content);
  const { commands, classes } = opts.lang === 'java' ? compiledRun(files, roleFiles) : { commands: new Map<string, string[]>(), classes: [] };
  return { files: [...[...files].map(([name, content]) => ({ name, content })), ...classes], commands };
}

/**
 * Runs one check in `made`'s sandbox and hands the sandbox to `giveBack`
 * once the check's programs are stopped (reusable when every one of them
 * has exited), without waiting for it to be made new. Once `dropped`
 * resolves (a check started early whose dependency did not pass) the check
 * is stopped: its result will not be reported.
 */
async function runCheck(check: CheckDef, opts: GradeOptions, words: { say: GraderSay; locale: Locale; messages?: Messages }, made: MadeSandbox, setupOf: Promise<CheckSetup>, browser: GradeBrowser, giveBack: (sandbox: Sandbox, reusable: boolean) => Promise<void>, dropped: Promise<void>): Promise<CheckResult> {
  const { say } = words;
  const t0 = performance.now();
  const base = { id: check.id, name: check.name, role: check.role };
  const { commands } = await setupOf;
  let isDropped = false;
  const drop = dropped.then(() => {
    isDropped = true;
    throw new CheckFailure(say('engine.graderError', { error: 'dropped' }));
  });
  drop.catch(() => {});

  let sandbox;
  try {
    sandbox = await made.sandbox;
  } catch (err) {
    return { ...base, status: 'failed', durationMs: 0, message: say('engine.noSandbox', { error: (err as Error).message }), hint: say('hint.sandbox'), transcript: [], outputs: [] };
  }
  const h = new GradeHarness({ lab: opts.lab, lang: opts.lang, role: check.role, sandbox, limits: opts.limits, locale: words.locale, commands, browser, studentFiles: opts.files.map((f) => f.name), ...(words.messages ? { messages: words.messages } : {}) });
  let failure: (Failure & { namesCause?: boolean }) | null = null;
  const timeoutMs = check.timeoutMs ?? DEFAULT_CHECK_MS;
  let timer: NodeJS.Timeout | undefined;
  const endWire = await captureCheck(opts.wire, sandbox, opts.limits, h);
  try {
    await made.ready; // its files, written while it waited for its turn
    if (isDropped) throw new CheckFailure(say('engine.graderError', { error: 'dropped' }));
    await Promise.race([
      check.run(h),
      h.aborted,
      drop,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CheckFailure(say('engine.checkTimeout', { s: timeoutMs / 1000 }), { hint: say('hint.timeout') })), timeoutMs);
      }),
    ]);
  } catch (err) {
    if (err instanceof CheckFailure) failure = { message: err.message, ...err.details, namesCause: err.namesCause };
    else failure = { message: say('engine.graderError', { error: (err as Error).message }), hint: say('hint.graderError') };
  } finally {
    clearTimeout(timer);
  }
  // While the programs still run: what happened to them comes first.
  // A check dropped meanwhile is reported skipped: what its failure was matters no more.
  let verdict = isDropped ? failure : await Promise.race([h.explain(failure).catch(() => failure), drop.catch(() => failure)]);
  await h.dispose();
  // After the teardown: the grader's own closing is part of what the wire shows.
  const wire = await endWire();
  void giveBack(sandbox, h.programs.every((p) => p.exited)).catch(() => {});
  const outputs = h.programs.map((p) => {
    const text = p.output.replace(COLOURS, '');
    return { name: p.name, text: text.length > 8000 ? `${text.slice(0, 2000)}\n…\n${text.slice(-6000)}` : text };
  });
  const traced = h.programs.find((p) => p.student && hasStackTrace(p.output));
  if (traced && !verdict) verdict = { message: say('engine.stackTrace', { program: traced.name }), hint: say('hint.stackTrace') };
  else if (traced && verdict && !verdict.hint) verdict.hint = say('hint.stackTrace');
  const { namesCause: _, ...shown } = (verdict ?? {}) as Failure & { namesCause?: boolean };
  return {
    ...base,
    status: verdict ? 'failed' : 'passed',
    durationMs: Math.round(performance.now() - t0),
    ...shown,
    transcript: h.transcript.entries,
    outputs,
    ...(wire ? { wire } : {}),
  };
}
