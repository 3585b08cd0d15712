/**
 * One student program on a real terminal: node-pty, raw bytes, batched
 * output, flow control by acknowledgement, and an exit reported only after
 * the last byte of output.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import type { Limits } from '../limits.ts';
import type { SpawnPlan } from '../sandbox/types.ts';
import { ExitMarkerScanner } from './exit-marker.ts';
import { startOnTerminal, type TerminalProgram } from './forker.ts';
import { childrenOf, startTime as startTimeOf } from '../sandbox/procfs.ts';
import { leaveTurns, readInTurn, type TurnTaker } from './output-turns.ts';

/** How a program ended. */
export interface ProcessExit {
  code: number;
  /** e.g. "SIGKILL" when a signal ended it. */
  signal?: string;
  /** Why the runner ended it, when it did: "stopped", "output_limit". */
  reason?: 'stopped' | 'output_limit';
}

export interface PtyProcessOptions {
  cols?: number;
  rows?: number;
  limits: Limits;
  /** A batch of raw output bytes, at most `outputBatchBytes` long. */
  onOutput: (data: Buffer) => void;
  /** Called once, after the last onOutput. */
  onExit: (exit: ProcessExit) => void;
  /**
   * Start it through the runner's forker (terminal/forker.ts) rather than
   * node-pty's fork of the whole runner: what many programs started in a
   * row (a class's grades) save most on.
   */
  viaForker?: boolean;
}

/** Makes the per-process random tag the launcher prints in its exit marker. */
export function newExitTag(): string {
  return randomBytes(12).toString('hex');
}

/** Bounds of the go message: launch.c's GO_MAX_ARGS and GO_MAX_BYTES. */
const GO_MAX_ARGS = 64;
const GO_MAX_BYTES = 4096;

const signalNames = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name]));

export class PtyProcess implements TurnTaker {
  private readonly term: TerminalProgram;
  private readonly scanner: ExitMarkerScanner;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private sent = 0;
  private acked = 0;
  /** The terminal is not being read right now (flow control, or waiting its turn). */
  private paused = false;
  /** Paused by flow control (unacknowledged output, a full consumer). */
  private flowPaused = false;
  /** Paused until its turn comes (output-turns.ts): it read its share of a turn. */
  private waitingTurn = false;
  private total = 0;
  private reason: ProcessExit['reason'];
  private exited = false;
  private killTimer: NodeJS.Timeout | null = null;
  /** When output was last sent (performance.now()). */
  private lastFlush = -Infinity;
  /** The consumer cannot take more right now (e.g. its socket's buffer is full). */
  private sinkBlocked = false;
  private readonly input: PtyInput;
  /** Start time of the outermost process, so a recycled pid is never killed (null until it has started). */
  private startTime: string | null = null;
  /** The program has its pid (TerminalProgram.started). */
  private started = false;
  /** Asked to end before it had its pid: ended once it has. */
  private killWhenStarted = false;
  /** Resolves when the process has exited and its output was delivered. */
  readonly done: Promise<ProcessExit>;
  /**
   * Started with SpawnOptions.waitGo: true once the launcher waits for
   * go(); false if the process ended first (any other process: at its end).
   */
  readonly waiting: Promise<boolean>;
  private resolveWaiting!: (waiting: boolean) => void;
  private wentGo = false;

  constructor(plan: SpawnPlan, exitTag: string, private readonly opts: PtyProcessOptions) {
    this.scanner = new ExitMarkerScanner(exitTag);
    this.term = startOnTerminal({ file: plan.file, args: plan.args, cwd: plan.cwd, env: plan.env, cols: opts.cols ?? 80, rows: opts.rows ?? 24 }, opts.viaForker ?? false);
    this.input = new PtyInput(opts.limits.maxPendingInputBytes);
    // Through the forker the program is handed back before it has a pid (the forker's answer is read by the
    // event loop): what is typed meanwhile waits, and a stop asked meanwhile is done then.
    void this.term.started.then(() => this.onStarted());
    let resolveDone!: (e: ProcessExit) => void;
    this.done = new Promise((r) => (resolveDone = r));
    this.waiting = new Promise((r) => (this.resolveWaiting = r));
    this.term.onData((data: string | Buffer) => this.onData(typeof data === 'string' ? Buffer.from(data) : data));
    this.term.onExit(({ exitCode, signal }) => {
      // Without a marker the launcher never reported (it was killed, or the
      // sandbox failed to start): use what the kernel says.
      const status = this.scanner.status;
      const code = status ? status.code : signal ? 128 + signal : exitCode;
      const sig = status ? status.signal : signal ?? 0;
      this.queue(this.scanner.flush());
      this.flush();
      this.exited = true;
      this.resolveWaiting(false);
      leaveTurns(this);
      this.input.dispose();
      if (this.killTimer) clearTimeout(this.killTimer);
      const exit: ProcessExit = { code, ...(sig ? { signal: signalNames.get(sig) ?? `signal ${sig}` } : {}), ...(this.reason ? { reason: this.reason } : {}) };
      opts.onExit(exit);
      resolveDone(exit);
    });
  }

