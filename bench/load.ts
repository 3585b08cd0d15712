/**
 * Capacity: how many students one runner holds. Simulated students (real
 * WebSocket clients, each from its own loopback address) open the tcp-echo
 * lab with the Python solution, run it with one client, type a sentence
 * into the client at a typist's pace, press Enter, read the reply, start the
 * client again, and press Check about once a minute. Students join in
 * steps; each step is held for a while and measured: keystroke echo (a key
 * typed until its echo comes back) and Check (pressed until checkDone).
 *
 * The figure: the largest step held with keystroke echo p99 under 50 ms and
 * Check p95 under 10 s; the step after it is where it broke. Memory per
 * student (the growth of the runner's RSS and its descendants' PSS over the
 * idle runner's, divided by the students) is measured at the last step, for
 * the README's sizing table ("serving a class").
 *
 * The students' clients (this process) run at a higher priority
 * (client-priority.ts), as browsers on machines of their own would: their
 * own wait for a core is not the runner's.
 */
import { cpus, totalmem } from 'node:os';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StudentFile } from '../protocol/messages.ts';
import { descendantsOf, pssBytes, rssBytes, type TestClient } from '../test/support/test-client.ts';
import { asRemoteClient } from './client-priority.ts';
import { describeCpu, readCpu } from './cpu-wait.ts';
import { type Figure, type Row, info } from './figure.ts';
import { remember, sleep } from './processes.ts';
import { connect, openSession, ROOT, withRunner } from './serve.ts';
import { percentile, round } from './stats.ts';

const SOLUTION = join(ROOT, 'labs/02-tcp-echo/solution/python');
/** Students at each step, in order; the run stops at the first step that misses a bound. */
const STEPS = [1, 2, 5, 10, 20, 30, 45, 60, 80, 100];
/** How long each step is measured, once its students have joined. */
const HOLD_MS = 45_000;
const KEY_P99_BOUND_MS = 50;
const CHECK_P95_BOUND_MS = 10_000;
/** A student presses Check about this often. */
const CHECK_EVERY_MS = 60_000;
/** The first press comes at a random moment within this after joining, so every step sees Checks. */
const FIRST_CHECK_WITHIN_MS = 30_000;
/** Between keys: a typist at about 6 keys a second. */
const KEY_GAP_MS = 160;
const SENTENCE = 'hello socklab';
/** Headroom the sizing keeps free on every replica. */
const HEADROOM = 0.3;
const MiB = 1024 * 1024;

const now = () => performance.now();

function readFolder(dir: string): StudentFile[] {
  return readdirSync(dir).map((name) => ({ name, content: readFileSync(join(dir, name), 'utf8') }));
}

/** One simulated student: its timings are taken by the step that reads them. */
class Student {
  keys: number[] = [];
  /** Enter until the client printed the server's reply and ended: the student's own programs at work. */
  replies: number[] = [];
  checks: number[] = [];
  checkFailures = 0;
  private stopped = false;

  private constructor(private readonly c: TestClient) {}

  /** Connects, opens the lab, runs the solution with one client and starts typing and checking. */
  static async join(url: string, files: StudentFile[]): Promise<Student> {
    const c = await connect(url, { keepOutput: false });
    try {
      await openSession(c, files);
      await c.waitFor((m) => m.type === 'files', 20_000);
      c.send({ type: 'run', clients: 1 });
      await c.waitForProc((p) => p.name === 'client 1' && p.state === 'running', 30_000);
    } catch (err) {
      await c.close();
      throw err;
    }
    const s = new Student(c);
    void s.typeLoop();
    void s.checkLoop();
    return s;
  }

  /** Types the sentence into the client, Enter, waits for it to end, starts it again; over and over. */
  private async typeLoop(): Promise<void> {
    const c = this.c;
    while (!this.stopped) {
      const from = c.messages.length;
      const client = c.procByName('client 1');
      if (!client || client.state === 'exited') {
        if (client) c.send({ type: 'restart', proc: client.id });
        await c.waitForProc((p) => p.name === 'client 1' && p.state === 'running', 30_000, from).catch(() => undefined);
        continue;
      }
      for (const ch of SENTENCE) {
        if (this.stopped) return;
        const before = c.bytes(client.id);
        const t0 = now();
        c.send({ type: 'input', proc: client.id, data: ch });
        const t = await c.until(() => c.bytes(client.id) > before && c.output.get(client.id)!.lastByteAt!, 10_000, 'echo').catch(() => undefined);
        if (t === undefined) return; // the socket closed, or the runner fell over: the step's figure says so
        this.keys.push(t - t0);
        await sleep(KEY_GAP_MS * (0.5 + Math.random()));
      }
      const entered = now();
      c.send({ type: 'input', proc: client.id, data: '\r' });
      const ended = await c.waitForProc((p) => p.id === client.id && p.state === 'exited', 30_000, from).then(() => true, () => false);
      if (ended) this.replies.push(now() - entered);
      await sleep(1000 + 2000 * Math.random());
    }
  }

