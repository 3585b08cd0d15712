/**
 * Processes the bench starts itself: the environment its baselines run in,
 * and a record of every process it started so that the end of the run (or a
 * Ctrl-C) kills whatever is left, by pid, never by name.
 */
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { stillRunning, type ProcEntry } from '../test/support/test-client.ts';

/**
 * Baselines run with the environment the sandbox gives a program (its PATH
 * finds the system python3, not a version manager's shim, which alone costs
 * tens of milliseconds per start).
 */
export const BASE_ENV: Record<string, string> = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  HOME: tmpdir(),
  LANG: 'C.UTF-8',
  TERM: 'xterm-256color',
  PYTHONDONTWRITEBYTECODE: '1',
};

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const started: ProcEntry[] = [];
const children = new Set<ChildProcess>();

/** Notes processes (e.g. a runner's descendants) to kill at the end if they are still there. */
export function remember(procs: ProcEntry[]): void {
  for (const p of procs) if (!started.some((s) => s.pid === p.pid && s.start === p.start)) started.push(p);
}

/** Tracks a child until `untrack`: killed at the end if it is still tracked. */
export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  return child;
}

export function untrack(child: ChildProcess): void {
  children.delete(child);
}

/** SIGKILL by pid; a process already gone is fine. */
export function killByPid(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** Kills every tracked child and every remembered process still running; returns how many of the latter were left. */
export async function cleanupAll(): Promise<number> {
  for (const c of children) killByPid(c.pid);
  children.clear();
  await sleep(200);
  let left = 0;
  for (const p of started) {
    if (stillRunning(p)) {
      left++;
      killByPid(p.pid);
    }
  }
  started.length = 0;
  return left;
}
