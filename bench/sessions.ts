/**
 * Memory per idle session, and how many sessions start. Each session runs
 * the tcp-echo Python solution's server and two clients waiting for input.
 *
 *   session_overhead_mb  PSS of every process of the session's uid plus the
 *                        runner's RSS growth, minus the student's three
 *                        programs; baseline: the same three programs run
 *                        directly (no sandbox, no runner).
 *   max_sessions         such sessions that start on this machine (tried up
 *                        to 250, bounded to about two minutes); baseline: the
 *                        memory bound (available memory / size per session).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { freemem, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { StudentFile } from '../protocol/messages.ts';
import { descendantsOf, freePort, pssBytes, rssBytes, type TestClient } from '../test/support/test-client.ts';
import { type Figure, type Row } from './figure.ts';
import { BASE_ENV, killByPid, remember, sleep, track, untrack } from './processes.ts';
import { connect, openSession, ROOT, withRunner } from './serve.ts';
import { round } from './stats.ts';

const SOLUTION = join(ROOT, 'labs/02-tcp-echo/solution/python');
const MB = 1e6;
const MiB = 1024 * 1024;
const MEASURE_AT = 20;
const MAX_TRY = 250;
const BUDGET_MS = 120_000;

function readFolder(dir: string): StudentFile[] {
  return readdirSync(dir).map((name) => ({ name, content: readFileSync(join(dir, name), 'utf8') }));
}

function memAvailable(): number {
  const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) * 1024 : freemem();
}

/** Opens a session running the solution server and two clients waiting for input. */
async function startIdleSession(url: string, files: StudentFile[]): Promise<TestClient> {
  const c = await connect(url, { keepOutput: false });
  try {
    await openSession(c, files);
    c.send({ type: 'run', clients: 2 });
    await c.waitForProc((p) => p.name === 'server' && p.state === 'listening', 20_000);
    await c.waitForProc((p) => p.name === 'client 2' && p.state === 'running', 20_000);
    if (c.errors.length) throw new Error(`${c.errors[0]!.code}: ${c.errors[0]!.message}`);
  } catch (err) {
    await c.close();
    throw err;
  }
  return c;
}

/**
 * PSS of the runner's descendants: in all, and the student's programs
 * (python3) apart from the rest (holder, joiners, bwraps, launchers), which
 * is what socklab itself adds. Grouped by uid: one uid per session as root.
 */
function sessionMemory(runnerPid: number) {
  const procs = descendantsOf(runnerPid);
  remember(procs);
  const perUid = new Map<number, number>();
  let total = 0;
  let programs = 0;
  for (const p of procs) {
    const pss = pssBytes(p.pid);
    total += pss;
    if (p.name.startsWith('python')) programs += pss;
    perUid.set(p.uid, (perUid.get(p.uid) ?? 0) + pss);
  }
  return { perUid, total, programs, procs };
}