  private onStarted(): void {
    this.started = true;
    if (this.term.pid > 0) this.startTime = startTimeOf(this.term.pid);
    if (this.term.pid > 0 && !this.exited) this.input.open(this.term);
    if (this.killWhenStarted) this.kill();
  }

  /** Host pid of the outermost process (bwrap, or the launcher on `host`); 0 until it has started (a few ms, the forker's answer). */
  get pid(): number {
    return this.term.pid;
  }

  /** Unacknowledged bytes (sent or waiting to be sent). */
  get inFlight(): number {
    return this.sent + this.batchBytes - this.acked;
  }

  /** The process has exited (its last output delivered). */
  get isExited(): boolean {
    return this.exited;
  }

  /** Paused by flow control (a wait for its turn is not counted: it ends within a few event-loop turns). */
  get isPaused(): boolean {
    return this.flowPaused;
  }

  /** Its turn has come again (output-turns.ts). */
  resumeTurn(): void {
    this.waitingTurn = false;
    this.applyFlowControl();
  }

  private onData(chunk: Buffer): void {
    if (!this.exited && readInTurn(this, chunk.length, this.opts.limits.outputTurnBytes)) this.waitingTurn = true;
    const before = this.scanner.status;
    const out = this.scanner.push(chunk);
    if (this.scanner.ready && !this.wentGo) this.resolveWaiting(true);
    if (this.scanner.started) this.input.release();
    this.queue(out);
    if (this.scanner.status && !before) {
      // Every byte before the marker has arrived: end the launcher now (also
      // when the runner already asked it to stop: the marker means the
      // program is gone and only the launcher is left).
      this.kill();
    }
  }

  private queue(out: Buffer): void {
    if (out.length === 0) return;
    this.total += out.length;
    if (this.total > this.opts.limits.maxOutputBytes && !this.reason) {
      this.reason = 'output_limit';
      this.kill();
    }
    this.batch.push(out);
    this.batchBytes += out.length;
    const { outputBatchBytes, outputBatchMs } = this.opts.limits;
    // Output after a quiet spell (nothing waiting, nothing sent for a batch
    // interval) goes at once: a keystroke's echo must not wait out the
    // batching delay. Output that keeps coming is batched.
    if (this.batchBytes >= outputBatchBytes || (!this.timer && performance.now() - this.lastFlush >= outputBatchMs)) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), outputBatchMs);
    this.applyFlowControl();
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.batchBytes === 0) return;
    this.lastFlush = performance.now();
    const data = this.batch.length === 1 ? this.batch[0]! : Buffer.concat(this.batch);
    this.batch = [];
    this.batchBytes = 0;
    const max = this.opts.limits.outputBatchBytes;
    for (let i = 0; i < data.length; i += max) {
      const part = data.subarray(i, i + max);
      this.sent += part.length;
      this.opts.onOutput(part);
    }
  }

  /** Pauses the program while the consumer's own buffer is full (a client that acks but does not read). */
  setSinkBlocked(blocked: boolean): void {
    this.sinkBlocked = blocked;
    this.applyFlowControl();
  }

  /** The client has rendered `bytes` more bytes. */
  ack(bytes: number): void {
    this.acked = Math.min(this.acked + bytes, this.sent);
    this.applyFlowControl();
  }

  private applyFlowControl(): void {
    if (this.exited) return;
    const { flowHighWatermark, flowLowWatermark } = this.opts.limits;
    if (!this.flowPaused && (this.inFlight >= flowHighWatermark || this.sinkBlocked)) this.flowPaused = true;
    else if (this.flowPaused && this.inFlight < flowLowWatermark && !this.sinkBlocked) this.flowPaused = false;
    const pause = this.flowPaused || this.waitingTurn;
    if (pause === this.paused) return;
    this.paused = pause;
    if (pause) this.term.pause();
    else this.term.resume();
  }

  /**
   * Types into the program. Returns false (and drops the input) when the
   * program has not read what it was already given: a terminal holds a few
   * KiB, and input it never reads must not pile up in the runner.
   */
  write(data: string): boolean {
    if (this.exited) return true;
    return this.input.push(Buffer.from(data, 'utf8'));
  }

  /**
   * Starts `argv` under a launcher that waits for it (SpawnOptions.waitGo):
   * the go message it reads before its terminal is given back to the
   * program ("g", each argument and a NUL, one more NUL; launch.c
   * wait_for_go). False when it does not wait (not yet, no longer, or never
   * did); throws for an argv the launcher would not take. What is typed
   * after it waits until the launcher has given the terminal back.
   */
  go(argv: readonly string[]): boolean {
    const message = Buffer.from(`g${argv.map((a) => `${a}\0`).join('')}\0`, 'utf8');
    if (argv.length === 0 || argv.length > GO_MAX_ARGS || message.length > GO_MAX_BYTES || argv.some((a) => a === '' || a.includes('\0'))) {
      throw new Error(`not a program the launcher can be told to start: ${JSON.stringify(argv)}`);
    }
    if (this.exited || this.wentGo || !this.scanner.ready) return false;
    this.wentGo = true;
    const pushed = this.input.push(message);
    // Typed after the go, a byte would reach the launcher's raw terminal (or its flush): it waits for the go marker.
    this.input.hold();
    return pushed;
  }

  resize(cols: number, rows: number): void {
    if (!this.exited) this.term.resize(cols, rows);
  }

  /** Ends the program and everything it started (its nested sandbox dies with it). */
  stop(): Promise<ProcessExit> {
    this.reason ??= 'stopped';
    this.kill();
    return this.done;
  }

  private kill(): void {
    if (this.exited) return;
    // A paused pty would keep node-pty from noticing the exit.
    leaveTurns(this);
    this.waitingTurn = false;
    this.flowPaused = false;
    if (this.paused) {
      this.paused = false;
      this.term.resume();
    }
    // Not yet started (the forker's answer is on its way): done once it is.
    if (!this.started) {
      this.killWhenStarted = true;
      return;
    }
    // Kill the outermost process's children first and let it reap them and
    // exit on its own. Killing it first orphans them: on `bwrap` its child is
    // the program's sandbox, inside the session's pid namespace, and an
    // orphan goes to the host's init, staying a zombie of the session's uid
    // (counted against its process limit) until that init gets round to it
    // (never, when the runner is pid 1 of a container).
    const pid = this.term.pid;
    if (pid <= 0 || startTimeOf(pid) !== this.startTime) return; // already reaped; the pid may be someone else's now
    const children = childrenOf(pid);
    for (const child of children) killPid(child);
    if (children.length === 0) killPid(pid);
    else this.killTimer ??= setTimeout(() => startTimeOf(pid) === this.startTime && killPid(pid), KILL_GRACE_MS);
  }
}

