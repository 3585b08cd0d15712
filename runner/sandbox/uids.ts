/**
 * When the runner runs as root (as CI does), every sandbox runs as an
 * unprivileged uid of its own: bubblewrap would otherwise give the
 * student's program root with full capabilities, and per-uid kernel quotas
 * (processes, inotify instances) would be shared with the runner.
 */
import { processOwners } from './procfs.ts';

/** First uid handed out; far above any regular account. */
export const UID_BASE = 200_000;
const UID_COUNT = 60_000;

const inUse = new Set<number>();
// Several runners may share a machine (two `socklab grade` in CI, parallel
// test workers): each starts at a random place in the range, and skips any
// uid that owns a process, so two sessions never share a uid (and with it
// their process limit and kernel quotas).
let next = Math.floor(Math.random() * UID_COUNT);

/** Whether the runner must drop privileges before starting a sandbox. */
export const runningAsRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Takes a free uid for a new sandbox (root only). */
export function takeUid(): number {
  const busy = processOwners();
  for (let i = 0; i < UID_COUNT; i++) {
    const uid = UID_BASE + ((next + i) % UID_COUNT);
    if (!inUse.has(uid) && !busy.has(uid)) {
      inUse.add(uid);
      next = (next + i + 1) % UID_COUNT;
      return uid;
    }
  }
  throw new Error('no free sandbox uid');
}

/** Gives a uid back once every process of its sandbox has ended. */
export function releaseUid(uid: number): void {
  inUse.delete(uid);
}

/** argv prefix that runs the rest as `uid` (empty when not root). */
export function dropTo(uid: number | null): string[] {
  if (uid === null) return [];
  return ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--inh-caps=-all', '--'];
}
