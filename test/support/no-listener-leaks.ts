/**
 * Every test file fails when its process warned of a listener leak
 * (MaxListenersExceededWarning): more than 10 listeners on one emitter or
 * signal is how a listener added per Check, per session or per message and
 * never removed first shows, and in `socklab serve` it is a log line an
 * instructor reads as a leak. Child processes (a runner served by a test)
 * print theirs to their own stderr, which their tests read.
 */
import { afterAll, expect } from 'vitest';

const leaks: string[] = [];
process.on('warning', (w) => {
  if (w.name === 'MaxListenersExceededWarning') leaks.push(w.message);
});

afterAll(async () => {
  await new Promise((resolve) => setImmediate(resolve)); // a warning is emitted on the next tick
  expect(leaks, 'MaxListenersExceededWarning in this test file').toEqual([]);
});
