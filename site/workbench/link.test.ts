/**
 * How long a page refused for capacity waits (link.ts): never less than
 * the runner's Retry-After, doubling with each refusal up to a ceiling, and
 * spread at random so a class refused together does not return together.
 */
import { describe, expect, it } from 'vitest';
import { fullWaitMs, retryAfterMs } from './link.ts';

describe('a full course\'s wait', () => {
  it('reads Retry-After as seconds or as a date, and nothing else', () => {
    expect(retryAfterMs('5')).toBe(5000);
    expect(retryAfterMs(' 0 ')).toBe(0);
    expect(retryAfterMs(new Date(10_000 + 7000).toUTCString(), 10_000)).toBe(7000);
    expect(retryAfterMs(new Date(0).toUTCString(), 10_000)).toBe(0);
    for (const bad of [null, '', 'soon', '-3', '1.5']) expect(retryAfterMs(bad), String(bad)).toBe(null);
  });

  it('waits at least what the runner said, doubling per refusal to a ceiling, with at most a fifth more at random', () => {
    expect([0, 1, 2, 3].map((n) => fullWaitMs(5000, n, 0))).toEqual([5000, 10_000, 20_000, 30_000]);
    expect(fullWaitMs(5000, 50, 0)).toBe(30_000);
    expect(fullWaitMs(5000, 0, 1)).toBe(6000);
    // A runner that asks for more than the ceiling gets it.
    expect(fullWaitMs(120_000, 3, 0)).toBe(120_000);
    // No Retry-After (a proxy's own 503): the page's own first wait.
    expect(fullWaitMs(null, 0, 0)).toBe(5000);
    expect(fullWaitMs(0, 0, 0)).toBe(1000);
  });
});
