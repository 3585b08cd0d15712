/**
 * The sandbox of the next session, made before anyone asks for it. A
 * session's sandbox (bubblewrap, its holder and its mounts) takes
 * several process starts, and a student who opens a lab and presses Run at
 * once would wait for them all before the first byte of the program. Made
 * ahead, the next one is ready while the runner is idle. A taken one is
 * replaced once a program has started after the take (`programStarted`), or
 * a second after it: starting a process blocks the runner's event loop
 * until the exec (a bare exec, tens of milliseconds on a loaded machine),
 * which must not fall between the taker's Run and its first byte.
 *
 * The sandbox made ahead is a session's like any other (its uid, cgroups,
 * limits), only nobody's yet: nothing runs in it, and it is closed with
 * the runner.
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

export class SandboxAhead {
  private ahead: Ahead | null = null;
  private closed = false;
  /** A next sandbox is due (a take happened): made at the next programStarted() or when it fires. */
  private nextTimer: NodeJS.Timeout | null = null;

  /**
   * @param create makes a sandbox (the backend's, with the runner's limits), on `standby` when one is given.
   * @param room whether one more sandbox may exist now (the runner's session limit, less those open).
   */
  constructor(
    private readonly create: (standby?: Standby) => Promise<Sandbox>,
    private readonly room: () => boolean,
  ) {}

  /**
   * A fresh sandbox: the one made ahead when there is one (waiting for it
   * if it is still starting: it is further along than a new one), else a
   * new one; a next one is then made ahead when there is room, once a
   * program started or a second has passed.
   */
  async take(): Promise<Sandbox> {
    const ahead = this.ahead;
    this.ahead = null;
    let sandbox: Sandbox | null = null;
    // Taken: it starts (or goes on) at a session's full weight.
    ahead?.standby.end();
    if (ahead) sandbox = await ahead.made.then((s) => (ahead.ended ? (void s.close(), null) : s), () => null);
    if (sandbox) {
      this.makeNextSoon();
      return sandbox;
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

  /** Makes the next sandbox ahead unless one is waiting, the runner is closing or it has no room. */
  private makeNext(): void {
    if (this.ahead || this.closed || !this.room()) return;
    const standby = new Standby();
    const ahead: Ahead = { made: this.create(standby), standby, ended: false };
    this.ahead = ahead;
    ahead.made.then(
      (s) => {
        void s.ended.then(() => {
          ahead.ended = true;
          if (this.ahead === ahead) this.ahead = null;
        });
        // Closed (or dropped) while it started: it must not outlive that.
        if (this.closed) void s.close();
      },
      () => {
        // The next take makes one itself, and reports why if it fails again.
        if (this.ahead === ahead) this.ahead = null;
      },
    );
  }

  /** Makes no more and closes the one made ahead (the runner is draining or closing). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.nextTimer) clearTimeout(this.nextTimer);
    this.nextTimer = null;
    const ahead = this.ahead;
    this.ahead = null;
    const sandbox = await ahead?.made.catch(() => null);
    await sandbox?.close();
  }
}
