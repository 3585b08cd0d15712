/**
 * Programs on a terminal started by the forker (runner/sandbox/forker.c), a
 * small process of the runner's that forks for it: a start costs a fork of
 * that process, not of the runner (node-pty forks the whole runner, 100+ MB,
 * once per program). The forker makes the program's terminal, with
 * node-pty's settings, and a relay process that alone reads and writes the
 * terminal's master end (forker.c says why: a terminal polled by the
 * runner's event loop made it sleep in the kernel beside flooding
 * programs); the runner reads and writes the relay's pipes. One forker per runner
 * process, started on first use; until it is ready, and whenever it cannot
 * start a program, the program starts through node-pty as before.
 *
 * A start through the forker never waits on the event loop: the request is
 * written and the answer (the program's pid) read as the pipes become
 * ready, and the program is handed back at once, its pid following. The
 * forker's fork waits for the kernel's cgroup lock while any process moves
 * between cgroups (every session program joins its session's groups at
 * start): beside 50 busy sessions a synchronous answer held the runner's
 * event loop, and every session's keystroke echo, for 75-450 ms.
 *
 * The forker also starts the runner's own programs that talk through pipes
 * (a session's holder, bwrap.ts: startPipedByForker): node's spawn forks the
 * whole runner for each, and holds its event loop until the exec, 20-45 ms
 * on a loaded machine, once per sandbox made.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants as fsConstants, openSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { constants } from 'node:os';
import * as pty from 'node-pty';
import { ensureForker } from '../sandbox/build-launcher.js';
import { holdRelays } from '../sandbox/cgroups.ts';
import { startTime as startTimeOf } from '../sandbox/procfs.ts';

/** What PtyProcess uses of a program on a terminal (node-pty's IPty, and its master's descriptor). */
export interface TerminalProgram {
  /** Host pid of the program: 0 until `started` has resolved (and if it could not be started at all). */
  readonly pid: number;
  /**
   * Types `data` (once `started` has resolved): returns how many of its
   * bytes the terminal took, all or some; throws as writeSync does (EAGAIN:
   * the program has not read what it was given; anything else: the terminal
   * is gone). Never waits.
   */
  writeInput(data: Buffer): number;
  /**
   * Resolves once the program has its pid and terminal for good (at once for
   * node-pty; at the forker's answer, or at node-pty's start when the forker
   * could not). A program that could not be started at all is reported
   * ended (onExit, code 126) and resolves with pid 0.
   */
  readonly started: Promise<void>;
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

/** How a program of the runner's own with pipes is started (startPipedByForker). */
export interface PipedStart {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

/** How a program ended: its exit code, or the signal that ended it. */
export interface PipedExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A program of the runner's own with pipes as its descriptors 0-3 (node's
 * spawn with stdio 'pipe' x4 gives the same), whoever started it.
 */
export interface PipedProgram {
  readonly pid: number;
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** What it writes to its descriptor 3. */
  readonly fd3: Readable;
  /** Resolves once it has ended (or could not be started: code and signal null). */
  readonly exited: Promise<PipedExit>;
  /** Whether `exited` has resolved. */
  readonly hasExited: boolean;
  /** Kills it (SIGKILL) unless it has ended. */
  kill(): void;
}

/**
 * Starts a program with pipes through the runner's forker: null when the
 * forker cannot be had or could not start it (the caller spawns it
 * itself). Waits for the forker to be ready (one exec of a small program:
 * far less than a fork of the runner). The program must end with the
 * forker when that dies (bwrap's --die-with-parent): no exit is reported
 * for it then, and it is reported ended by SIGKILL.
 */
export async function startPipedByForker(start: PipedStart): Promise<PipedProgram | null> {
  if (!(await warmForker())) return null;
  return Forker.get()?.startPiped(start) ?? null;
}

/** A program spawned by node (ChildProcess with stdio 'pipe' x4) as a PipedProgram. */
export function pipedChild(child: ChildProcess): PipedProgram {
  let hasExited = child.exitCode !== null || child.signalCode !== null;
  const exited = new Promise<PipedExit>((resolve) => {
    if (hasExited) return resolve({ code: child.exitCode, signal: child.signalCode });
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // A spawn that failed (the file missing, out of descriptors) reports an error and no exit.
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  void exited.then(() => (hasExited = true));
  return {
    pid: child.pid ?? 0,
    stdin: child.stdin!,
    stdout: child.stdout!,
    stderr: child.stderr!,
    fd3: child.stdio[3] as Readable,
    exited,
    get hasExited() {
      return hasExited;
    },
    kill: () => {
      if (!hasExited && child.pid) child.kill('SIGKILL');
    },
  };
}

const SIGKILL = constants.signals.SIGKILL;
const signalNames = new Map<number, NodeJS.Signals>(Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));
/** The terminal type node-pty gives programs (its TERM). */
const TERM_NAME = 'xterm-256color';
/** A relay's frame at most (forker.c): PIPE_BUF, so that each is written whole or not at all. */
const FRAME_MAX = 4096;
/** How long to wait before sending a size again to a relay whose input is full. */
const SIZE_RETRY_MS = 20;
/** How long an ended program's terminal may take to report its hang-up before it is closed anyway (node-pty's DESTROY_SOCKET_TIMEOUT_MS). */
const CLOSE_GRACE_MS = 200;

/**
 * Starts a program on a new terminal: through the forker when `viaForker`
 * and it is ready, else through node-pty (which forks the runner).
 */
export function startOnTerminal(start: TerminalStart, viaForker: boolean): TerminalProgram {
  if (viaForker) {
    const forked = Forker.get()?.start(start);
    if (forked) return forked;
  }
  return startByNodePty(start);
}

const STARTED = Promise.resolve();

/** Starts a program through node-pty (a fork of the runner); throws when it cannot. */
function startByNodePty(start: TerminalStart): TerminalProgram {
  const term = pty.spawn(start.file, start.args, { name: TERM_NAME, cols: start.cols, rows: start.rows, cwd: start.cwd, env: start.env, encoding: null }) as unknown as Omit<TerminalProgram, 'started' | 'writeInput'> & { fd: number };
  // Written at once, not through node-pty's write: its master is non-blocking (node-pty opens it so), and node-pty's
  // own writer retries EAGAIN on every event-loop turn and queues without bound.
  return Object.assign(term, { started: STARTED, writeInput: (data: Buffer) => writeSync(term.fd, data, 0, data.length) });
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
  private requests: Socket | null = null;
  private answers: Socket | null = null;
  private readonly programs = new Map<number, Started>();
  /** Starts asked for and not yet answered, in the order asked (the forker answers in that order). */
  private readonly pending: PendingStart[] = [];
  /** Exits heard before their start's answer was read (a different pipe): pid -> [code, signal]. */
  private readonly earlyExits = new Map<number, [number, number]>();

  /** The runner's forker if it is ready to start programs (the first call starts it); null otherwise. */
  static get(): Forker | null {
    if (Forker.failed) return null;
    if (!Forker.current || Forker.current.dead) {
      let child: ChildProcess | null = null;
      try {
        child = spawn(ensureForker(), [], { stdio: ['pipe', 'pipe', 'ignore'], env: {} });
        // Its relays are born in its group: theirs, not the runner's event loop's.
        holdRelays(child.pid);
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

  /** Keeps the runner alive while a start's answer or a program's end is still to come (see the constructor). */
  private holdRunner(): void {
    const events = this.child.stdout as unknown as { ref(): void; unref(): void };
    if ((this.programs.size > 0 || this.pending.length > 0) && !this.dead) events.ref();
    else events.unref();
    if (this.pending.length > 0 && !this.dead) this.answers?.ref();
    else this.answers?.unref();
  }

  private event(line: string): void {
    if (line === 'ready') {
      try {
        // The forker's pipes, opened anew on this side non-blocking (the forker's own ends stay blocking) and
        // read and written by the event loop: a start never waits on it.
        this.requests = pipeSocket(openSync(`/proc/${this.child.pid}/fd/4`, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK), 'write');
        this.answers = pipeSocket(openSync(`/proc/${this.child.pid}/fd/5`, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK), 'read');
        this.requests.on('error', () => this.child.kill('SIGKILL'));
        this.answers.on('error', () => this.child.kill('SIGKILL'));
        let partialAnswer = '';
        this.answers.on('data', (d: Buffer) => {
          const answers = (partialAnswer + d.toString()).split('\n');
          partialAnswer = answers.pop()!;
          if (partialAnswer.length > 64) this.child.kill('SIGKILL'); // not the forker's answer: nothing can be read in step after it
          for (const answer of answers) this.answered(answer);
        });
        this.answers.on('end', () => this.child.kill('SIGKILL'));
        this.holdRunner();
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
    if (!program) {
      // Its answer is on its way still (read from the other pipe in a later turn).
      if (this.pending.length > 0) this.earlyExits.set(pid, [Number(m[2]), Number(m[3])]);
      return;
    }
    this.programs.delete(pid);
    if (this.programs.size === 0) this.holdRunner();
    program.reaped(Number(m[2]), Number(m[3]));
  }

  /** The forker's answer to the oldest start asked for: its pid (and a "pipes" start's descriptors), or minus an errno. */
  private answered(answer: string): void {
    const start = this.pending.shift();
    if (!start) {
      this.child.kill('SIGKILL'); // an answer nothing asked for: out of step
      return;
    }
    const program = start.answered(answer);
    if (program) {
      const pid = program.pid;
      this.programs.set(pid, program);
      const early = this.earlyExits.get(pid);
      if (early) {
        this.programs.delete(pid);
        program.reaped(early[0], early[1]);
      }
    }
    if (this.pending.length === 0) this.earlyExits.clear();
    this.holdRunner();
  }

  /**
   * A "pipes" or "term" start's answer: its pid and the forker's
   * descriptors of the runner's ends, opened here (non-blocking, the event
   * loop's; `writes` says which the runner writes) and let go there. Null
   * (nothing left running) when it failed.
   */
  private openEnds(answer: string, writes: boolean[]): { pid: number; fds: number[] } | null {
    const [pid, ...fds] = answer.split(' ').map(Number);
    if (!(pid! > 0)) return null;
    const opened: number[] = [];
    try {
      if (fds.length !== writes.length || !fds.every((fd) => Number.isInteger(fd) && fd > 2)) throw new Error('not the answer asked for');
      for (const [i, fd] of fds.entries()) opened.push(openSync(`/proc/${this.child.pid}/fd/${fd}`, (writes[i] ? fsConstants.O_WRONLY : fsConstants.O_RDONLY) | fsConstants.O_NONBLOCK));
    } catch {
      // Its input's reader is gone already (it ended at once), or the answer is not one: it is ended, never half-started.
      for (const fd of opened) closeSync(fd);
      killPid(pid!);
      return null;
    } finally {
      // Until the forker lets go of its ends, the other side would never see the end of what the runner writes.
      if (fds.length > 0) this.send(['release', ...fds.map(String)]);
    }
    return { pid: pid!, fds: opened };
  }

  /** Writes one request (its fields) to the forker. */
  private send(fields: string[]): void {
    const payload = Buffer.from(fields.map((f) => `${f}\0`).join(''), 'utf8');
    this.requests!.write(Buffer.concat([Buffer.from(`${payload.length}\n`), payload]));
  }

  /**
   * The forker is gone (it crashed; with the runner it goes too): no exit
   * will be reported for its programs. Their terminals' relays end with it
   * (what they held of the output with them), and so each program is
   * reported ended, killed, once its relay's output has closed; a program
   * that outlived its relay is ended as any other (PtyProcess.stop, by pid).
   */
  private end(): void {
    if (this.dead) return;
    this.dead = true;
    this.ready = false;
    this.resolveReady(false);
    this.requests?.destroy();
    this.answers?.destroy();
    // Starts never answered: node-pty (or node's spawn) starts them (a program the forker may have forked meanwhile ends with it).
    for (const start of this.pending.splice(0)) start.failed();
    this.earlyExits.clear();
    for (const program of this.programs.values()) program.reaped(0, SIGKILL, { waitClose: true });
    this.programs.clear();
  }

  /**
   * Starts a program on a new terminal: handed back at once, its pid once
   * the forker answers (ForkedProgram.started); node-pty starts it instead
   * when the forker cannot.
   */
  start(s: TerminalStart): ForkedProgram {
    const fields = programFields(s.cwd, s.file, s.args, { ...s.env, PWD: s.cwd, TERM: TERM_NAME });
    const program = new ForkedProgram(s);
    this.pending.push({
      answered: (answer) => {
        const started = this.openEnds(answer, [false, true]);
        if (!started) {
          program.fallBack();
          return null;
        }
        program.begin(started.pid, started.fds[0]!, started.fds[1]!);
        return program;
      },
      failed: () => program.fallBack(),
    });
    this.holdRunner();
    this.send(['term', String(s.cols), String(s.rows), ...fields]);
    return program;
  }

  /** Starts a program with pipes (startPipedByForker); null when the forker could not. */
  startPiped(s: PipedStart): Promise<PipedByForker | null> {
    const fields = programFields(s.cwd, s.file, s.args, s.env);
    return new Promise((resolve) => {
      this.pending.push({
        answered: (answer) => {
          const started = this.openEnds(answer, [true, false, false, false]);
          const program = started && new PipedByForker(started.pid, started.fds as [number, number, number, number]);
          resolve(program);
          return program;
        },
        failed: () => resolve(null),
      });
      this.holdRunner();
      this.send(['pipes', ...fields]);
    });
  }
}

/** A start the forker has not answered yet. */
interface PendingStart {
  /** Its answer came: the program started (its exits are reported to it), or null. */
  answered(answer: string): Started | null;
  /** No answer will come (the forker is gone). */
  failed(): void;
}

/** A program the forker started: told when the forker reaped it, or (`waitClose`) when the forker died first. */
interface Started {
  readonly pid: number;
  reaped(exitCode: number, signal: number, opts?: { waitClose?: boolean }): void;
}

/** The fields of a start request after its kind (and terminal): forker.c's cwd, file, argc, argv, envc, env. */
function programFields(cwd: string, file: string, args: string[], env: Record<string, string>): string[] {
  const fields = [cwd, file, String(args.length + 1), file, ...args, String(Object.keys(env).length), ...Object.entries(env).map(([k, v]) => `${k}=${v}`)];
  if (fields.some((f) => f.includes('\0'))) throw new Error('a program argument or environment value holds a NUL byte');
  return fields;
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/**
 * A program the forker started with pipes: its ends of them opened here,
 * its exit as the forker reaped it.
 */
class PipedByForker implements PipedProgram, Started {
  readonly stdin: Socket;
  readonly stdout: Socket;
  readonly stderr: Socket;
  readonly fd3: Socket;
  readonly exited: Promise<PipedExit>;
  private resolveExited!: (e: PipedExit) => void;
  private ended = false;
  /** Its start time, so a recycled pid is never killed. */
  private readonly startTime: string | null;

  constructor(readonly pid: number, fds: [number, number, number, number]) {
    this.startTime = startTimeOf(pid);
    this.stdin = new Socket({ fd: fds[0], readable: false, writable: true });
    [this.stdout, this.stderr, this.fd3] = fds.slice(1).map((fd) => new Socket({ fd, readable: true, writable: false })) as [Socket, Socket, Socket];
    this.exited = new Promise((r) => (this.resolveExited = r));
  }

  get hasExited(): boolean {
    return this.ended;
  }

  /** Reaped by the forker; or the forker died, and the program with it (bwrap's --die-with-parent): reported killed. */
  reaped(exitCode: number, signal: number): void {
    if (this.ended) return;
    this.ended = true;
    // Its input's end would never learn that no one reads it any more (a write would): closed here, as node closes a child's.
    this.stdin.destroy();
    this.resolveExited(signal ? { code: null, signal: signalNames.get(signal) ?? 'SIGKILL' } : { code: exitCode, signal: null });
  }

  kill(): void {
    if (!this.ended && startTimeOf(this.pid) === this.startTime) killPid(this.pid);
  }
}

/** A socket over one end of a pipe (non-blocking, the event loop's), unref'd: it alone never keeps the runner alive. */
function pipeSocket(fd: number, way: 'read' | 'write'): Socket {
  const socket = new Socket({ fd, readable: way === 'read', writable: way === 'write' });
  socket.unref();
  return socket;
}

/**
 * A program the forker starts on a terminal of the forker's making: what
 * it prints read from its relay's output pipe, what is typed written to the
 * relay's input pipe, its exit as the forker reaped it. Handed out before
 * the forker has answered (pid 0 until `begin`); when the forker cannot
 * start it, node-pty does (`fallBack`), and this forwards to that.
 */
class ForkedProgram implements TerminalProgram {
  /** The relay's output, once begun. */
  private output: Socket | null = null;
  /** The relay's input (the runner's end, non-blocking), once begun: -1 before, and once closed. */
  private input = -1;
  private closed = false;
  private exit: { exitCode: number; signal?: number } | null = null;
  private exitListener: ((e: { exitCode: number; signal?: number }) => void) | null = null;
  private dataListener: ((data: Buffer) => void) | null = null;
  private graceTimer: NodeJS.Timeout | null = null;
  private resolveStarted!: () => void;
  readonly started = new Promise<void>((r) => (this.resolveStarted = r));
  /** node-pty's program, when the forker could not start it. */
  private instead: TerminalProgram | null = null;
  private paused = false;
  /** The last size asked for: one asked before the program had its pid is sent once it has (its terminal was made at the start's). */
  private size: { cols: number; rows: number } | null = null;
  private sizeRetry: NodeJS.Timeout | null = null;
  pid = 0;

  constructor(private readonly start: TerminalStart) {}

  writeInput(data: Buffer): number {
    if (this.instead) return this.instead.writeInput(data);
    const n = Math.min(data.length, FRAME_MAX - 3);
    const frame = Buffer.allocUnsafe(3 + n);
    frame[0] = 0x69; // 'i'
    frame.writeUInt16BE(n, 1);
    data.copy(frame, 3, 0, n);
    // A pipe takes a write of at most PIPE_BUF whole or not at all (EAGAIN): the relay never reads half a frame.
    writeSync(this.input, frame);
    return n;
  }

  /** The forker started it as `pid`, with the runner's ends of its relay's pipes. */
  begin(pid: number, output: number, input: number): void {
    this.pid = pid;
    this.input = input;
    const socket = new Socket({ fd: output, readable: true, writable: false });
    this.output = socket;
    socket.on('data', (d: Buffer) => {
      // Output still coming after the program was reaped (a loaded machine's relay is late): the grace starts again.
      if (this.graceTimer) this.graceTimer.refresh();
      this.dataListener?.(d);
    });
    // The relay closes its output once the terminal hung up and its last output is in the pipe.
    socket.on('end', () => this.onClose());
    socket.on('close', () => this.onClose());
    socket.on('error', () => this.onClose());
    if (this.paused) socket.pause();
    if (this.size) this.sendSize();
    this.resolveStarted();
  }

  /**
   * The forker could not start it: node-pty does, on a terminal of its own.
   * When that fails too it is reported ended, as a command that cannot be
   * run (126).
   */
  fallBack(): void {
    if (this.pid !== 0 || this.instead || this.closed) return;
    try {
      const instead = startByNodePty(this.start);
      this.instead = instead;
      this.pid = instead.pid;
      instead.onData((d) => this.dataListener?.(typeof d === 'string' ? Buffer.from(d) : d));
      instead.onExit((e) => {
        const listener = this.exitListener;
        this.exitListener = null;
        listener?.(e);
      });
      if (this.size) instead.resize(this.size.cols, this.size.rows);
      if (this.paused) instead.pause();
    } catch {
      this.closed = true;
      this.exit = { exitCode: 126 };
      queueMicrotask(() => this.report());
    }
    this.resolveStarted();
  }

  onData(listener: (data: Buffer | string) => void): void {
    this.dataListener = listener;
  }

  onExit(listener: (e: { exitCode: number; signal?: number }) => void): void {
    this.exitListener = listener;
  }

  pause(): void {
    this.paused = true;
    if (this.instead) this.instead.pause();
    else this.output?.pause();
  }

  resume(): void {
    this.paused = false;
    if (this.instead) this.instead.resume();
    else this.output?.resume();
  }

  resize(cols: number, rows: number): void {
    this.size = { cols, rows };
    if (this.instead) this.instead.resize(cols, rows);
    else if (this.input >= 0 && !this.closed) this.sendSize();
  }

  /**
   * Sends the last size asked for as a frame of its own, after what was
   * typed before it (a program started ahead gets its Run's size before its
   * go). When the relay's input is full (the program reads none of what is
   * typed) it is sent again a little later, the latest size then.
   */
  private sendSize(): void {
    if (this.sizeRetry || !this.size) return;
    const frame = Buffer.from([0x72, 0, 0, 0, 0]); // 'r'
    frame.writeUInt16BE(Math.min(this.size.cols, 0xffff), 1);
    frame.writeUInt16BE(Math.min(this.size.rows, 0xffff), 3);
    try {
      writeSync(this.input, frame);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
        this.sizeRetry = setTimeout(() => {
          this.sizeRetry = null;
          if (this.input >= 0 && !this.closed) this.sendSize();
        }, SIZE_RETRY_MS);
      }
    }
  }

  /**
   * Reaped by the forker: reported once the terminal has closed too (its
   * last output read), or after a grace, as node-pty does; `waitClose`: only
   * once the terminal has closed (the program may still run).
   */
  reaped(exitCode: number, signal: number, opts: { waitClose?: boolean } = {}): void {
    if (this.exit) return;
    this.exit = { exitCode, ...(signal ? { signal } : {}) };
    if (this.closed) return this.report();
    if (!opts.waitClose) this.graceTimer = setTimeout(() => this.onClose(), CLOSE_GRACE_MS);
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.output?.destroy();
    if (this.exit) this.report();
  }

  private report(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    if (this.sizeRetry) clearTimeout(this.sizeRetry);
    const exit = this.exit!;
    const listener = this.exitListener;
    this.exitListener = null;
    // The listener lets go of the input (PtyProcess disposes its own): only then is it closed, so no write meets a reused number.
    listener?.(exit);
    if (this.input >= 0) {
      closeSync(this.input);
      this.input = -1;
    }
  }
}
