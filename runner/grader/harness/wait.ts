/**
 * Waiting inside a check: for an event-driven value with a deadline, and
 * the failure a check throws. Shared by every transport of the harness.
 */
import type { EventEmitter } from 'node:events';
import type { FailureDetails } from '../api.ts';
import type { GraderSay } from '../messages.ts';

/** Thrown by `h.fail` and every failed expectation; the engine reports it. */
export class CheckFailure extends Error {
  /**
   * @param namesCause true when the message already says what happened to
   *   the student's program (it exited, crashed...), so the engine does not
   *   put that in front of it a second time.
   */
  constructor(message: string, readonly details: FailureDetails = {}, readonly namesCause = false) {
    super(message);
    this.name = 'CheckFailure';
  }
}

/** A grader TCP connection's two ports, and whether the grader's end is still open (neither closed by it nor ended by the program). */
export interface ConnEnds {
  local: number;
  remote: number;
  open: boolean;
  /**
   * The socket inode of the program's end, once a look has seen it. After
   * a reset that end leaves the socket table at once, but the program holds
   * it until it has read the reset and closed it (or exited): while it does,
   * the reset is not yet dealt with.
   */
  programEnd?: number;
}

/** What a transport needs from the harness it belongs to. */
export interface CheckScope {
  /** The harness's words in the student's language. */
  readonly say: GraderSay;
  fail(message: string, details?: FailureDetails): never;
  sleep(ms: number): Promise<void>;
  teardown(fn: () => void | Promise<void>): void;
  /** Ends the check now with `failure` (from an event, outside any await of the check). */
  abort(failure: CheckFailure): void;
  /**
   * Where the program at the other end of a grader connection is with what
   * passed on it: still `busy` (the connection not yet accepted, bytes
   * unacknowledged or unread either way, the grader's close not yet at the
   * program's end, or a program of the check on a CPU), `idle` (all of it
   * taken and every program waiting), or `closed` (the program closed or
   * reset its end while the grader's is open). `programEnd` is the inode
   * of the program's end when this look saw it.
   */
  peerState(ends: ConnEnds): Promise<{ state: 'busy' | 'idle' | 'closed'; programEnd?: number }>;
  /** Whether the program's end of a grader connection still waits in its listener's queue: connected by the kernel, never accepted. */
  waitsToBeAccepted(ends: ConnEnds): Promise<boolean>;
  /** The CPU time, in ms, that the check's running programs have used so far. */
  programsCpuMs(): Promise<number>;
  /**
   * When every running program of the check waits for ever (Program.blockedIn),
   * the first one and the call it waits in; undefined otherwise.
   */
  programsBlocked(): Promise<{ program: string; call: string } | undefined>;
}

export const DEFAULT_WAIT_MS = 5000;

/** "3 s", "0.4 s" (or "3초"): a duration for a person. */
export const secs = (say: GraderSay, ms: number) => say('time.secs', { n: (ms / 1000).toFixed(ms % 1000 ? 1 : 0) });

/** Waits until `get` returns a value, re-checking on every `change` event of `emitter`. */
export function waitFor<T>(emitter: EventEmitter, get: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
  const now = get();
  if (now !== undefined) return Promise.resolve(now);
  return new Promise((resolve) => {
    const onChange = () => {
      const v = get();
      if (v !== undefined) done(v);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    const done = (v: T | undefined) => {
      clearTimeout(timer);
      emitter.off('change', onChange);
      resolve(v);
    };
    emitter.on('change', onChange);
  });
}

/** How often a wait asks whether it is hopeless (waitForUnless): each ask reads /proc or the socket table. */
export const HOPELESS_POLL_MS = 250;
/**
 * When a wait first asks, then twice as long each time up to
 * HOPELESS_POLL_MS: most replies come sooner (and cost no look), and a
 * program that waits for ever is seen from here, its quiet (see
 * Program.blockedIn) counted from here and seen at the next asks.
 */
const HOPELESS_FIRST_MS = 50;

/**
 * waitFor, ended early (undefined) once `hopeless` resolves true: asked
 * HOPELESS_FIRST_MS in, then at most every HOPELESS_POLL_MS while the wait
 * lasts, not at each event, as each ask reads /proc or the socket table.
 */
export async function waitForUnless<T>(emitter: EventEmitter, get: () => T | undefined, timeoutMs: number, hopeless: () => Promise<boolean>): Promise<T | undefined> {
  // What is there already costs no timer and no look: a flood's lines are read by the thousand.
  const now = get();
  if (now !== undefined) return now;
  let waiting = true;
  let gaveUp = false;
  void (async () => {
    for (let every = HOPELESS_FIRST_MS; waiting; every = Math.min(every * 2, HOPELESS_POLL_MS)) {
      await new Promise((r) => setTimeout(r, every));
      // An ask that failed (a look at /proc or the socket table, on a busy
      // machine) says nothing: the next one asks again, or the wait would
      // run to its deadline and its failure name the time, not the cause.
      if (waiting && (await hopeless().catch(() => false))) {
        gaveUp = true;
        emitter.emit('change');
        return;
      }
    }
  })();
  const r = await waitFor(emitter, () => {
    const v = get();
    return v !== undefined ? { v } : gaveUp ? { v: undefined } : undefined;
  }, timeoutMs);
  waiting = false;
  return r?.v;
}
