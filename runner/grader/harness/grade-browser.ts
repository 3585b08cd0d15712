/**
 * The one Chromium of a grade: started by the first of its checks that
 * opens a page, shared by the grade's checks (each in a context of its
 * own, see chromium.ts), and ended with the grade, whatever happened. A
 * browser is never shared between two grades (two students), and the
 * runner's grades hold at most `browsersAtOnce` of them at once (besides
 * the one made ahead for the next grade, browser-ahead.ts, which holds no
 * turn and has opened no page).
 */
import type { Limits } from '../../limits.ts';
import type { BrowserAhead } from './browser-ahead.ts';
import { launchGraderChromium, type GraderChromium } from './chromium.ts';

/** The grade is over: it starts no browser any more. */
export class GradeOver extends Error {
  constructor() {
    super('the grade is over');
    this.name = 'GradeOver';
  }
}

/** A grade's hold on one of the runner's browser turns. */
interface Turn {
  readonly owner: GradeBrowser;
}

/**
 * The runner's browser turns: a live browser holds one. A grade keeps its
 * turn between its page checks (its browser stays up for the next one),
 * but gives it up to a grade that waits while no check of its has a page
 * open: a browser idle in one grade never makes another grade's check
 * wait out its time.
 */
class Turns {
  private readonly held = new Set<Turn>();
  private readonly waiting: { turn: Turn; grant: () => void }[] = [];

  constructor(private readonly n: number) {}

  take(owner: GradeBrowser): Promise<Turn> {
    const turn = { owner };
    return new Promise((got) => {
      this.waiting.push({ turn, grant: () => got(turn) });
      this.next();
      this.reclaim();
    });
  }

  give(turn: Turn): void {
    if (this.held.delete(turn)) this.next();
  }

  /** Asks idle grades for as many turns as are waited for. */
  reclaim(): void {
    let wanted = this.waiting.length - [...this.held].filter((t) => t.owner.yielding).length;
    for (const t of this.held) {
      if (wanted <= 0) return;
      if (t.owner.idle) {
        t.owner.yieldTurn();
        wanted--;
      }
    }
  }

  private next(): void {
    while (this.waiting.length && this.held.size < this.n) {
      const w = this.waiting.shift()!;
      this.held.add(w.turn);
      w.grant();
    }
  }
}

let turns: Turns | null = null;

export class GradeBrowser {
  /** The grade's browser turn, asked for by the first check that wants a browser, held until given up or `close`. */
  private turn: Promise<Turn> | undefined;
  /** The browser now (starting, running, or found dead by the next check that asks). */
  private current: Promise<GraderChromium> | undefined;
  /** Checks that asked for the browser and have not said `done`. */
  private users = 0;
  private closed = false;
  /** Set while the browser is ended to give the turn to another grade. */
  private giving: Promise<void> | undefined;
  private readonly started: number[] = [];

  /**
   * @param limits the runner's: browsers at once, a start's time, the heap.
   * @param ahead the runner's browser made ahead, taken (when one runs) instead of starting one.
   */
  constructor(
    private readonly limits: Limits,
    private readonly ahead?: BrowserAhead,
  ) {}

  /** The pid of each browser the grade started (or took made ahead), in order: more than one after one crashed, failed to start, or gave its turn up. */
  get pids(): readonly number[] {
    return this.started;
  }

  /** True while the grade holds a turn that no check of it uses. */
  get idle(): boolean {
    return this.users === 0 && !this.closed && !this.giving && this.turn !== undefined;
  }

  /** True while the grade ends its browser to give its turn up. */
  get yielding(): boolean {
    return this.giving !== undefined;
  }

  /**
   * The grade's running browser, for one check, which calls `done` once it
   * no longer uses it: waits for the grade's turn, then starts a browser
   * unless one runs; one that crashed is ended (its process group, its
   * profile) and another started in its place. Rejects with GradeOver once
   * `close` was called, and with the launch's error when Chromium did not
   * start (the check needs not call `done` then).
   */
  async browser(): Promise<GraderChromium> {
    if (this.closed) throw new GradeOver();
    this.users++;
    try {
      return await this.running();
    } catch (err) {
      this.done();
      throw err;
    }
  }

  /**
   * Starts the grade's browser (unless one runs) for a check that will ask
   * for it soon (CheckDef.opensPage); resolves once it runs or did not
   * start, never rejecting: a start that failed is the check's to meet.
   */
  async warm(): Promise<void> {
    if (this.closed) return;
    await this.browser().then(() => this.done(), () => {});
  }

  /** A check that had the browser uses it no more. */
  done(): void {
    this.users--;
    if (this.users === 0) turns?.reclaim();
  }

  private async running(): Promise<GraderChromium> {
    turns ??= new Turns(this.limits.browsersAtOnce);
    this.turn ??= turns.take(this);
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

  /** Ends `dead` (if any), then takes the browser made ahead or starts one, unless the grade ended meanwhile. */
  private async relaunch(dead: GraderChromium | undefined): Promise<GraderChromium> {
    await dead?.close();
    if (this.closed) throw new GradeOver();
    const browser = this.ahead?.take() ?? (await launchGraderChromium({ timeoutMs: this.limits.browserStartMs, heapMiB: this.limits.browserHeapMiB }));
    if (browser.pid) this.started.push(browser.pid);
    return browser;
  }

  /**
   * The grade needs its browser no more (every check of it that opens a
   * page has ended): ends it now, if no check uses it, so that its end
   * overlaps the grade's last checks instead of following them. A check
   * that opens a page after all starts another, as after yieldTurn.
   */
  release(): void {
    if (this.idle) this.yieldTurn();
  }

  /** Ends the idle browser and gives the turn to a grade that waits; the grade's next page check asks for a turn again. */
  yieldTurn(): void {
    const turn = this.turn;
    const current = this.current;
    this.turn = undefined;
    this.current = undefined;
    this.giving = (async () => {
      await (await current?.catch(() => undefined))?.close();
      this.giving = undefined;
      if (turn) turns?.give(await turn);
    })();
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
    await this.giving;
    void this.turn?.then((turn) => turns?.give(turn));
  }
}