  private async checkLoop(): Promise<void> {
    const c = this.c;
    await sleep(FIRST_CHECK_WITHIN_MS * Math.random());
    while (!this.stopped) {
      const from = c.messages.length;
      const t0 = now();
      c.send({ type: 'check' });
      const done = await c.waitFor((m) => m.type === 'checkDone' || m.type === 'error', 120_000, from).catch(() => undefined);
      if (this.stopped) return;
      if (done?.type === 'checkDone' && done.failed === 0) this.checks.push(now() - t0);
      else this.checkFailures++;
      await sleep(CHECK_EVERY_MS * (0.75 + 0.5 * Math.random()));
    }
  }

  /** Takes the timings gathered since the last take. */
  take(): { keys: number[]; replies: number[]; checks: number[]; checkFailures: number } {
    const out = { keys: this.keys, replies: this.replies, checks: this.checks, checkFailures: this.checkFailures };
    this.replies = [];
    this.keys = [];
    this.checks = [];
    this.checkFailures = 0;
    return out;
  }

  /** Closes the student's socket (the runner ends the session); its loops end at their next step. */
  async leave(): Promise<void> {
    this.stopped = true;
    await this.c.close();
  }
}

export interface LoadStep {
  students: number;
  key_p50: number;
  key_p99: number;
  keys: number;
  /** Enter until the reply was printed and the client ended (not bounded: the student's programs, not the runner). */
  reply_p50: number;
  reply_p95: number;
  check_p50: number;
  check_p95: number;
  checks: number;
  check_failures: number;
  ok: boolean;
  /** The runner's main thread while the step was held: its share of the time on a core and waiting for one. */
  runner_cpu: string;
}

export interface LoadResults {
  /** The largest step held within both bounds (0 when even the first missed). */
  sessions_held: number;
  steps: LoadStep[];
  stop_reason: string;
  /** Memory per student at the last step measured: the growth of the runner's RSS and its descendants' PSS over its idle size. */
  mb_per_student: number;
  /** The idle runner's own memory (a replica's fixed cost). */
  runner_idle_mb: number;
  cores: number;
  mem_gib: number;
  students_per_core: number;
  students_per_gib: number;
  /** Students per replica like this machine, keeping HEADROOM free. */
  students_per_replica_with_headroom: number;
  replicas_for_300: number;
  replicas_for_5000: number;
  /** The students' clients ran at a higher priority (false: not allowed here), and in a CPU group of their own. */
  client_raised: boolean;
  client_grouped: boolean;
  date: string;
}

function stepFigure(students: number, taken: ReturnType<Student['take']>[], runnerCpu: string): LoadStep {
  const keys = taken.flatMap((t) => t.keys);
  const checks = taken.flatMap((t) => t.checks);
  const replies = taken.flatMap((t) => t.replies);
  const checkFailures = taken.reduce((n, t) => n + t.checkFailures, 0);
  const key_p99 = keys.length ? percentile(keys, 0.99) : Infinity;
  const check_p95 = checks.length ? percentile(checks, 0.95) : Infinity;
  return {
    students,
    key_p50: keys.length ? percentile(keys, 0.5) : Infinity,
    key_p99,
    keys: keys.length,
    reply_p50: replies.length ? percentile(replies, 0.5) : Infinity,
    reply_p95: replies.length ? percentile(replies, 0.95) : Infinity,
    check_p50: checks.length ? percentile(checks, 0.5) : Infinity,
    check_p95,
    checks: checks.length,
    check_failures: checkFailures,
    ok: key_p99 < KEY_P99_BOUND_MS && check_p95 < CHECK_P95_BOUND_MS && checkFailures === 0,
    runner_cpu: runnerCpu,
  };
}

/** Memory the runner holds (its RSS and its descendants' PSS), in bytes. */
function runnerMemory(runnerPid: number): number {
  const procs = descendantsOf(runnerPid);
  remember(procs);
  return procs.reduce((n, p) => n + pssBytes(p.pid), 0) + rssBytes(runnerPid);
}

