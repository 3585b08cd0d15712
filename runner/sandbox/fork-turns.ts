/**
 * The runner's own forks (a sandbox's holder, its socket agent), one at a
 * time with its event loop free between them. Node's spawn forks the whole
 * runner (100+ MB) and returns only once the child has exec'd: 15-45 ms on
 * a 2-core machine, during which the event loop, and with it every
 * student's keystroke echo, stands still. A grade makes its sandboxes ahead
 * all at once, which took the loop for 130-200 ms at a stretch beside 5
 * students typing; in turns, each fork waits until the loop has been free
 * for as long as the last fork held it, so an echo waits for one fork at
 * most. A fork with none just before it runs at once: a Check on a quiet
 * runner waits for nothing.
 */
import { performance } from 'node:perf_hooks';

let tail: Promise<unknown> = Promise.resolve();
/** When the last fork ended, and how long it held the event loop. */
let lastEnd = -Infinity;
let lastCost = 0;

/**
 * Runs `fork` (a synchronous spawn of the runner) in its turn, and resolves
 * with what it returns; rejects with what it throws. Turns are taken in the
 * order asked.
 */
export function forkInTurn<T>(fork: () => T): Promise<T> {
  const turn = tail.then(async () => {
    const wait = lastEnd + lastCost - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, Math.ceil(wait)));
    const start = performance.now();
    try {
      return fork();
    } finally {
      lastEnd = performance.now();
      lastCost = lastEnd - start;
    }
  });
  tail = turn.catch(() => {});
  return turn;
}