async function waitPythons(runnerPid: number, count: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (descendantsOf(runnerPid).filter((p) => p.name.startsWith('python')).length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} python processes`);
    await sleep(50);
  }
  await sleep(300); // let them reach accept()/readline()
}

/** The same three programs run directly (no sandbox, no runner), to subtract. */
async function rawProgramsPss(sets: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'socklab-bench-raw-'));
  const server = readFileSync(join(SOLUTION, 'server.py'), 'utf8');
  const client = readFileSync(join(SOLUTION, 'client.py'), 'utf8');
  const procs: ChildProcess[] = [];
  try {
    const basePort = await freePort();
    for (let i = 0; i < sets; i++) {
      // Each set on its own port so they can all listen on the host.
      const port = String(basePort + 1 + i);
      writeFileSync(join(dir, `server${i}.py`), server.replace('SERVER_PORT = 12000', `SERVER_PORT = ${port}`));
      writeFileSync(join(dir, `client${i}.py`), client.replace('SERVER_PORT = 12000', `SERVER_PORT = ${port}`));
      for (const file of [`server${i}.py`, `client${i}.py`, `client${i}.py`]) {
        procs.push(track(spawn('python3', [file], { cwd: dir, stdio: ['pipe', 'ignore', 'ignore'], env: BASE_ENV })));
      }
    }
    await sleep(1500);
    return procs.reduce((sum, p) => sum + pssBytes(p.pid!), 0) / sets;
  } finally {
    for (const p of procs) {
      killByPid(p.pid);
      untrack(p);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface SessionsResults {
  session_mb: number;
  session_pss_mb: number;
  programs_mb: number;
  runner_growth_mb_per_session: number;
  raw_programs_mb: number;
  overhead_mb: number;
  measured_at_sessions: number;
  max_sessions: number;
  max_tried: number;
  stop_reason: string;
  seconds_to_fill: number;
  session_mb_at_max: number;
  memory_bound_estimate: number;
  processes_at_max: number;
}

/** Measures memory per session at `measureAt` sessions, then opens more until one fails or the budget ends. */
export async function benchSessions(measureAt = MEASURE_AT, maxTry = MAX_TRY, budgetMs = BUDGET_MS): Promise<SessionsResults> {
  const files = readFolder(SOLUTION);
  const rawPerSet = await rawProgramsPss(measureAt);
  return withRunner(async (runner) => {
    const runnerPid = runner.child.pid!;
    const held: TestClient[] = [];
    try {
      // Warm the runner up (code paths, JIT), then take its idle size.
      await (await startIdleSession(runner.url, files)).close();
      await sleep(500);
      const rss0 = rssBytes(runnerPid);

      for (let i = 0; i < measureAt; i++) held.push(await startIdleSession(runner.url, files));
      await waitPythons(runnerPid, 3 * measureAt);
      const m = sessionMemory(runnerPid);
      const growth = rssBytes(runnerPid) - rss0;
      const sandboxUids = [...m.perUid.keys()].filter((u) => u >= 200_000);
      // Every process of each session's uid (as root: one uid per session).
      const uidPss = sandboxUids.length === measureAt ? sandboxUids.reduce((s, u) => s + m.perUid.get(u)!, 0) : m.total;
      const perSessionPss = uidPss / measureAt;
      const perSession = perSessionPss + growth / measureAt;
      const programsPerSession = m.programs / measureAt;

      // How many start: keep opening until one fails, or time or memory runs short.
      const started0 = Date.now();
      const memFloor = Math.max(2 * 1024 * MiB, totalmem() * 0.1);
      let stopReason = `reached ${maxTry}`;
      while (held.length < maxTry) {
        if (Date.now() - started0 > budgetMs) {
          stopReason = `time budget (${budgetMs / 1000} s)`;
          break;
        }
        if (memAvailable() < memFloor) {
          stopReason = 'memory available fell below 10%';
          break;
        }
        try {
          held.push(await startIdleSession(runner.url, files));
        } catch (err) {
          stopReason = `session ${held.length + 1} failed: ${(err as Error).message.slice(0, 200)}`;
          break;
        }
      }
      const secondsToFill = (Date.now() - started0) / 1000;
      const mAll = sessionMemory(runnerPid);
      const perSessionAtMax = (mAll.total + (rssBytes(runnerPid) - rss0)) / held.length;
      return {
        session_mb: perSession / MB,
        session_pss_mb: perSessionPss / MB,
        programs_mb: programsPerSession / MB,
        runner_growth_mb_per_session: growth / measureAt / MB,
        raw_programs_mb: rawPerSet / MB,
        overhead_mb: (perSession - programsPerSession) / MB,
        measured_at_sessions: measureAt,
        max_sessions: held.length,
        max_tried: maxTry,
        stop_reason: stopReason,
        seconds_to_fill: secondsToFill,
        session_mb_at_max: perSessionAtMax / MB,
        memory_bound_estimate: Math.floor((memAvailable() + mAll.total) / perSessionAtMax),
        processes_at_max: mAll.procs.length,
      };
    } finally {
      // Close in small groups so the runner tears sandboxes down in order.
      for (let i = 0; i < held.length; i += 25) await Promise.all(held.slice(i, i + 25).map((c) => c.close()));
      await sleep(500);
    }
  });
}

export function sessionsRows(r: SessionsResults): Row[] {
  return [
    {
      metric: 'session_overhead_mb',
      value: round(r.overhead_mb, 2).toString(),
      baseline: `${round(r.raw_programs_mb, 2)} (the 3 programs alone)`,
      ratio: `${round(r.session_mb, 2)} MB in all`,
      goal: '<= 10',
      ok: r.overhead_mb <= 10,
    },
    {
      metric: 'max_sessions',
      value: String(r.max_sessions),
      baseline: `${r.memory_bound_estimate} (memory bound)`,
      ratio: '',
      goal: '>= 200',
      ok: r.max_sessions >= 200,
    },
  ];
}

export const sessionsFigure: Figure<SessionsResults> = {
  name: 'sessions',
  key: 'sessions',
  title: `memory per session at ${MEASURE_AT} sessions, then max sessions (up to ${MAX_TRY}, about ${BUDGET_MS / 60_000} min)`,
  run: () => benchSessions(),
  rows: sessionsRows,
  notes: (r) => [
    `max_sessions stopped: ${r.stop_reason}; ${round(r.seconds_to_fill, 1)} s to fill, ${r.processes_at_max} processes, ${round(r.session_mb_at_max, 2)} MB per session at the max`,
    `memory per session at ${r.measured_at_sessions} sessions: ${round(r.session_pss_mb, 2)} MB PSS of the session's uid ` +
      `(${round(r.programs_mb, 2)} MB of it the three python3 programs) + ${round(r.runner_growth_mb_per_session, 2)} MB runner RSS growth; ` +
      `overhead = the rest`,
  ],
};
