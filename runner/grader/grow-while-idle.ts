/**
 * Runs a list of jobs a few at a time, and more while the machine's CPUs
 * are left idle: what a class grade does with its students. Jobs that mostly
 * wait (a grade waits on its checks' timers) leave a quiet machine's cores
 * idle at a fixed number, and crowd a busy machine at a high one.
 *
 * How many run at once is a target that moves with the CPUs: one more at
 * each look that finds them idle enough, one fewer at each look that finds
 * them (nearly) full, down to the least; a job that ends is replaced up to
 * the target. Between the two the target holds: a job that ended above the
 * least is replaced while the machine still has room for it, which a target
 * that fell back to the least at every end could not do (a quiet 2-core
 * machine then settled at six grades with a third of its CPU idle).
 */

export interface GrowOptions {
  /** Jobs run at once whatever the machine does (a finished one is replaced up to this many). */
  least: number;
  /** The most at once: the target grows by one, every `everyMs`, while `idleShare()` is at least `idleToGrow`. */
  most: number;
  /** The share (0 to 1) of CPU time idle since its last call (CpuIdle.sample). */
  idleShare: () => number;
  everyMs: number;
  idleToGrow: number;
  /** Below this idle share a look takes one from the target (not below `least`); default: none does. */
  idleToShrink?: number;
  /** Aborted, no job starts after it; the promise resolves once the running ones have ended (their own ending is theirs to see to). */
  signal?: AbortSignal;
}

/**
 * Runs `run(0)` ... `run(total - 1)`, each once, started in that order
 * (until `signal` is aborted); resolves with the most that ran at once once
 * all started have ended, or rejects with the first failure (the jobs
 * already started still run to their end).
 */
export function runGrowing(total: number, run: (i: number) => Promise<void>, opts: GrowOptions): Promise<number> {
  const least = Math.max(1, Math.min(opts.least, total));
  const most = Math.max(least, Math.min(opts.most, total));
  let target = least;
  let next = 0;
  let done = 0;
  let running = 0;
  let peak = 0;
  return new Promise<number>((resolve, reject) => {
    if (total === 0) return resolve(0);
    let timer: NodeJS.Timeout | undefined;
    const start = () => {
      const i = next++;
      running++;
      peak = Math.max(peak, running);
      run(i).then(
        () => {
          running--;
          done++;
          fill();
        },
        (err: unknown) => {
          clearInterval(timer);
          reject(err);
        },
      );
    };
    const fill = () => {
      const stopped = opts.signal?.aborted === true;
      while (!stopped && running < target && next < total) start();
      if (done === total || (stopped && running === 0)) {
        clearInterval(timer);
        resolve(peak);
      }
    };
    if (most > least) {
      opts.idleShare(); // the first look covers the time since now
      timer = setInterval(() => {
        const idle = opts.idleShare(); // every tick: each look covers the last interval alone
        // Grown only from what runs: a target far above the running jobs (the last ones) would start a crowd at once.
        if (idle >= opts.idleToGrow && target < most && target <= running) target++;
        else if (opts.idleToShrink !== undefined && idle < opts.idleToShrink && target > least) target--;
        fill();
      }, opts.everyMs);
    }
    fill();
  });
}
