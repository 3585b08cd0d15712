/**
 * The order in which a Check's checks take their turns: ready ones first,
 * then early ones (dependencies still running; none before a dependency
 * has started), an alone check by itself
 * and after the others, never early; a check whose dependency did not pass
 * takes no turn; the longest chain first, as the checks' past durations
 * tell (check-durations.ts).
 */
import { describe, expect, it } from 'vitest';
import { CheckDurations } from './check-durations.ts';
import type { CheckDef } from './api.ts';
import { CheckTurns, type Readiness } from './check-turns.ts';

/** A check waiting for its turn: `state` is what it answers when asked; `end` ends its turn once it has one. */
function waiter(turns: CheckTurns, log: string[], id: string, state: { r: Readiness }, alone = false, chainMs?: number) {
  const w = { end: undefined as (() => void) | undefined, got: undefined as boolean | undefined };
  void turns.take(id, alone, () => state.r, chainMs).then((end) => {
    w.got = end !== null;
    log.push(end ? `start ${id}` : `never ${id}`);
    w.end = end ?? undefined;
  });
  return w;
}

const tick = () => new Promise((r) => setImmediate(r));

describe('check turns', () => {
  it('starts ready checks first, then early ones, at most n at once', async () => {
    const turns = new CheckTurns(2);
    const log: string[] = [];
    const a = waiter(turns, log, 'a', { r: 'ready' });
    const b = waiter(turns, log, 'b', { r: 'ready' });
    const early = waiter(turns, log, 'early', { r: 'early' });
    const c = waiter(turns, log, 'c', { r: 'ready' });
    await tick();
    expect(log).toEqual(['start a', 'start b']);
    a.end!();
    await tick();
    expect(log).toEqual(['start a', 'start b', 'start c']); // the ready one, though it came after
    b.end!();
    await tick();
    expect(log).toEqual(['start a', 'start b', 'start c', 'start early']);
    c.end!();
    early.end!();
  });

  it('lets early checks hold at most half of the turns, none of a single one', async () => {
    const four = new CheckTurns(4);
    const log: string[] = [];
    const a = waiter(four, log, 'a', { r: 'ready' });
    const e = ['e1', 'e2', 'e3'].map((id) => waiter(four, log, id, { r: 'early' }));
    await tick();
    expect(log).toEqual(['start a', 'start e1', 'start e2']); // a turn stays free for a check that will count
    const b = waiter(four, log, 'b', { r: 'ready' });
    await tick();
    expect(log.at(-1)).toBe('start b');
    expect(four.started('b') && !four.started('e3')).toBe(true);
    a.end!();
    const behind = waiter(four, log, 'behind', { r: 'wait' }); // its dependency has yet to start: no use starting first
    await tick();
    expect(log.at(-1)).toBe('start b');
    expect(behind.got).toBeUndefined();
    const one = new CheckTurns(1);
    const only: string[] = [];
    const x = waiter(one, only, 'x', { r: 'early' });
    await tick();
    expect(only).toEqual([]);
    for (const w of [b, ...e]) w.end?.();
    expect(x.got).toBeUndefined();
  });

  it('starts the longest chain first, an early one before a shorter ready one, the lab\'s order among equals and with one turn', async () => {
    const turns = new CheckTurns(4);
    const log: string[] = [];
    const dep = waiter(turns, log, 'dep', { r: 'ready' }, false, 3000);
    const ws = [
      waiter(turns, log, 'short', { r: 'ready' }, false, 200),
      waiter(turns, log, 'long tail', { r: 'early' }, false, 1500),
      waiter(turns, log, 'long', { r: 'ready' }, false, 900),
      waiter(turns, log, 'short 2', { r: 'ready' }, false, 200),
    ];
    await tick();
    // dep, then the others as they came (each taking a free turn at once), until the turns are full.
    expect(log).toEqual(['start dep', 'start short', 'start long tail', 'start long']);
    ws[0]!.end!();
    await tick();
    expect(log.at(-1)).toBe('start short 2');
    for (const w of [dep, ...ws]) w.end?.();

    const two = new CheckTurns(2);
    const order: string[] = [];
    const busy = [waiter(two, order, 'a', { r: 'ready' }), waiter(two, order, 'b', { r: 'ready' })];
    const queued = [
      waiter(two, order, 'quick', { r: 'ready' }, false, 100),
      waiter(two, order, 'tail', { r: 'early' }, false, 2000),
      waiter(two, order, 'slow', { r: 'ready' }, false, 1200),
      waiter(two, order, 'same as slow', { r: 'ready' }, false, 1200),
    ];
    await tick();
    for (const w of busy) w.end!();
    await tick();
    expect(order).toEqual(['start a', 'start b', 'start tail', 'start slow']);
    for (const w of queued) w.end?.();
    await tick();
    expect(order.slice(4)).toEqual(['start same as slow', 'start quick']);
    for (const w of queued) w.end?.();

    const one = new CheckTurns(1);
    const inOrder: string[] = [];
    const first = waiter(one, inOrder, 'first', { r: 'ready' });
    const rest = [waiter(one, inOrder, 'quick', { r: 'ready' }, false, 100), waiter(one, inOrder, 'slow', { r: 'ready' }, false, 5000)];
    for (const w of [first, ...rest]) {
      await tick();
      w.end!();
    }
    expect(inOrder).toEqual(['start first', 'start quick', 'start slow']);
  });

  it('knows a chain from the durations of passed checks: its own and the longest of the checks that wait on it', () => {
    const d = new CheckDurations();
    const check = (id: string, dependsOn?: string[]) => ({ id, name: id, role: 'server', ...(dependsOn ? { dependsOn } : {}), run: async () => {} }) as CheckDef;
    const plan = [check('a'), check('b', ['a']), check('c', ['a']), check('d', ['c']), check('e')];
    expect([...d.chains('lab', 'python', plan).values()].every((ms) => ms === 0)).toBe(true);
    for (const [id, ms] of [['a', 100], ['b', 2000], ['c', 300], ['d', 1000], ['e', 50]] as const) d.record('lab', 'python', id, ms);
    d.record('lab', 'python', 'e', 150); // a running average: 50 + 0.3 * 100
    const chains = d.chains('lab', 'python', plan);
    expect(Object.fromEntries(chains)).toEqual({ a: 2100, b: 2000, c: 1300, d: 1000, e: 80 });
    expect(d.chains('lab', 'java', plan).get('a')).toBe(0); // another language knows nothing yet
  });

  it('runs an alone check by itself once nothing else waits, never early, and gives no turn to a check that will not run', async () => {
    const turns = new CheckTurns(2);
    const log: string[] = [];
    const soloState = { r: 'early' as Readiness };
    const doomed = { r: 'early' as Readiness };
    const solo = waiter(turns, log, 'solo', soloState, true);
    const x = waiter(turns, log, 'x', { r: 'ready' });
    const skipped = waiter(turns, log, 'skipped', doomed);
    await tick();
    expect(log).toEqual(['start x', 'start skipped']);
    soloState.r = 'ready';
    doomed.r = 'never';
    skipped.end!();
    await tick();
    expect(log).toEqual(['start x', 'start skipped']); // x still runs
    const y = waiter(turns, log, 'y', { r: 'early' });
    const gone = waiter(turns, log, 'gone', doomed);
    await tick();
    expect(log).toEqual(['start x', 'start skipped', 'start y', 'never gone']); // y before the alone one
    expect(gone.got).toBe(false);
    x.end!();
    await tick();
    expect(log).toHaveLength(4); // y still runs
    y.end!();
    await tick();
    expect(log.at(-1)).toBe('start solo');
    const z = waiter(turns, log, 'z', { r: 'ready' });
    await tick();
    expect(log.at(-1)).toBe('start solo'); // nothing beside it
    solo.end!();
    await tick();
    expect(log.at(-1)).toBe('start z');
    z.end!();
  });
});
