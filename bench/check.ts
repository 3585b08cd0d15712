/**
 * What a student waits for when pressing Check or Run, beside the bare
 * starts of the same run (so the figure can be judged on another machine).
 *
 *   check_ms   per lab: Check (`gradeFiles`, what the page and `socklab
 *              grade` run) on the Python solution, the Java solution where
 *              the lab offers Java, and the Python starter (a failing
 *              submission, which must be no slower): wall time, p50 of
 *              TIMED_RUNS after one unmeasured warm-up of the whole figure.
 *              Goals: Python 1.5 s, Java 3 s, the starter as its language.
 *              A Check of a lab whose checks open pages takes the runner's
 *              browser made ahead (browser-ahead.ts), which the bench waits
 *              for between grades as a runner makes it while idle between
 *              its students' Checks; cold_p50_ms beside it: the same
 *              Check with none (a Check right after another's).
 *              Baselines: `python3 -c pass` and `java Server.java` (a server
 *              that exits at once), started directly between the grades.
 *              Beside each, where the machine lets the bench count it, the
 *              CPU time of the grade (cpu_s, p50): see cpuCount.
 *   java_run   Run of a Java server in an open session's sandbox (its file
 *              written, the program started the way a session starts it,
 *              until its port listens), against the same `java Server.java`
 *              started directly on the host until it listens. Goal 1.3x.
 *
 * SOCKLAB_BENCH_CHECK_LABS=udp-echo,tcp-echo grades only those labs (ids or
 * folders) and leaves java_run out: one lab's figure in a minute while
 * working on it, instead of every lab's.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Language } from '../protocol/messages.ts';
import { loadChecks } from '../runner/grader/engine.ts';
import { BrowserAhead } from '../runner/grader/harness/browser-ahead.ts';
import { gradeKind } from '../runner/grader/proofs.ts';
import { newBenchGroup } from './client-priority.ts';
import { LANGUAGES } from '../runner/languages.ts';
import { loadLabs, readLabFiles, type Lab } from '../runner/labs/load.ts';
import { resolveLimits } from '../runner/limits.ts';
import { chooseBackend } from '../runner/sandbox/index.ts';
import { prepareJavaArchive } from '../runner/sandbox/java-archive.ts';
import { waitUntilBound } from '../runner/sandbox/wait-bound.ts';
import { newExitTag, PtyProcess } from '../runner/terminal/pty-process.ts';
import { info, type Figure, type Row } from './figure.ts';
import { BASE_ENV, killByPid, track, untrack } from './processes.ts';
import { median, round } from './stats.ts';

const TIMED_RUNS = 3;
const RUN_ROUNDS = 7;
const GOAL_MS: Partial<Record<Language, number>> = { python: 1500, java: 3000 };
const JAVA_RUN_GOAL = 1.3;
const START_TIMEOUT_MS = 60_000;

/** A Java server that listens on the port given as its first argument (or 12000) and then waits. */
const LISTENING_SERVER = `import java.net.*;
public class Server {
    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 12000;
        ServerSocket s = new ServerSocket(port, 50, InetAddress.getByName("127.0.0.1"));
        System.out.println("listening on " + port);
        s.accept();
    }
}
`;
const EXITING_SERVER = 'public class Server { public static void main(String[] args) {} }\n';

export interface CheckFigure {
  lab: string;
  kind: 'solution' | 'starter';
  lang: Language;
  checks: number;
  p50_ms: number;
  runs_ms: number[];
  /** CPU-seconds of each grade (p50), or null where they cannot be counted (cpuCount). */
  cpu_s: number | null;
  /** The language's bare start measured between these grades (p50). */
  bare_ms: number;
  goal_ms: number;
  /** For a lab whose checks open pages: the same Check without the runner's browser made ahead (p50), else null. */
  cold_p50_ms: number | null;
}

export interface CheckResults {
  checks_at_once: number;
  check_ms: CheckFigure[];
  bare_python_ms: number;
  bare_java_ms: number;
  java_run_ms: number;
  java_direct_ms: number;
  load_before: number;
  load_after: number;
}

