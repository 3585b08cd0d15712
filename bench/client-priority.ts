/**
 * A measuring client as if its browser ran on a machine of its own. The
 * bench's clients share this machine's two cores with the runner and the
 * load they measure: a client waiting for a core to read its echo adds that
 * wait to the figure, though no student's browser waits on the runner's
 * machine (measured beside 50 busy sessions: the client's thread waited
 * 0.7 to 2.8 ms for a core at each wake-up, up to 30 ms at p99 for a
 * received echo). Raising the client thread's priority takes most of that
 * wait out; the runner, its sandboxes and the load keep theirs.
 *
 * Niceness alone is not enough where the kernel groups processes by
 * session (sched_autogroup, on by default): a nice value only weighs a
 * thread against its own session's, and the whole session (this process,
 * the busy sessions' clients) weighs one nice-0 thread against the rest.
 * Where cgroup v1's cpu hierarchy is writable the thread also gets a CPU
 * group of its own at the weight of a nice -10 thread (beside 50 busy
 * sessions it then waited for a core 5% of the time instead of 28%).
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { join } from 'node:path';

/** Niceness of the measuring thread (-20..19; lower runs first). */
const MEASURING_NICE = -10;
/** cpu.shares of the measuring thread's group: the kernel's weight for nice -10 (a nice-0 thread is 1024). */
const MEASURING_SHARES = 9548;

/**
 * Runs `measure` with this thread at a higher priority (nice -10, and its
 * own CPU group where cgroup v1 allows), then restores it. Start no process
 * inside `measure`: a child inherits both. Where raising it is not allowed
 * (not root, no CAP_SYS_NICE) `measure` runs as it is and `raised` says so.
 */
export async function asRemoteClient<T>(measure: () => Promise<T>): Promise<{ value: T; raised: boolean; grouped: boolean }> {
  const before = getPriority();
  let raised = false;
  try {
    setPriority(MEASURING_NICE);
    raised = true;
  } catch {
    /* not allowed here: measured as it is */
  }
  const group = raised ? ownCpuGroup() : null;
  try {
    return { value: await measure(), raised, grouped: group !== null };
  } finally {
    group?.leave();
    if (raised) setPriority(before);
  }
}

/** Moves this thread (the main one: its id is the pid) into a cgroup v1 CPU group of its own; null where it cannot. */
function ownCpuGroup(): { leave(): void } | null {
  const path = /^\d+:(?:[^:]*,)?cpu(?:,[^:]*)?:(\/.*)$/m.exec(readFileSync(`/proc/self/task/${process.pid}/cgroup`, 'utf8'))?.[1];
  if (path === undefined) return null;
  const home = join('/sys/fs/cgroup/cpu', path);
  const dir = join(home, `socklab-bench-client-${process.pid}`);
  if (!newBenchGroup(dir, [['cpu.shares', String(MEASURING_SHARES)], ['tasks', String(process.pid)]])) return null;
  return {
    leave() {
      writeFileSync(join(home, 'tasks'), String(process.pid));
      rmdirSync(dir);
    },
  };
}

/**
 * Makes cgroup `dir` of the bench's own and writes `files` into it in
 * order (its settings, then the process joining it); false, with nothing
 * left behind, where that is not allowed here.
 */
export function newBenchGroup(dir: string, files: [name: string, value: string][]): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    for (const [name, value] of files) writeFileSync(join(dir, name), value);
    return true;
  } catch {
    try {
      rmdirSync(dir);
    } catch {
      /* never made */
    }
    return false;
  }
}
