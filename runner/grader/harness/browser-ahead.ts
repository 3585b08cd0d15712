/**
 * The next Check's Chromium, started before a Check asks for it. A grade
 * that opens a page starts its browser with its first page check, and that
 * start (about 150 ms here, 0.19 CPU-s) ran beside the check's own server
 * start on a machine the Check already fills: websocket-chat's Python
 * solution took 1295 ms p50 with a browser started beforehand against
 * 1466 ms without (5 interleaved pairs each, this 2-core machine).
 *
 * A runner keeps one made ahead from its first page Check on (a runner
 * whose students open no page holds none): each take makes the next one
 * once the machine's CPUs are half idle, so that it is not started beside
 * the Check that took the last one, or after IDLE_WAIT_MS at the latest (a
 * runner whose CPUs are never idle pays the start all the same, at a
 * Check's start otherwise). Unused for `retireMs` it is ended, its memory
 * given back, and the next take starts one again. One that dies while it
 * waits is replaced, up to MAX_DEATHS_UNTAKEN times in a row. A browser
 * made ahead has opened no page; it is given to one grade only, whose
 * GradeBrowser ends it with the grade like one of its own.
 */
import type { Limits } from '../../limits.ts';
import { CpuIdle } from '../cpu-idle.ts';
import { launchGraderChromium, type GraderChromium } from './chromium.ts';

/** How often the CPUs are looked at while a browser is due. */
const IDLE_LOOK_MS = 250;
/** The share of CPU time, since the last look, that must have been idle for a browser to be started. */
const IDLE_TO_START = 0.5;
/** The longest a browser due waits for idle CPUs. */
const IDLE_WAIT_MS = 5000;
/** A browser made ahead and not taken for this long is ended. */
const RETIRE_MS = 10 * 60_000;
/** Browsers made ahead that may die before one is taken, each replaced: past that, none until the next take (no crash loop). */
const MAX_DEATHS_UNTAKEN = 3;

/**
 * One runner's browser made ahead (see the top of this file). Its browser's
 * pipe keeps the process alive: whoever makes one calls `close` (the
 * runner's close, the bench's end).
 */
export class BrowserAhead {
  /** The browser made ahead, once it runs. */
  private made: GraderChromium | undefined;
  /** The browser being started. */
  private making: Promise<void> | undefined;
  private closed = false;
  /** Set while a browser is due: the look at the CPUs, every IDLE_LOOK_MS. */
  private looking: NodeJS.Timeout | undefined;
  /** Set while one is made: its end once unused for retireMs. */
  private retiring: NodeJS.Timeout | undefined;
  /** Callers of `ready` waiting for the browser due. */
  private readonly waiters: ((ready: boolean) => void)[] = [];
  /** Browsers being ended (retired, found dead, closed), awaited by `close`. */
  private readonly ending = new Set<Promise<void>>();
  /** Browsers made ahead that died since the last take. */
  private deaths = 0;

  /**
   * @param limits the runner's: how long a start may take, and the browser's heap.
   * @param retireMs how long a browser made ahead waits unused before it is ended.
   */
  constructor(
    private readonly limits: Pick<Limits, 'browserStartMs' | 'browserHeapMiB'>,
    private readonly retireMs = RETIRE_MS,
  ) {}

  /**
   * The browser made ahead, now, if one runs (it is the caller's from
   * here: its `close` ends it), else undefined; either way the next one
   * is made once the CPUs are idle.
   */
  take(): GraderChromium | undefined {
    if (this.closed) return undefined;
    this.deaths = 0;
    const browser = this.made;
    this.made = undefined;
    clearTimeout(this.retiring);
    this.makeWhenIdle();
    // One that died while it waited is gone from `made` as it disconnected (make's watch): this one runs.
    return browser;
  }

  /**
   * Resolves true once a browser made ahead runs (at once if one does),
   * false when none is due (no take yet, the last one retired, one failed
   * to start, or closed): what the bench waits for between Checks, as a
   * runner has idle moments between its students' Checks.
   */
  ready(): Promise<boolean> {
    if (this.made) return Promise.resolve(true);
    if (this.closed || (!this.making && !this.looking)) return Promise.resolve(false);
    // Someone waits for it: the look at the CPUs keeps the process alive until then.
    this.looking?.ref();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Ends the browser made ahead (one being started once it has) and makes no more. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.looking);
    this.looking = undefined;
    clearTimeout(this.retiring);
    await this.making;
    const browser = this.made;
    this.made = undefined;
    this.settle(false);
    if (browser) this.end(browser);
    await Promise.all(this.ending);
  }

  private makeWhenIdle(): void {
    if (this.closed || this.made || this.making || this.looking) return;
    const cpu = new CpuIdle();
    const due = performance.now() + IDLE_WAIT_MS;
    this.looking = setInterval(() => {
      if (cpu.sample() < IDLE_TO_START && performance.now() < due) return;
      clearInterval(this.looking);
      this.looking = undefined;
      this.make();
    }, IDLE_LOOK_MS);
    // A process with nothing else to do exits: a browser due, and waited for by no one, is no reason to stay.
    if (!this.waiters.length) this.looking.unref();
  }

  private make(): void {
    // `making` is cleared in the same turn as `made` is set: a take right after ready() must see none being made.
    this.making = launchGraderChromium({ timeoutMs: this.limits.browserStartMs, heapMiB: this.limits.browserHeapMiB }).then(
      async (browser) => {
        this.making = undefined;
        if (this.closed) return browser.close();
        this.made = browser;
        this.retiring = setTimeout(() => this.retire(), this.retireMs);
        // Killed while it waited (the out-of-memory killer picks a big idle process): another is made.
        void browser.gone.then(() => {
          if (this.made !== browser) return;
          this.retire();
          if (++this.deaths <= MAX_DEATHS_UNTAKEN) this.makeWhenIdle();
        });
        this.settle(true);
      },
      () => {
        this.making = undefined;
        // Chromium did not start: the next take tries again (and its grade meets the failure itself).
        this.settle(false);
      },
    );
  }

  private retire(): void {
    const browser = this.made;
    this.made = undefined;
    clearTimeout(this.retiring);
    if (browser) this.end(browser);
  }

  /** Ends `browser` (its process group, its profile), for `close` to await. */
  private end(browser: GraderChromium): void {
    const ended = browser.close().finally(() => this.ending.delete(ended));
    this.ending.add(ended);
  }

  private settle(ready: boolean): void {
    for (const resolve of this.waiters.splice(0)) resolve(ready);
  }
}
