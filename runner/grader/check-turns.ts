/**
 * Which check of one Check starts next. At most `n` run at once, each in a
 * sandbox of its own. A check whose dependencies have passed may start;
 * so may one whose dependencies still run (it starts early), so a chain of
 * dependencies (listens, then echoes, then broadcasts...) runs side by side
 * instead of one after another. Of those, the one with the longest chain
 * goes first (its expected time and that of the checks that wait on it, as
 * check-durations.ts knows them), then a ready one before an early one,
 * then the lab's order; with one turn, the lab's order alone. The long
 * chains start first, so that none is left to end the Check by itself
 * while the other turns stand idle. An early check only counts once its
 * dependencies have passed (the engine reports it skipped otherwise and
 * stops it as soon as one has not), so a verdict is the same as if it had
 * waited; it starts early only beside its running dependencies, not before
 * one that has yet to run. An `alone` check measures time or throughput, which a neighbour
 * would decide: it starts once its dependencies have passed and nothing
 * else runs, and nothing starts beside it; it never starts early (for a
 * submission that fails its dependency it would cost its whole run alone).
 * Checks that can run side by side go before it: they then need no second
 * wait for the others to end. Early checks hold at most half of the turns
 * (none of a single one): a submission that fails a dependency leaves its
 * dependants waiting on timeouts until it has, and the checks that will
 * count must not queue behind them.
 */

/**
 * Where a waiting check is: its dependencies passed (`ready`), are running
 * (`early`), one has yet to start (`wait`: nothing to gain by starting
 * before it), or one did not pass (`never`: it takes no turn).
 */
export type Readiness = 'ready' | 'early' | 'wait' | 'never';

interface Waiter {
  id: string;
  alone: boolean;
  /** Its chain's expected ms (0: not known). */
  chainMs: number;
  readiness: () => Readiness;
  start: (turn: (() => void) | null) => void;
}

export class CheckTurns {
  private used = 0;
  private aloneRunning = false;
  /** In the lab's order. */
  private readonly waiting: Waiter[] = [];
  /** Checks that started early and have not ended. */
  private readonly early = new Set<Waiter>();
  /** Ids of the checks that have had a turn. */
  private readonly begun = new Set<string>();

  constructor(private readonly n: number) {}

  /**
   * Resolves with a function that ends the turn once the check may start,
   * or with null once `readiness` says "never" (its dependency did not pass:
   * it takes no turn). Call `update` whenever a check ends, since that may
   * change another's readiness.
   */
  take(id: string, alone: boolean, readiness: () => Readiness, chainMs = 0): Promise<(() => void) | null> {
    return new Promise((start) => {
      this.waiting.push({ id, alone, chainMs, readiness, start });
      this.update();
    });
  }

  /** Whether check `id` has had its turn (it runs, or has run). */
  started(id: string): boolean {
    return this.begun.has(id);
  }

  /** Starts every waiting check that may start now. */
  update(): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const w = this.waiting[i]!;
      if (w.readiness() === 'never') {
        this.waiting.splice(i, 1);
        w.start(null);
      }
    }
    for (;;) {
      const next = this.pick();
      if (!next) return;
      this.waiting.splice(this.waiting.indexOf(next), 1);
      this.used += next.alone ? this.n : 1;
      this.aloneRunning = next.alone;
      if (next.readiness() === 'early') this.early.add(next);
      this.begun.add(next.id);
      let ended = false;
      next.start(() => {
        if (ended) return;
        ended = true;
        this.early.delete(next);
        this.used -= next.alone ? this.n : 1;
        if (next.alone) this.aloneRunning = false;
        this.update();
      });
    }
  }

  private pick(): Waiter | undefined {
    if (this.aloneRunning || this.used >= this.n) return undefined;
    const side = this.waiting.filter((w) => !w.alone);
    const ready = side.filter((w) => w.readiness() === 'ready');
    // One that started early counts as such until its dependencies have passed.
    const early = [...this.early].filter((w) => w.readiness() === 'early').length;
    const canEarly = early < Math.floor(this.n / 2) ? side.filter((w) => w.readiness() === 'early') : [];
    const next = this.longest([...ready, ...canEarly]);
    if (next) return next;
    return this.used === 0 ? this.longest(this.waiting.filter((w) => w.alone && w.readiness() === 'ready')) : undefined;
  }

  /** The first of `list` with the longest chain (with one turn, the first): `list` has the ready ones before the early ones, each in the lab's order. */
  private longest(list: Waiter[]): Waiter | undefined {
    let best = list[0];
    if (this.n > 1) for (const w of list) if (w.chainMs > best!.chainMs) best = w;
    return best;
  }
}
