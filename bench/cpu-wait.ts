/**
 * How long a thread waited for a core: the kernel's per-thread schedstat
 * (time on a CPU, time runnable but waiting, wake-ups). Beside a figure it
 * says whether a slow keystroke waited for the runner's event loop or for
 * a core (the runner's main thread's id is the runner's pid).
 */
import { readFileSync } from 'node:fs';

/** One reading of a thread's schedstat, in nanoseconds. */
export interface CpuReading {
  runNs: number;
  waitNs: number;
  slices: number;
  at: number;
}

/** Reads /proc/<pid>/schedstat (the main thread of `pid`); null where the kernel has none. */
export function readCpu(pid: number): CpuReading | null {
  try {
    const [run, wait, slices] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    if (run === undefined || wait === undefined || slices === undefined || [run, wait, slices].some(Number.isNaN)) return null;
    return { runNs: run, waitNs: wait, slices, at: performance.now() };
  } catch {
    return null;
  }
}

/** "ran 31%, waited for a core 50% (0.11 ms a time)" between two readings. */
export function describeCpu(before: CpuReading | null, after: CpuReading | null): string {
  if (!before || !after) return 'not measured (no schedstat)';
  const wallNs = (after.at - before.at) * 1e6;
  const pct = (ns: number) => `${Math.round((100 * ns) / wallNs)}%`;
  const wait = after.waitNs - before.waitNs;
  const slices = Math.max(1, after.slices - before.slices);
  return `ran ${pct(after.runNs - before.runNs)}, waited for a core ${pct(wait)} (${(wait / slices / 1e6).toFixed(2)} ms a time)`;
}
