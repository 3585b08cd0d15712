/**
 * A sandbox made ahead (sandbox-ahead.ts) is nobody's yet: while it starts
 * (bubblewrap, its holder, the program started ahead with it) it gets only
 * the CPU that the sessions in use leave over, so a student who presses Run
 * while the next sandbox is being made does not share the CPU with it. The
 * standby ends when a session takes the sandbox (even one still starting:
 * it then starts at a session's full weight).
 */
export class Standby {
  private over = false;
  private readonly waiting: (() => void)[] = [];

  /** Whether a session has taken the sandbox. */
  get isOver(): boolean {
    return this.over;
  }

  /** A session takes the sandbox; once. */
  end(): void {
    if (this.over) return;
    this.over = true;
    for (const fn of this.waiting.splice(0)) fn();
  }

  /** Calls `fn` when the standby ends (at once if it has). */
  onEnd(fn: () => void): void {
    if (this.over) fn();
    else this.waiting.push(fn);
  }
}
