/**
 * A measuring client as if its browser ran on a machine of its own. The
 * bench's clients share this machine's two cores with the runner and the
 * load they measure: a client waiting for a core to read its echo adds that
 * wait to the figure, though no student's browser waits on the runner's
 * machine (measured beside 50 busy sessions: the client's thread waited
 * 0.7 to 2.8 ms for a core at each wake-up, up to 30 ms at p99 for a
 * received echo). Raising the client thread's priority takes most of that
 * wait out; the runner, its sandboxes and the load keep theirs.
 */
import { getPriority, setPriority } from 'node:os';

/** Niceness of the measuring thread (-20..19; lower runs first). */
const MEASURING_NICE = -10;

/**
 * Runs `measure` with this thread at a higher priority (nice -10), then
 * restores it. Start no process inside `measure`: a child inherits the
 * niceness. Where raising it is not allowed (not root, no CAP_SYS_NICE)
 * `measure` runs as it is and `raised` says so.
 */
export async function asRemoteClient<T>(measure: () => Promise<T>): Promise<{ value: T; raised: boolean }> {
  const before = getPriority();
  let raised = false;
  try {
    setPriority(MEASURING_NICE);
    raised = true;
  } catch {
    /* not allowed here: measured as it is */
  }
  try {
    return { value: await measure(), raised };
  } finally {
    if (raised) setPriority(before);
  }
}
