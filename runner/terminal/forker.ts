/**
 * Programs on a terminal started by the forker (runner/sandbox/forker.c), a
 * small process of the runner's that forks for it: a start costs a fork of
 * that process, not of the runner (node-pty forks the whole runner, 100+ MB,
 * once per program). The runner still makes the terminal (node-pty's
 * openpty) and reads its master end as node-pty does; the forker gives the
 * program the other end with node-pty's settings. One forker per runner
 * process, started on first use; until it is ready, and whenever it cannot
 * start a program, the program starts through node-pty as before.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { createRequire } from 'node:module';
import * as tty from 'node:tty';
import * as pty from 'node-pty';
import { ensureForker } from '../sandbox/build-launcher.js';

/** What PtyProcess uses of a program on a terminal (node-pty's IPty, and its master's descriptor). */
export interface TerminalProgram {
  readonly pid: number;
  /** The terminal's master end, non-blocking: input is written to it. */
  readonly fd: number;
  onData(listener: (data: Buffer | string) => void): void;
  onExit(listener: (e: { exitCode: number; signal?: number }) => void): void;
  pause(): void;
  resume(): void;
  resize(cols: number, rows: number): void;
}

/** How a program is started on a new terminal. */
export interface TerminalStart {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  cols: number;
  rows: number;
}

const SIGKILL = constants.signals.SIGKILL;
/** The terminal type node-pty gives programs (its TERM). */
const TERM_NAME = 'xterm-256color';
/** How long an ended program's terminal may take to report its hang-up before it is closed anyway (node-pty's DESTROY_SOCKET_TIMEOUT_MS). */
const CLOSE_GRACE_MS = 200;

interface NativePty {
  open(cols: number, rows: number): { master: number; slave: number; pty: string };
  resize(fd: number, cols: number, rows: number): void;
}

let native: NativePty | null = null;
function nativePty(): NativePty {
  // node-pty's own binding: openpty and the size ioctl without a fork.
  native ??= (createRequire(import.meta.url)('node-pty/lib/utils.js') as { loadNativeModule(name: string): { module: NativePty } }).loadNativeModule('pty').module;
  return native;
}

/**
 * Starts a program on a new terminal: through the forker when `viaForker`
 * and it is ready, else through node-pty (which forks the runner).
 */
export function startOnTerminal(start: TerminalStart, viaForker: boolean): TerminalProgram {
  if (viaForker) {
    const forked = Forker.get()?.start(start);
    if (forked) return forked;
  }
  return pty.spawn(start.file, start.args, { name: TERM_NAME, cols: start.cols, rows: start.rows, cwd: start.cwd, env: start.env, encoding: null }) as unknown as TerminalProgram;
}

/**
 * Starts the runner's forker if it is not running, so that the programs
 * started next go through it; resolves true once it is ready, false if it
 * cannot be had.
 */
export function warmForker(): Promise<boolean> {
  if (Forker.get()) return Promise.resolve(true);
  return Forker.current?.whenReady ?? Promise.resolve(false);
}

/** Why a start may fail now and work later. */
const TRANSIENT = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'ENOMEM']);

class Forker {
  static current: Forker | null = null;
  private static failed = false;
  private ready = false;
  private resolveReady!: (ready: boolean) => void;
  /** Resolves true once ready, false if it ended first. */
  readonly whenReady = new Promise<boolean>((r) => (this.resolveReady = r));
  private dead = false;
  private requests = -1;
  private answers = -1;
  private readonly programs = new Map<number, ForkedProgram>();

  /** The runner's forker if it is ready to start programs (the first call starts it); null otherwise. */
  static get(): Forker | null {
    if (Forker.failed) return null;
    if (!Forker.current || Forker.current.dead) {
      let child: ChildProcess | null = null;
      try {
        child = spawn(ensureForker(), [], { stdio: ['pipe', 'pipe', 'ignore'], env: {} });
        // Heard before anything else: out of descriptors (EMFILE), spawn hands back a child without pipes and
        // reports the error a tick later, which with no listener would end the runner.
        child.on('error', () => {});
        Forker.current = new Forker(child);
      } catch (err) {
        if (child?.pid) child.kill('SIGKILL'); // never without a pid: that would signal this process's own group
        // Out of descriptors or processes for now: node-pty this time, the forker again later.
        // (A child without pipes is such a spawn: its own error, EMFILE, comes a tick later.)
        const transient = TRANSIENT.has((err as NodeJS.ErrnoException).code ?? '') || (child !== null && child.stdout === null);
        if (!transient) Forker.failed = true;
        return null;
      }
    }
    return Forker.current.ready ? Forker.current : null;
  }

