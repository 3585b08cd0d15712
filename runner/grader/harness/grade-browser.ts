/**
 * The one Chromium of a grade: started by the first of its checks that
 * opens a page, shared by the grade's checks (each in a context of its
 * own, see chromium.ts), and ended with the grade, whatever happened. A
 * browser is never shared between two grades (two students), and the
 * runner's grades hold at most `browsersAtOnce` of them at once.
 */
import type { Limits } from '../../limits.ts';
import { gate } from '../gate.ts';
import { launchGraderChromium, type GraderChromium } from './chromium.ts';

/** The grade is over: it starts no browser any more. */
export class GradeOver extends Error {
  constructor() {
    super('the grade is over');
    this.name = 'GradeOver';
  }
}

let browsers: ReturnType<typeof gate> | null = null;

/** Waits for one of the runner's browser turns; resolves with the function that gives it back. */
function browserTurn(n: number): Promise<() => void> {
  browsers ??= gate(n);
  const at = browsers;
  return new Promise((got) => {
    void at(() => new Promise<void>((release) => got(release)));
  });
}

export class GradeBrowser {
  /** The grade's browser turn, asked for once, held until `close`. */
  private turn: Promise<() => void> | undefined;
  /** The browser now (starting, running, or found dead by the next check that asks). */
  private current: Promise<GraderChromium> | undefined;
  private closed = false;
  private readonly started: number[] = [];

  constructor(private readonly limits: Limits) {}

  /** The pid of each browser the grade started, in order: more than one only after one crashed or failed to start. */
  get pids(): readonly number[] {
    return this.started;
  }

  /**
   * The grade's running browser: waits for the grade's turn, then starts
   * one, unless one runs; one that crashed is ended (its process group, its
   * profile) and another started in its place. Rejects with GradeOver once
   * `close` was called, and with the launch's error when Chromium did not
   * start.
   */
  async browser(): Promise<GraderChromium> {
    if (this.closed) throw new GradeOver();
    this.turn ??= browserTurn(this.limits.browsersAtOnce);
    await this.turn;
    for (;;) {
      if (this.closed) throw new GradeOver();
      const seen = this.current;
      const running = await seen?.catch(() => undefined);
      if (this.closed) throw new GradeOver();
      if (running?.connected) return running;
      // Another check replaced it meanwhile: that one is the grade's now.
      if (this.current !== seen) continue;
      const mine = this.relaunch(running);
      this.current = mine;
      // A start that failed is this check's failure; the next check tries again.
      const started = await mine;
      if (this.closed) throw new GradeOver();
      return started;
    }
  }

  /** Ends `dead` (if any), then starts a browser, unless the grade ended meanwhile. */
  private async relaunch(dead: GraderChromium | undefined): Promise<GraderChromium> {
    await dead?.close();
    if (this.closed) throw new GradeOver();
    const browser = await launchGraderChromium({ timeoutMs: this.limits.browserStartMs, heapMiB: this.limits.browserHeapMiB });
    if (browser.pid) this.started.push(browser.pid);
    return browser;
  }

  /**
   * Ends the grade's browser (one still starting once it has started) by
   * its process group, removes its profile, and gives the turn back (a
   * turn still awaited, once it comes). Never throws; later calls of
   * `browser` reject.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const running = await this.current?.catch(() => undefined);
    await running?.close();
    void this.turn?.then((release) => release());
  }
}
