/** Weighted turns for tasks that share a machine: grades in the proofs and a class, checks within one Check. */

/**
 * A function that runs tasks at most `n` units at once, the others waiting
 * their turn in order. A task weighs 1 unless told otherwise; one that
 * weighs `n` runs alone (a grade that measures throughput).
 */
export function gate(n: number): <T>(task: () => Promise<T>, weight?: number) => Promise<T> {
  let used = 0;
  const waiting: { weight: number; start: () => void }[] = [];
  const next = () => {
    while (waiting.length && used + waiting[0]!.weight <= n) {
      const w = waiting.shift()!;
      used += w.weight;
      w.start();
    }
  };
  return async (task, weight = 1) => {
    const units = Math.min(n, Math.max(1, weight));
    await new Promise<void>((start) => {
      waiting.push({ weight: units, start });
      next();
    });
    try {
      return await task();
    } finally {
      used -= units;
      next();
    }
  };
}
