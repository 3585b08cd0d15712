/**
 * The sandbox of the next session, made before anyone asks for it. A
 * session's sandbox (bubblewrap, its holder and its mounts) takes
 * several process starts, and a student who opens a lab and presses Run at
 * once would wait for them all before the first byte of the program. Made
 * ahead, the next one is ready while the runner is idle. A taken one is
 * replaced once a program has started after the take (`programStarted`), or
 * a second after it: made between the taker's Run and its first byte, it
 * took CPU that program needs.
 *
 * Except when sessions come faster than sandboxes are made (opened back to
 * back): one taken while it was still being made is replaced as soon as it
 * is ready, on standby, rather than at its taker's first byte, or every
 * such session waited for the whole making of its sandbox, begun at the
 * first byte of the one before. Sessions back to back, two runners
 * interleaved (load 5-7): p50 20.3 -> 16.8 ms, p75 25.6 -> 18.9 (120 each);
 * on standby it keeps out of the taker's way.
 *
 * The sandbox made ahead is a session's like any other (its uid, cgroups,
 * limits), only nobody's yet: nothing runs in it, and it is closed with
 * the runner.
 *
 * Two are kept, made one after the other: sessions opened in quick
 * succession (a class starting a lesson, the bench's back-to-back opens)
 * each found the one made ahead still starting, made after the session
 * before had printed, and waited for the rest of its start (about 40 of
 * the 98 ms from open to first byte here). With a second one ready, a
 * session opened while the next is being made takes the ready one.
 */
import type { Sandbox } from './sandbox/index.ts';
import { Standby } from './sandbox/standby.ts';

interface Ahead {
  made: Promise<Sandbox>;
  /** Until a session takes it, it waits behind the sessions in use for the CPU. */
  standby: Standby;
  /** Its holder died while it waited (then it is never handed out). */
  ended: boolean;
}

/** How long after a take the next sandbox is made when no program started meanwhile. */
const NEXT_AFTER_TAKE_MS = 1000;

/** Sandboxes kept made ahead (see the top of this file); each beyond the first needs room for one more session. */
export const SANDBOXES_AHEAD = 2;

export class SandboxAhead {
  /** Made ahead (or being made), oldest first: the oldest is the furthest along. */
  private ahead: Ahead[] = [];
  /** One is being made (they are made one at a time: two at once would each take twice as long). */
  private making = false;
  private closed = false;
  /** A next sandbox is due (a take happened): made at the next programStarted() or when it fires. */
  private nextTimer: NodeJS.Timeout | null = null;

  /**
   * @param create makes a sandbox (the backend's, with the runner's limits), on `standby` when one is given.
   * @param room whether `count` more sandboxes may exist now besides the sessions' (the runner's session limit, less those open).
   * @param depth how many to keep made ahead.
   */
  constructor(
    private readonly create: (standby?: Standby) => Promise<Sandbox>,
    private readonly room: (count: number) => boolean,
    private readonly depth = SANDBOXES_AHEAD,
  ) {}

  /**
   * A fresh sandbox: the one made ahead when there is one (waiting for it
   * if it is still starting: it is further along than a new one), else a
   * new one; a next one is then made ahead when there is room, once a
   * program started or a second has passed.
   */
  async take(): Promise<Sandbox> {
    // The oldest first, the ones whose holder died already passed over (closed as they were found dead).
    for (let ahead = this.ahead.shift(); ahead; ahead = this.ahead.shift()) {
      // Taken: it starts (or goes on) at a session's full weight.
      ahead.standby.end();
      const sandbox = await ahead.made.then((s) => (ahead.ended ? (void s.close(), null) : s), () => null);
      if (sandbox) {
        this.makeNextSoon();
        return sandbox;
      }
    }
    // None ready: this one first, the next after it (two at once would each take twice as long).
    try {
      return await this.create();
    } finally {
      this.makeNextSoon();
    }
  }

  /** A session's program has started: a next sandbox that is due is made now. */
  programStarted(): void {
    if (!this.nextTimer) return;
    clearTimeout(this.nextTimer);
    this.nextTimer = null;
    this.makeNext();
  }

  private makeNextSoon(): void {
    if (this.nextTimer || this.closed) return;
    this.nextTimer = setTimeout(() => {
      this.nextTimer = null;
      this.makeNext();
    }, NEXT_AFTER_TAKE_MS);
    this.nextTimer.unref();
  }

  /**
   * Makes the next sandbox ahead, and once it is made the one after it, up
   * to `depth`; none while one is being made, the runner is closing or it
   * has no room for one more.
   */
  private makeNext(): void {
    if (this.making || this.ahead.length >= this.depth || this.closed || !this.room(this.ahead.length + 1)) return;
    const standby = new Standby();
    const ahead: Ahead = { made: this.create(standby), standby, ended: false };
    this.ahead.push(ahead);
    this.making = true;
    const drop = () => {
      const i = this.ahead.indexOf(ahead);
      if (i >= 0) this.ahead.splice(i, 1);
    };
    ahead.made.then(
      (s) => {
        this.making = false;
        void s.ended.then(() => {
          ahead.ended = true;
          drop();
        });
        // Closed (or dropped) while it started: it must not outlive that.
        if (this.closed) void s.close();
        // The one after it; also when a session took it while it started (see the top of this file), after this turn
        // of the event loop, in which that session is told it has its sandbox.
        else if (this.ahead.includes(ahead)) this.makeNext();
        else setImmediate(() => this.makeNext());
      },
      () => {
        // The next take makes one itself, and reports why if it fails again.
        this.making = false;
        drop();
      },
    );
  }

  /** Makes no more and closes the ones made ahead (the runner is draining or closing). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.nextTimer) clearTimeout(this.nextTimer);
    this.nextTimer = null;
    const ahead = this.ahead.splice(0);
    await Promise.all(ahead.map(async (a) => (await a.made.catch(() => null))?.close()));
  }
}
