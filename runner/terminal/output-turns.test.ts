/**
 * Output turns (output-turns.ts): floods past a turn's share wait, oldest
 * first, and a terminal printing a little never waits.
 */
import { describe, expect, it } from 'vitest';
import { heldBack, leaveTurns, readInTurn, type TurnTaker } from './output-turns.ts';

const TURN = 128 * 1024;
const nextTurn = () => new Promise((r) => setImmediate(r));

function taker(name: string, log: string[]): TurnTaker {
  return { resumeTurn: () => log.push(name) };
}

describe('output turns', () => {
  it('holds back the floods that read past a turn, lets them go oldest first, and never holds back an echo', async () => {
    const log: string[] = [];
    const floods = Array.from({ length: 20 }, (_, i) => taker(`flood ${i}`, log));
    const echo = taker('echo', log);
    // One turn: twenty floods read a pty's worth each; the echo's single byte comes last, past the turn's budget.
    const held = floods.map((f) => readInTurn(f, 32 * 1024, TURN));
    expect(held.filter((h) => !h)).toHaveLength(4); // 4 x 32 KiB fit in the turn
    expect(readInTurn(echo, 1, TURN)).toBe(false);
    expect(heldBack()).toBe(16);
    // Each later turn lets a few go, in the order they were held, until none waits.
    await nextTurn();
    expect(log.length).toBeGreaterThanOrEqual(1);
    expect(log.length).toBeLessThanOrEqual(TURN / (32 * 1024));
    for (let i = 0; i < 20 && heldBack() > 0; i++) await nextTurn();
    expect(heldBack()).toBe(0);
    expect(log).toEqual(floods.slice(4).map((_, i) => `flood ${i + 4}`));
  });

  it('forgets a terminal that ended while it waited', async () => {
    const log: string[] = [];
    const a = taker('a', log);
    const b = taker('b', log);
    expect(readInTurn(a, TURN + 1, TURN)).toBe(true);
    expect(readInTurn(b, 16 * 1024, TURN)).toBe(true);
    leaveTurns(a);
    expect(heldBack()).toBe(1);
    for (let i = 0; i < 5 && heldBack() > 0; i++) await nextTurn();
    expect(log).toEqual(['b']);
  });
});
