/**
 * Turns for flooding terminals, so that a keystroke's echo is not stuck
 * behind other sessions' floods. The runner reads every terminal on one
 * event loop, and each turn of that loop reads every terminal that has
 * output: with fifty programs printing as fast as they can, one turn
 * relayed megabytes and a key's echo (read in the turn after it was
 * typed) waited for all of it.
 *
 * Each turn the runner's terminals together may read `outputTurnBytes`;
 * past that, a terminal that has read a flood's share in the turn (a
 * sixteenth of it) is paused and waits its turn, oldest first: a few of the
 * waiting ones are resumed at the end of each turn. A turn's relay work is
 * so bounded whatever the number of floods, the floods share the relay in
 * order, and a program printing a line now and then (an echo) never reads
 * a flood's share and never waits.
 */

/** A terminal that can be held back and let go again. */
export interface TurnTaker {
  /** Called once its turn has come (it was held back by `read`). */
  resumeTurn(): void;
}

let turnBytes = 0;
/** What each terminal read in this turn. */
const readThisTurn = new Map<TurnTaker, number>();
let endOfTurn: NodeJS.Immediate | null = null;
const waiting: TurnTaker[] = [];
const held = new Set<TurnTaker>();
let budget = 0;

/**
 * `who` read `bytes` of output in this turn. Returns true when it must
 * pause until its `resumeTurn` is called.
 */
export function readInTurn(who: TurnTaker, bytes: number, perTurn: number): boolean {
  budget = perTurn;
  turnBytes += bytes;
  const mine = (readThisTurn.get(who) ?? 0) + bytes;
  readThisTurn.set(who, mine);
  endOfTurn ??= setImmediate(nextTurn);
  if (turnBytes <= perTurn || mine < perTurn / FLOOD_SHARE || held.has(who)) return false;
  held.add(who);
  waiting.push(who);
  return true;
}

/** `who` is gone (exited, stopped): it no longer waits. */
export function leaveTurns(who: TurnTaker): void {
  if (!held.delete(who)) return;
  const i = waiting.indexOf(who);
  if (i >= 0) waiting.splice(i, 1);
}

/** Terminals held back right now (tests). */
export function heldBack(): number {
  return held.size;
}

function nextTurn(): void {
  endOfTurn = null;
  turnBytes = 0;
  readThisTurn.clear();
  // Let go as many as the next turn can relay (each one reads up to a turn's share), at least one.
  let letGo = 0;
  while (waiting.length > 0 && (letGo === 0 || letGo * TYPICAL_READ_BYTES < budget)) {
    const who = waiting.shift()!;
    held.delete(who);
    letGo++;
    who.resumeTurn();
  }
  if (waiting.length > 0) endOfTurn = setImmediate(nextTurn);
}

/** A terminal that reads a turn's budget divided by this in one turn is flooding. */
const FLOOD_SHARE = 16;

/** What a flooding terminal reads in one turn before it is paused (a pty's buffer, about). */
const TYPICAL_READ_BYTES = 32 * 1024;
