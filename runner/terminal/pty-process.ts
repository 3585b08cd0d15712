/**
 * One student program on a real terminal: node-pty, raw bytes, batched
 * output, flow control by acknowledgement, and an exit reported only after
 * the last byte of output.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import * as pty from 'node-pty';
import type { Limits } from '../limits.ts';
import type { SpawnPlan } from '../sandbox/types.ts';
import { ExitMarkerScanner } from './exit-marker.ts';

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
}

/** Makes the per-process random tag the launcher prints in its exit marker. */
export function newExitTag(): string {
  return randomBytes(12).toString('hex');
}

const signalNames = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name]));

export class PtyProcess {
  private readonly term: pty.IPty;
  private readonly scanner: ExitMarkerScanner;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private sent = 0;
  private acked = 0;
  private paused = false;
  private total = 0;
  private reason: ProcessExit['reason'];
  private exited = false;
  private killTimer: NodeJS.Timeout | null = null;
  /** When output was last sent (performance.now()). */
  private lastFlush = -Infinity;
  /** Resolves when the process has exited and its output was delivered. */
  readonly done: Promise<ProcessExit>;

  constructor(plan: SpawnPlan, exitTag: string, private readonly opts: PtyProcessOptions) {
    this.scanner = new ExitMarkerScanner(exitTag);
    this.term = pty.spawn(plan.file, plan.args, {
      name: 'xterm-256color',
      cols: opts.cols ?? 80,
      rows: opts.rows ?? 24,
      cwd: plan.cwd,
      env: plan.env,
      encoding: null,
    });
    let resolveDone!: (e: ProcessExit) => void;
    this.done = new Promise((r) => (resolveDone = r));
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
      if (this.killTimer) clearTimeout(this.killTimer);
      const exit: ProcessExit = { code, ...(sig ? { signal: signalNames.get(sig) ?? `signal ${sig}` } : {}), ...(this.reason ? { reason: this.reason } : {}) };
      opts.onExit(exit);
      resolveDone(exit);
    });
  }

  /** Host pid of the outermost process (nsenter, or the launcher on `host`). */
  get pid(): number {
    return this.term.pid;
  }

  /** Unacknowledged bytes (sent or waiting to be sent). */
  get inFlight(): number {
    return this.sent + this.batchBytes - this.acked;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  private onData(chunk: Buffer): void {
    const before = this.scanner.status;
    const out = this.scanner.push(chunk);
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

  /** The client has rendered `bytes` more bytes. */
  ack(bytes: number): void {
    this.acked = Math.min(this.acked + bytes, this.sent);
    this.applyFlowControl();
  }

  private applyFlowControl(): void {
    if (this.exited) return;
    const { flowHighWatermark, flowLowWatermark } = this.opts.limits;
    if (!this.paused && this.inFlight >= flowHighWatermark) {
      this.paused = true;
      this.term.pause();
    } else if (this.paused && this.inFlight < flowLowWatermark) {
      this.paused = false;
      this.term.resume();
    }
  }

  write(data: string): void {
    if (!this.exited) this.term.write(data);
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
    if (this.paused) {
      this.paused = false;
      this.term.resume();
    }
    // Kill the outermost process's children first and let it reap them and
    // exit on its own. Killing it first orphans them: on `bwrap` its child is
    // the program's sandbox, inside the session's pid namespace, and an
    // orphan goes to the host's init, staying a zombie of the session's uid
    // (counted against its process limit) until that init gets round to it
    // (never, when the runner is pid 1 of a container).
    const children = childrenOf(this.term.pid);
    for (const child of children) killPid(child);
    if (children.length === 0) killPid(this.term.pid);
    else this.killTimer ??= setTimeout(() => killPid(this.term.pid), KILL_GRACE_MS);
  }
}

/** How long the outermost process may take to exit once its children were killed. */
const KILL_GRACE_MS = 500;

/** Direct children of a process (empty when unknown or gone). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}