  private constructor(private readonly child: ChildProcess) {
    let partial = '';
    child.stdout!.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) this.event(line);
    });
    child.stdin!.on('error', () => {});
    child.on('error', () => this.end());
    child.on('exit', () => this.end());
    // It keeps the runner alive only while the runner waits for it: to be
    // ready (a runner awaiting warmForker with nothing else to do would just
    // exit), or to report a program's end. It ends with the runner (its
    // stdin closes, and PR_SET_PDEATHSIG).
    (child.stdin as unknown as { unref(): void }).unref();
    child.unref();
    void this.whenReady.then(() => this.holdRunner());
  }

  /** Keeps the runner alive while a program's end is still to be reported (see the constructor). */
  private holdRunner(): void {
    const events = this.child.stdout as unknown as { ref(): void; unref(): void };
    if (this.programs.size > 0 && !this.dead) events.ref();
    else events.unref();
  }

  private event(line: string): void {
    if (line === 'ready') {
      try {
        // The forker's pipes, opened blocking: a start is one synchronous round trip.
        this.requests = openSync(`/proc/${this.child.pid}/fd/4`, 'w');
        this.answers = openSync(`/proc/${this.child.pid}/fd/5`, 'r');
        this.ready = true;
        this.resolveReady(true);
      } catch {
        Forker.failed = true;
        this.child.kill('SIGKILL');
      }
      return;
    }
    const m = /^exit (\d+) (\d+) (\d+)$/.exec(line);
    if (!m) return;
    const pid = Number(m[1]);
    const program = this.programs.get(pid);
    this.programs.delete(pid);
    if (this.programs.size === 0) this.holdRunner();
    program?.exited(Number(m[2]), Number(m[3]));
  }

  /**
   * The forker is gone (it crashed; with the runner it goes too): no exit
   * will be reported for its programs, which go on running. Each is
   * reported ended once its terminal closes: when it ends, or when the
   * runner ends it as any other (PtyProcess.stop, by pid).
   */
  private end(): void {
    if (this.dead) return;
    this.dead = true;
    this.ready = false;
    this.resolveReady(false);
    for (const fd of [this.requests, this.answers]) if (fd >= 0) closeSync(fd);
    for (const program of this.programs.values()) program.exited(0, SIGKILL, { waitClose: true });
    this.programs.clear();
  }

  /** Starts a program on a new terminal; null when the forker could not (the caller starts it otherwise). */
  start(s: TerminalStart): ForkedProgram | null {
    const env = { ...s.env, PWD: s.cwd, TERM: TERM_NAME };
    const fields = [s.cwd, s.file, String(s.args.length + 1), s.file, ...s.args, String(Object.keys(env).length), ...Object.entries(env).map(([k, v]) => `${k}=${v}`)];
    if (fields.some((f) => f.includes('\0'))) throw new Error('a program argument or environment value holds a NUL byte');
    const term = nativePty().open(s.cols, s.rows);
    let pid = -1;
    try {
      const payload = Buffer.from([term.pty, ...fields].map((f) => `${f}\0`).join(''), 'utf8');
      writeSync(this.requests, Buffer.concat([Buffer.from(`${payload.length}\n`), payload]));
      pid = this.readAnswer();
    } catch {
      this.child.kill('SIGKILL');
    } finally {
      // The forker holds the terminal's other end until the program has its own.
      closeSync(term.slave);
    }
    if (pid <= 0) {
      closeSync(term.master);
      return null;
    }
    const program = new ForkedProgram(pid, term.master);
    this.programs.set(pid, program);
    if (this.programs.size === 1) this.holdRunner();
    return program;
  }

  private readAnswer(): number {
    const buf = Buffer.alloc(32);
    let len = 0;
    while (len === 0 || buf[len - 1] !== 0x0a) {
      if (len >= buf.length) throw new Error('the forker answered too long a line');
      const n = readSync(this.answers, buf, len, buf.length - len, null);
      if (n === 0) throw new Error('the forker has ended');
      len += n;
    }
    return Number(buf.subarray(0, len - 1).toString());
  }
}

/** A program the forker started: its terminal read as node-pty reads it, its exit as the forker reaped it. */
class ForkedProgram implements TerminalProgram {
  private readonly socket: tty.ReadStream;
  private closed = false;
  private exit: { exitCode: number; signal?: number } | null = null;
  private exitListener: ((e: { exitCode: number; signal?: number }) => void) | null = null;
  private dataListener: ((data: Buffer) => void) | null = null;
  private graceTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly pid: number,
    readonly fd: number,
  ) {
    this.socket = new tty.ReadStream(fd);
    this.socket.on('data', (d: Buffer) => this.dataListener?.(d));
    this.socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code?.includes('EAGAIN')) return;
      // EIO: every end of the terminal's other side is closed.
      this.onClose();
    });
    this.socket.on('close', () => this.onClose());
  }

  onData(listener: (data: Buffer | string) => void): void {
    this.dataListener = listener;
  }

  onExit(listener: (e: { exitCode: number; signal?: number }) => void): void {
    this.exitListener = listener;
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  resize(cols: number, rows: number): void {
    if (!this.closed) nativePty().resize(this.fd, cols, rows);
  }

  /**
   * Reaped by the forker: reported once the terminal has closed too (its
   * last output read), or after a grace, as node-pty does; `waitClose`: only
   * once the terminal has closed (the program may still run).
   */
  exited(exitCode: number, signal: number, opts: { waitClose?: boolean } = {}): void {
    if (this.exit) return;
    this.exit = { exitCode, ...(signal ? { signal } : {}) };
    if (this.closed) return this.report();
    if (!opts.waitClose) this.graceTimer = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    if (this.exit) this.report();
  }

  private report(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    const exit = this.exit!;
    const listener = this.exitListener;
    this.exitListener = null;
    listener?.(exit);
  }
}