/**
 * Input for a terminal, written with backpressure: what the terminal does
 * not take now (EAGAIN: the program has not read what it was given) is
 * written again a little later, and queued up to a bound.
 */
class PtyInput {
  private queue: Buffer[] = [];
  private queued = 0;
  private retry: NodeJS.Timeout | null = null;
  private disposed = false;
  /** While held (hold), how many queued writes may still go; null when not held. */
  private passing: number | null = null;
  /** The program's terminal: null until the program has started (open). */
  private term: Pick<TerminalProgram, 'writeInput'> | null = null;

  constructor(private readonly max: number) {}

  /** The program has started on `term`: what was queued goes now. */
  open(term: Pick<TerminalProgram, 'writeInput'>): void {
    this.term = term;
    this.pump();
  }

  /** What is pushed from now on waits until release(); what was queued before still goes. */
  hold(): void {
    this.passing = this.queue.length;
  }

  release(): void {
    if (this.passing === null) return;
    this.passing = null;
    this.pump();
  }

  push(data: Buffer): boolean {
    if (this.disposed) return true;
    if (this.queued + data.length > this.max) return false;
    this.queue.push(data);
    this.queued += data.length;
    this.pump();
    return true;
  }

  private pump(): void {
    if (this.retry || this.disposed || !this.term) return;
    // Written at once, not through fs.write: a write never waits (the
    // terminal's input is non-blocking), and a keystroke's echo does not
    // wait for the thread pool's round trip, which on a runner busy with
    // other sessions' output costs event-loop turns of several milliseconds
    // each.
    while (this.queue.length > 0 && this.passing !== 0) {
      const head = this.queue[0]!;
      let written: number;
      try {
        written = this.term.writeInput(head);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') this.retry = setTimeout(() => ((this.retry = null), this.pump()), INPUT_RETRY_MS);
        else this.dispose(); // the terminal is gone
        return;
      }
      this.queued -= written;
      if (written >= head.length) {
        this.queue.shift();
        if (this.passing !== null) this.passing--;
      } else this.queue[0] = head.subarray(written);
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.retry) clearTimeout(this.retry);
    this.queue = [];
    this.queued = 0;
  }
}

/** How long to wait before writing again to a terminal whose input is full. */
const INPUT_RETRY_MS = 20;

/** How long the outermost process may take to exit once its children were killed. */
const KILL_GRACE_MS = 500;

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}