const now = () => performance.now();

/** Runs `argv` in `dir` until it exits (or, with `listen`, until that port accepts), in ms; then stops it. */
export async function direct(argv: string[], dir: string, listen?: number): Promise<number> {
  const t0 = now();
  const child = track(spawn(argv[0]!, argv.slice(1), { cwd: dir, stdio: 'ignore', env: BASE_ENV }));
  const timer = setTimeout(() => killByPid(child.pid), START_TIMEOUT_MS);
  const exited = new Promise<number | null>((res, rej) => {
    child.once('error', rej);
    child.once('exit', (c) => res(c));
  });
  try {
    if (listen === undefined) {
      const code = await exited;
      if (code !== 0) throw new Error(`${argv.join(' ')} exited with ${code}`);
      return now() - t0;
    }
    for (;;) {
      const up = await new Promise<boolean>((res) => {
        const s = connect(listen, '127.0.0.1', () => {
          s.destroy();
          res(true);
        });
        s.once('error', () => res(false));
      });
      if (up) return now() - t0;
      if (child.exitCode !== null) throw new Error(`${argv.join(' ')} exited before listening`);
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    clearTimeout(timer);
    killByPid(child.pid);
    await exited.catch(() => null);
    untrack(child);
  }
}

const bareJava = (dir: string) => direct(['java', 'Server.java'], join(dir, 'exiting'));
const barePython = (dir: string) => direct(['python3', '-c', 'pass'], dir);

/** The cpuacct hierarchy of cgroup v1. */
const CPUACCT = '/sys/fs/cgroup/cpuacct';

/**
 * CPU-seconds used by the bench's process and everything it starts (the
 * sandboxes, the students' programs, the grader's Chromium, the processes
 * that outlive their parents), through a cgroup v1 cpuacct group of the
 * bench's own: a Check's wall time on a machine shared with others moves
 * with their load, its CPU time far less (websocket-chat's Python
 * solution today: 2.6-3.9 CPU-s while its wall time went from 1.4 to 7 s,
 * at load averages of 5 to 40). Null where no such group can be made (not
 * root, cgroup v2 alone, or cpuacct mounted with cpu, whose groups the
 * runner moves its processes into); `close` moves back whatever is still
 * in it (the bench, the runner's forker) and removes it.
 */
function cpuCount(): { seconds(): number; close(): void } | null {
  const home = /^\d+:cpuacct:(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1];
  if (home === undefined || !existsSync(join(CPUACCT, 'cpuacct.usage')) || existsSync(join(CPUACCT, 'cpu.shares'))) return null;
  const group = join(CPUACCT, home, `socklab-bench-${process.pid}`);
  if (!newBenchGroup(group, [['cgroup.procs', String(process.pid)]])) return null;
  return {
    seconds: () => Number(readFileSync(join(group, 'cpuacct.usage'), 'utf8')) / 1e9,
    close: () => {
      for (const pid of readFileSync(join(group, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
        try {
          writeFileSync(join(CPUACCT, home, 'cgroup.procs'), pid);
        } catch {
          /* gone */
        }
      }
      try {
        rmdirSync(group);
      } catch {
        /* a process moved in meanwhile: the group stays, empty once it ends */
      }
    },
  };
}

async function timeCheck(lab: Lab, kind: 'solution' | 'starter', lang: Language, dir: string, cpu: ReturnType<typeof cpuCount>, ahead: BrowserAhead): Promise<CheckFigure> {
  const g = { backend: chooseBackend('bwrap'), limits: resolveLimits() };
  const pages = (await loadChecks(lab)).checks.some((c) => c.opensPage);
  const runs: number[] = [];
  const cpuRuns: number[] = [];
  const bare: number[] = [];
  const cold: number[] = [];
  let checks = 0;
  // As on a runner that has graded a page before: one is made ahead, once the CPUs are idle.
  if (pages) void ahead.take()?.close();
  for (let i = 0; i < TIMED_RUNS; i++) {
    if (pages) {
      // Made before the cold grade (which takes none), so that no start of it runs inside that grade.
      await ahead.ready();
      const t = now();
      await gradeKind(lab, kind, lang, g);
      cold.push(now() - t);
    }
    const t0 = now();
    const c0 = cpu?.seconds() ?? 0;
    const report = await gradeKind(lab, kind, lang, { ...g, browserAhead: ahead });
    runs.push(now() - t0);
    if (cpu) cpuRuns.push(cpu.seconds() - c0);
    checks = report.results.length;
    if (kind === 'solution' && (report.failed || report.skipped)) throw new Error(`the ${lab.meta.id} ${lang} solution did not pass`);
    if (kind === 'starter' && !report.failed) throw new Error(`the ${lab.meta.id} ${lang} starter passed`);
    // The next browser made ahead starts after the grade that took it: not beside the baseline's start.
    await ahead.ready();
    bare.push(await (lang === 'java' ? bareJava(dir) : barePython(dir)));
  }
  return { lab: lab.meta.id, kind, lang, checks, p50_ms: round(median(runs), 0), runs_ms: runs.map((x) => round(x, 0)), cpu_s: cpu ? round(median(cpuRuns), 2) : null, bare_ms: round(median(bare), 1), goal_ms: GOAL_MS[lang] ?? 0, cold_p50_ms: pages ? round(median(cold), 0) : null };
}

/** A Java server's Run in an open session's sandbox, to its port listening, in ms (RUN_ROUNDS, p50). */
export async function javaRun(): Promise<number> {
  const limits = resolveLimits();
  const sandbox = await chooseBackend('bwrap').create(limits);
  const times: number[] = [];
  try {
    const lang = LANGUAGES.java;
    for (let i = 0; i < RUN_ROUNDS; i++) {
      const t0 = now();
      await prepareJavaArchive();
      await sandbox.writeFiles([{ name: 'Server.java', content: LISTENING_SERVER }]);
      const tag = newExitTag();
      let exited = false;
      const term = new PtyProcess(sandbox.spawnPlan(lang.command('Server.java'), tag), tag, { cols: 120, rows: 40, limits, onOutput: (d) => term.ack(d.length), onExit: () => (exited = true) });
      const bound = await waitUntilBound(sandbox, 12000, 'tcp', { timeoutMs: START_TIMEOUT_MS, stop: () => exited });
      times.push(now() - t0);
      await term.stop();
      if (bound !== 'bound') throw new Error(`the Java server did not listen in the sandbox (${bound})`);
    }
  } finally {
    await sandbox.close();
  }
  return median(times);
}

/** The labs SOCKLAB_BENCH_CHECK_LABS names (every lab with a grader when unset); throws on a name that is none. */
function chosenLabs(): Lab[] {
  const labs = loadLabs().filter((lab) => existsSync(join(lab.dir, 'checks.ts')));
  const names = process.env.SOCKLAB_BENCH_CHECK_LABS?.split(',').map((s) => s.trim()).filter(Boolean);
  if (!names?.length) return labs;
  const unknown = names.filter((n) => !labs.some((l) => l.meta.id === n || l.folder === n));
  if (unknown.length) throw new Error(`SOCKLAB_BENCH_CHECK_LABS: no graded lab ${unknown.join(', ')} (labs: ${labs.map((l) => l.meta.id).join(', ')})`);
  return labs.filter((l) => names.includes(l.meta.id) || names.includes(l.folder));
}

export async function benchCheck(): Promise<CheckResults> {
  const loadBefore = loadavg()[0]!;
  const all = !process.env.SOCKLAB_BENCH_CHECK_LABS;
  const labs = chosenLabs();
  const dir = mkdtempSync(join(tmpdir(), 'socklab-bench-check-'));
  const out: CheckFigure[] = [];
  const cpu = cpuCount();
  const ahead = new BrowserAhead(resolveLimits());
  try {
    for (const [sub, text] of [['exiting', EXITING_SERVER], ['listening', LISTENING_SERVER]] as const) {
      mkdirSync(join(dir, sub));
      writeFileSync(join(dir, sub, 'Server.java'), text);
    }
    await prepareJavaArchive();
    // One unmeasured grade: the grader's own modules load and compile here.
    await gradeKind(labs[0]!, 'solution', 'python', { backend: chooseBackend('bwrap'), limits: resolveLimits() });
    for (const lab of labs) {
      out.push(await timeCheck(lab, 'solution', 'python', dir, cpu, ahead));
      if (lab.meta.languages.includes('java') && readLabFiles(lab, 'solution', 'java').size) out.push(await timeCheck(lab, 'solution', 'java', dir, cpu, ahead));
      out.push(await timeCheck(lab, 'starter', 'python', dir, cpu, ahead));
    }
    const javaRunMs = all ? await javaRun() : 0;
    const directs: number[] = [];
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    for (let i = 0; all && i < RUN_ROUNDS; i++) directs.push(await direct(['java', 'Server.java', String(port + i)], join(dir, 'listening'), port + i));
    const py: number[] = [];
    const jv: number[] = [];
    for (let i = 0; i < 5; i++) {
      py.push(await barePython(dir));
      jv.push(await bareJava(dir));
    }
    return {
      checks_at_once: resolveLimits().checksAtOnce,
      check_ms: out,
      bare_python_ms: round(median(py), 1),
      bare_java_ms: round(median(jv), 1),
      java_run_ms: round(javaRunMs, 0),
      java_direct_ms: all ? round(median(directs), 0) : 0,
      load_before: round(loadBefore, 1),
      load_after: round(loadavg()[0]!, 1),
    };
  } finally {
    await ahead.close();
    cpu?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function checkRows(r: CheckResults): Row[] {
  const rows: Row[] = r.check_ms.flatMap((c) => [
    {
      metric: `check_ms p50 ${c.lab} ${c.lang} ${c.kind}`,
      value: String(c.p50_ms),
      baseline: `${c.lang === 'java' ? 'java Server.java' : 'python3 -c pass'} ${round(c.bare_ms, 0)}`,
      ratio: `${round(c.p50_ms / c.bare_ms, 1)}x`,
      goal: `<= ${c.goal_ms} ms`,
      ok: c.p50_ms <= c.goal_ms,
    },
    ...(c.cpu_s === null || c.cpu_s === undefined ? [] : [info('  cpu_s p50 (the grade, every process)', String(c.cpu_s))]),
    ...(c.cold_p50_ms === null || c.cold_p50_ms === undefined ? [] : [info('  p50 with no browser made ahead (ms)', String(c.cold_p50_ms))]),
  ]);
  const ratio = r.java_run_ms / r.java_direct_ms;
  if (r.java_direct_ms) rows.push({ metric: 'java_run_ms p50 (Run to listening)', value: String(r.java_run_ms), baseline: `java Server.java ${r.java_direct_ms}`, ratio: `${round(ratio, 2)}x`, goal: `<= ${JAVA_RUN_GOAL}x`, ok: ratio <= JAVA_RUN_GOAL });
  rows.push({ metric: '  bare starts p50 (ms)', value: `python3 -c pass ${r.bare_python_ms} / java Server.java ${r.bare_java_ms}`, baseline: '', ratio: '', goal: '', ok: true });
  return rows;
}

export const checkFigure: Figure<CheckResults> = {
  name: 'check',
  key: 'check',
  title: `check: Check on each lab's Python (and Java) solution and Python starter (${TIMED_RUNS} runs each), Java Run to listening vs java Server.java (${RUN_ROUNDS} rounds)`,
  run: () => benchCheck(),
  rows: checkRows,
  notes: (r) => [`check: ${r.checks_at_once} checks of a Check at once; load average ${r.load_before} before, ${r.load_after} after`],
};
