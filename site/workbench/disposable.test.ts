/**
 * The workbench's lifecycle helper, on Node's own EventTarget and timers
 * (the browser tests in test/e2e/workbench.test.ts count the page's
 * listeners for the real thing).
 */
import { describe, expect, it } from 'vitest';
import { DisposableStore, listen, toDisposable } from './disposable.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DisposableStore', () => {
  it('ends everything it holds once, newest first, even when one part throws', () => {
    const store = new DisposableStore();
    const ended: string[] = [];
    store.add(toDisposable(() => ended.push('first')));
    store.add(
      toDisposable(() => {
        ended.push('throws');
        throw new Error('boom');
      }),
    );
    store.add(toDisposable(() => ended.push('last')));
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      store.dispose();
      store.dispose();
    } finally {
      console.error = original;
    }
    expect(ended).toEqual(['last', 'throws', 'first']);
    expect(errors).toHaveLength(1);
    expect(store.isDisposed).toBe(true);
  });

  it('disposes at once what is added after it ended', () => {
    const store = new DisposableStore();
    store.dispose();
    let ended = false;
    store.add(toDisposable(() => (ended = true)));
    expect(ended).toBe(true);
  });

  it('removes its listeners: on dispose, or one early with drop', () => {
    const target = new EventTarget();
    const store = new DisposableStore();
    let a = 0;
    let b = 0;
    store.listen(target, 'ping', () => a++);
    const early = store.listen(target, 'ping', () => b++);
    target.dispatchEvent(new Event('ping'));
    store.drop(early);
    target.dispatchEvent(new Event('ping'));
    store.dispose();
    target.dispatchEvent(new Event('ping'));
    expect([a, b]).toEqual([2, 1]);

    let c = 0;
    const alone = listen(target, 'ping', () => c++);
    alone.dispose();
    target.dispatchEvent(new Event('ping'));
    expect(c).toBe(0);
  });

  it('clears its timers: a timeout that has not fired never fires, an interval stops', async () => {
    const store = new DisposableStore();
    let fired = 0;
    let ticks = 0;
    store.timeout(() => fired++, 0);
    const cleared = store.timeout(() => fired += 10, 0);
    store.drop(cleared);
    store.interval(() => ticks++, 5);
    await sleep(60);
    expect(fired).toBe(1);
    store.dispose();
    const seen = ticks;
    expect(seen).toBeGreaterThan(0);
    store.timeout(() => fired++, 0); // added after the end: never runs
    await sleep(40);
    expect(ticks).toBe(seen);
    expect(fired).toBe(1);
  });
});
