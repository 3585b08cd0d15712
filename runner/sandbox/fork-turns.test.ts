/**
 * The runner's forks in turns: the event loop runs between two of them (a
 * keystroke's echo is not held behind a row of forks), a lone one does not
 * wait, and a failed one neither stops the ones after it nor loses its error.
 */
import { describe, expect, it } from 'vitest';
import { forkInTurn } from './fork-turns.ts';

/** Holds the thread as a fork of the runner does. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    /* a fork in progress */
  }
}

describe('forks in turns', () => {
  it('lets the event loop run between forks asked for at once, returns each fork\'s result in order, and runs a lone fork at once', async () => {
    const events: string[] = [];
    const asked = [1, 2, 3].map((n) =>
      forkInTurn(() => {
        events.push(`fork ${n}`);
        busy(20);
        return n;
      }),
    );
    // Timers and I/O queued meanwhile (an echo to send) run between forks.
    setTimeout(() => events.push('timer'), 0);
    setImmediate(() => events.push('immediate'));
    expect(await Promise.all(asked)).toEqual([1, 2, 3]);
    expect(events.indexOf('timer')).toBeLessThan(events.indexOf('fork 2'));
    expect(events.indexOf('immediate')).toBeLessThan(events.indexOf('fork 2'));
    expect(events[0]).toBe('fork 1');

    // Long after the last fork, the next one waits for nothing (not even a timer queued before it).
    await new Promise((r) => setTimeout(r, 50));
    const order: string[] = [];
    setTimeout(() => order.push('timer'), 0);
    await forkInTurn(() => order.push('fork'));
    expect(order).toEqual(['fork']);
  });

  it('a fork that throws rejects with its error, and the next one still runs', async () => {
    const failed = forkInTurn(() => {
      throw new Error('EAGAIN');
    });
    const next = forkInTurn(() => 'started');
    await expect(failed).rejects.toThrow('EAGAIN');
    expect(await next).toBe('started');
  });
});
