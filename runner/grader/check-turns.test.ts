/**
 * The order in which a Check's checks take their turns: ready ones first,
 * then early ones (dependencies still running; none before a dependency
 * has started), an alone check by itself
 * and after the others, never early; a check whose dependency did not pass
 * takes no turn.
 */
import { describe, expect, it } from 'vitest';
import { CheckTurns, type Readiness } from './check-turns.ts';

/** A check waiting for its turn: `state` is what it answers when asked; `end` ends its turn once it has one. */
function waiter(turns: CheckTurns, log: string[], id: string, state: { r: Readiness }, alone = false) {
  const w = { end: undefined as (() => void) | undefined, got: undefined as boolean | undefined };
  void turns.take(id, alone, () => state.r).then((end) => {
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
