/**
 * A session's next program, started ahead: the joiner, the program's own
 * sandbox (bubblewrap, its mounts) and the launcher, which waits for the
 * runner's go (SpawnOptions.waitGo, launch.c wait_for_go) before anything
 * of the student's runs. Every process start before the program's own costs
 * a bare exec on a loaded machine; started ahead, Run waits for the fork
 * and exec of the program alone. A new session's comes with the sandbox
 * made ahead for it (sandbox-ahead.ts); a session starts the next one a
 * while after each Run.
 *
 * Which program is told at go: one started ahead serves any lab and
 * language. Until a Run takes it nothing of it is shown: its output (there
 * is none before go but bubblewrap's own errors) is dropped, and a Run whose
 * program started ahead failed starts one itself.
 */
import type { Limits } from '../limits.ts';
import type { Sandbox } from '../sandbox/index.ts';
import { PtyProcess, newExitTag, type ProcessExit } from './pty-process.ts';

/** Where a program's output and exit go. */
export interface ProgramSink {
  output(data: Buffer): void;
  exit(exit: ProcessExit): void;
}

/** How long a Run waits for the program started ahead to reach its wait before it starts one itself. */
const READY_TIMEOUT_MS = 5000;
/** The terminal size a program starts with (a Run resizes it to its process's). */
const COLS = 80;
const ROWS = 24;

export class ProgramAhead {
  private sink: ProgramSink | null = null;
  private taken = false;

  private constructor(private readonly term: PtyProcess) {}

  /** Starts one in `sandbox`; null when no terminal can be had now (then Run starts its program itself). */
  static start(sandbox: Sandbox, limits: Limits): ProgramAhead | null {
    const tag = newExitTag();
    let ahead: ProgramAhead | null = null;
    try {
      const term: PtyProcess = new PtyProcess(sandbox.spawnPlan([], tag, { waitGo: true }), tag, {
        cols: COLS,
        rows: ROWS,
        limits,
        // Started while a Run's program may be starting (a sandbox made ahead, or a while after a Run):
        // node-pty's fork of the whole runner would stop its event loop for tens of milliseconds.
        viaForker: true,
        // Output shown nowhere is acknowledged here, or flow control would pause the program.
        onOutput: (data) => (ahead?.sink ? ahead.sink.output(data) : term.ack(data.length)),
        onExit: (exit) => ahead?.sink?.exit(exit),
      });
      ahead = new ProgramAhead(term);
    } catch {
      return null;
    }
    return ahead;
  }

  /** Whether a Run can still take it (it was not taken, and has not ended). */
  get usable(): boolean {
    return !this.taken && !this.term.isExited;
  }

  /**
   * Starts `argv` in it for a Run, its output and exit going to `sink`;
   * null (and it is ended) when it did not reach its wait in time or ended.
   * Taken once.
   */
  async take(argv: readonly string[], sink: ProgramSink, cols: number, rows: number): Promise<PtyProcess | null> {
    if (this.taken) return null;
    this.taken = true;
    let timer: NodeJS.Timeout | undefined;
    const waiting = await Promise.race([this.term.waiting, new Promise<false>((r) => (timer = setTimeout(() => r(false), READY_TIMEOUT_MS)))]);
    clearTimeout(timer);
    if (waiting) {
      this.sink = sink;
      if (cols !== COLS || rows !== ROWS) this.term.resize(cols, rows);
      if (this.term.go(argv)) return this.term;
      this.sink = null;
    }
    void this.term.stop();
    return null;
  }

  /** Ends it (its session ends, or it was never taken). */
  async stop(): Promise<void> {
    if (this.sink) return; // a Run's program now: the session stops it as such
    await this.term.stop();
  }
}

/** Programs started with a sandbox made ahead, until the session that takes the sandbox claims its program. */
const withSandbox = new WeakMap<Sandbox, ProgramAhead>();

/** Starts a program ahead with a sandbox made ahead (it ends with the sandbox if no session claims it). */
export function startWithSandbox(sandbox: Sandbox, limits: Limits): void {
  const ahead = ProgramAhead.start(sandbox, limits);
  if (ahead) withSandbox.set(sandbox, ahead);
}

/** The program started ahead with `sandbox`, once, if it can still be taken. */
export function claimWithSandbox(sandbox: Sandbox): ProgramAhead | null {
  const ahead = withSandbox.get(sandbox);
  withSandbox.delete(sandbox);
  return ahead?.usable ? ahead : null;
}
