/**
 * Runs a list of jobs a few at a time, and more while the machine's CPUs
 * are left idle: what a class grade does with its students. Jobs that mostly
 * wait (a grade waits on its checks' timers) leave a quiet machine's cores
 * idle at a fixed number, and crowd a busy machine at a high one.
 */

export interface GrowOptions {
  /** Jobs run at once whatever the machine does (a finished one is replaced up to this many). */
  least: number;
  /** The most at once: one more starts, every `everyMs`, while `idleShare()` is at least `idleToGrow`. */
  most: number;
  /** The share (0 to 1) of CPU time idle since its last call (CpuIdle.sample). */
  idleShare: () => number;
  everyMs: number;
  idleToGrow: number;
}

/**
 * Runs `run(0)` ... `run(total - 1)`, each once, started in that order;
 * resolves with the most that ran at once once all have ended, or rejects
 * with the first failure (the jobs already started still run to their end).
 */
export function runGrowing(total: number, run: (i: number) => Promise<void>, opts: GrowOptions): Promise<number> {
  const least = Math.max(1, Math.min(opts.least, total));
  const most = Math.max(least, Math.min(opts.most, total));
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
    // A job that ends is replaced only up to `least`; beyond it only while the CPUs are idle.
    const fill = () => {
      while (running < least && next < total) start();
      if (done === total) {
        clearInterval(timer);
        resolve(peak);
      }
    };
    if (most > least) {
      opts.idleShare(); // the first look covers the time since now
      timer = setInterval(() => {
        const idle = opts.idleShare(); // every tick: each look covers the last interval alone
        if (running < most && next < total && idle >= opts.idleToGrow) start();
      }, opts.everyMs);
    }
    fill();
  });
}
