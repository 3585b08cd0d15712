/**
 * waitForUnless: a wait that a look at the programs may end early. A look
 * that fails (a /proc read on a busy machine) must not leave the wait to
 * its deadline, where its failure would name the time instead of the cause.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { waitForUnless } from './wait.ts';

describe('waitForUnless', () => {
  it('asks again after an ask that failed, and ends once one says it is hopeless', async () => {
    let asks = 0;
    const got = await waitForUnless(new EventEmitter(), () => undefined, 10_000, async () => {
      asks++;
      if (asks === 1) throw new Error('ENOENT: the look failed');
      return asks >= 3;
    });
    expect(got).toBeUndefined();
    // Ended by the third ask (50, 150 and 350 ms in), not by the 10 s deadline, which 40 more asks would have reached.
    expect(asks).toBe(3);
  });

  it('returns what came, without asking, when it is there already', async () => {
    let asks = 0;
    const got = await waitForUnless(new EventEmitter(), () => 'line', 1000, async () => {
      asks++;
      return true;
    });
    expect([got, asks]).toEqual(['line', 0]);
  });
});
