import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { CpuIdle } from './cpu-idle.ts';
import { runGrowing } from './grow-while-idle.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `total` jobs of `ms` each; what started in which order, and the most at once. */
async function jobs(total: number, ms: number, idleShare: () => number, least = 1, most = 4) {
  const started: number[] = [];
  let running = 0;
  let seen = 0;
  const peak = await runGrowing(
    total,
    async (i) => {
      started.push(i);
      seen = Math.max(seen, ++running);
      await sleep(ms);
      running--;
    },
    { least, most, idleShare, everyMs: 20, idleToGrow: 0.25 },
  );
  return { started, peak, seen };
}

describe('running a class\'s grades, more while the CPUs are idle', () => {
  it('grows up to the most while the CPUs are idle, and stays at the least while they are busy', async () => {
    const idle = await jobs(8, 150, () => 1);
    expect(idle.started).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(idle.peak).toBe(4);
    expect(idle.seen).toBe(4);
    const busy = await jobs(4, 60, () => 0.1, 2);
    expect(busy.started).toEqual([0, 1, 2, 3]);
    expect(busy.peak).toBe(2);
  });

  it('replaces an ended job up to where it grew while the CPUs keep room, and gives that back once they fill', async () => {
    // Grows on idle CPUs to 4, then `later` idle: what each job saw running (itself included) when it started.
    const run = async (later: number) => {
      let idle = 1;
      let running = 0;
      const atStart: number[] = [];
      await runGrowing(
        16,
        async () => {
          atStart.push(++running);
          if (running === 4) idle = later;
          await sleep(60);
          running--;
        },
        { least: 1, most: 4, idleShare: () => idle, everyMs: 20, idleToGrow: 0.25, idleToShrink: 0.1 },
      );
      return atStart;
    };
    // Room left (20% idle): each job that ends is replaced at once, four at a time to the end.
    const held = await run(0.2);
    expect(held.slice(held.indexOf(4))).toEqual(Array(held.length - held.indexOf(4)).fill(4));
    // The CPUs full (5% idle): one fewer at each look, down to the least.
    const full = await run(0.05);
    expect(full.slice(-3)).toEqual([1, 1, 1]);
  });

  it('runs every job once, without a tick when the least is the most, and reports the first failure', async () => {
    expect((await jobs(3, 5, () => 1, 3, 3)).peak).toBe(3);
    expect(await runGrowing(0, async () => {}, { least: 2, most: 4, idleShare: () => 1, everyMs: 20, idleToGrow: 0.25 })).toBe(0);
    await expect(runGrowing(2, async (i) => { if (i === 1) throw new Error('job 1 failed'); }, { least: 2, most: 2, idleShare: () => 1, everyMs: 20, idleToGrow: 0.25 })).rejects.toThrow('job 1 failed');
  });

  it('reads the CPUs\' idle share from the kernel: a core kept busy is not idle', () => {
    const idle = new CpuIdle();
    const until = performance.now() + 300;
    while (performance.now() < until) { /* busy on one core */ }
    const share = idle.sample();
    expect(share).toBeGreaterThanOrEqual(0);
    // Of two or more cores, the one this loop ran on was never idle (a little slack for the kernel's tick accounting).
    expect(share).toBeLessThanOrEqual(1 - 1 / Math.max(2, availableParallelism()) + 0.1);
  });
});