/** Runs the steps against a fresh runner. */
export async function benchLoad(steps = STEPS, holdMs = HOLD_MS): Promise<LoadResults> {
  const files = readFolder(SOLUTION);
  const results: LoadStep[] = [];
  let stopReason = `reached ${steps.at(-1)} students`;
  let mbPer = 0;
  let runnerIdleMb = 0;
  let client = { raised: false, grouped: false };
  await withRunner(async (runner) => {
    const students: Student[] = [];
    // What the runner holds with no student: a replica's fixed cost, not a student's.
    const idleBytes = runnerMemory(runner.child.pid!);
    runnerIdleMb = idleBytes / MiB;
    // Nothing below starts a process (the runner is started): the raised priority stays with the students' clients.
    client = await asRemoteClient(async () => {
      try {
        for (const target of steps) {
          try {
            while (students.length < target) students.push(await Student.join(runner.url, files));
          } catch (err) {
            stopReason = `student ${students.length + 1} could not join: ${(err as Error).message.slice(0, 160)}`;
            break;
          }
          for (const s of students) s.take(); // what joining cost is not the step's figure
          const cpuBefore = readCpu(runner.child.pid!);
          await sleep(holdMs);
          const step = stepFigure(target, students.map((s) => s.take()), describeCpu(cpuBefore, readCpu(runner.child.pid!)));
          results.push(step);
          console.log(`  ${target} students: key echo p50/p99 ${round(step.key_p50, 1)}/${round(step.key_p99, 1)} ms (${step.keys} keys), reply p50/p95 ${round(step.reply_p50, 0)}/${round(step.reply_p95, 0)} ms, Check p50/p95 ${round(step.check_p50 / 1000, 2)}/${round(step.check_p95 / 1000, 2)} s (${step.checks}, ${step.check_failures} failed); the runner's main thread ${step.runner_cpu}`);
          // Memory is measured at every step (the last one measured is the best amortised figure).
          mbPer = (runnerMemory(runner.child.pid!) - idleBytes) / MiB / target;
          if (!step.ok) {
            stopReason = `${target} students missed a bound`;
            break;
          }
        }
      } finally {
        for (let i = 0; i < students.length; i += 10) await Promise.all(students.slice(i, i + 10).map((s) => s.leave()));
      }
    });
  });
  const held = results.filter((s) => s.ok).at(-1)?.students ?? 0;
  const cores = cpus().length;
  const memGib = totalmem() / 1024 ** 3;
  const perGib = mbPer > 0 ? 1024 / mbPer : 0;
  // A replica like this machine holds the fewer of what its cores and its memory allow, less the headroom.
  const perReplica = Math.floor(Math.min(held, perGib * memGib) * (1 - HEADROOM));
  return {
    sessions_held: held,
    steps: results,
    stop_reason: stopReason,
    mb_per_student: mbPer,
    runner_idle_mb: runnerIdleMb,
    cores,
    mem_gib: round(memGib, 1),
    students_per_core: held / cores,
    students_per_gib: perGib,
    students_per_replica_with_headroom: perReplica,
    replicas_for_300: perReplica ? Math.ceil(300 / perReplica) : Infinity,
    replicas_for_5000: perReplica ? Math.ceil(5000 / perReplica) : Infinity,
    client_raised: client.raised,
    client_grouped: client.grouped,
    date: new Date().toISOString(),
  };
}

export function loadRows(r: LoadResults): Row[] {
  const last = r.steps.at(-1);
  return [
    {
      metric: 'students_held',
      value: String(r.sessions_held),
      baseline: last && !last.ok ? `${last.students} (where it broke)` : '',
      ratio: '',
      goal: `key p99 < ${KEY_P99_BOUND_MS} ms, Check p95 < ${CHECK_P95_BOUND_MS / 1000} s`,
      ok: r.sessions_held > 0,
    },
    info('  students per core / per GiB', `${round(r.students_per_core, 1)} / ${round(r.students_per_gib, 1)}`, `${round(r.mb_per_student, 1)} MiB each`),
    info(`  replicas for 300 / 5,000 (${HEADROOM * 100}% headroom)`, `${r.replicas_for_300} / ${r.replicas_for_5000}`, `${r.students_per_replica_with_headroom} per replica`),
  ];
}

export const loadFigure: Figure<LoadResults> = {
  name: 'load',
  key: 'load',
  title: `capacity: simulated students in steps of ${STEPS.join(', ')}, each held ${HOLD_MS / 1000} s (a few minutes)`,
  run: () => benchLoad(),
  rows: loadRows,
  notes: (r) => [
    `load: the idle runner holds ${round(r.runner_idle_mb, 1)} MiB; stopped because ${r.stop_reason}; ` +
      r.steps.map((s) => `${s.students}: key p99 ${round(s.key_p99, 1)} ms, reply p95 ${round(s.reply_p95, 0)} ms, Check p95 ${round(s.check_p95 / 1000, 1)} s${s.ok ? '' : ' (missed)'}`).join('; '),
    r.client_raised ? `load: the students' clients ran at nice -10${r.client_grouped ? ' in a CPU group of their own' : ''}, as browsers on machines of their own` : "load: the students' clients could not raise their priority here (not root): their own wait for a core is in the figures",
  ],
};
