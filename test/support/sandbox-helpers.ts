/**
 * Test helpers for the sandbox: run a program in a sandbox on a real pty and
 * collect its output and exit, keep track of every sandbox and program a
 * test opens so they are all ended afterwards, and look at the host's
 * process table. No mocks: real bubblewrap, real processes.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { resolveLimits, type Limits } from '../../runner/limits.ts';
import { newExitTag, PtyProcess, type ProcessExit } from '../../runner/terminal/pty-process.ts';
import { createBwrapSandbox } from '../../runner/sandbox/bwrap.ts';
import type { Sandbox } from '../../runner/sandbox/types.ts';
import { childrenOf, pidsOfUid, processStatus } from '../../runner/sandbox/procfs.ts';

/** One program running in a sandbox, with everything it printed so far. */
export interface Program {
  proc: PtyProcess;
  /** The secret tag of this program's exit marker (the runner's, never the program's to know). */
  tag: string;
  /** Raw output bytes so far (kept only when `keepOutput` is true). */
  bytes(): Buffer;
  /** Output so far as text. */
  text(): string;
  /** Output bytes received so far (counted even when not kept). */
  received(): number;
  /** Resolves once `pattern` shows up in the output; rejects after `timeoutMs`. */
  waitFor(pattern: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit once the program ended and its output was delivered. */
  done: Promise<ProcessExit>;
}

export interface StartOptions {
  limits?: Limits;
  /** Acknowledge every batch at once, as a fast client does (default true). */
  ack?: boolean;
  /** Keep the output bytes (default true); a flood test only counts them. */
  keepOutput?: boolean;
  /** Started ahead: the launcher waits for proc.go() (SpawnOptions.waitGo). */
  waitGo?: boolean;
  /** Through the runner's forker and a relay, as sessions start theirs (default: node-pty). */
  viaForker?: boolean;
}

export interface RunResult {
  output: string;
  bytes: Buffer;
  exit: ProcessExit;
  /** True when the program did not end in time and was stopped. */
  timedOut: boolean;
  ms: number;
}

/**
 * Opens sandboxes and starts programs, and ends all of them in `cleanup()`
 * (call it from afterEach). Processes are only ever ended by their pid.
 */
export class SandboxTracker {
  private sandboxes: Sandbox[] = [];
  private programs: Program[] = [];

  async open(limits: Limits = resolveLimits()): Promise<Sandbox> {
    const sandbox = await createBwrapSandbox(limits);
    this.sandboxes.push(sandbox);
    return sandbox;
  }

  /** Starts `argv` in `sandbox` on a real pty. */
  start(sandbox: Sandbox, argv: string[], opts: StartOptions = {}): Program {
    const program = startProgram(sandbox, argv, opts);
    this.programs.push(program);
    return program;
  }

  /** Runs `argv` in `sandbox` to its end (stopped after `timeoutMs`). */
  async run(sandbox: Sandbox, argv: string[], opts: StartOptions & { timeoutMs?: number } = {}): Promise<RunResult> {
    const started = Date.now();
    const program = this.start(sandbox, argv, opts);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void program.proc.stop();
    }, opts.timeoutMs ?? 10_000);
    const exit = await program.done;
    clearTimeout(timer);
    return { output: program.text(), bytes: program.bytes(), exit, timedOut, ms: Date.now() - started };
  }

  async cleanup(): Promise<void> {
    const programs = this.programs.splice(0);
    const sandboxes = this.sandboxes.splice(0);
    await Promise.all(programs.map((p) => p.proc.stop()));
    await Promise.all(sandboxes.map((s) => s.close()));
  }
}

/** Starts `argv` in `sandbox` on a real pty (prefer SandboxTracker.start, which cleans up). */
export function startProgram(sandbox: Sandbox, argv: string[], opts: StartOptions = {}): Program {
  const limits = opts.limits ?? resolveLimits();
  const keep = opts.keepOutput ?? true;
  const ack = opts.ack ?? true;
  const chunks: Buffer[] = [];
  let count = 0;
  let joined: Buffer | null = null;
  const waiters = new Set<() => void>();
  const tag = newExitTag();
  const bytes = () => (joined ??= Buffer.concat(chunks));
  const text = () => bytes().toString('utf8');
  const proc: PtyProcess = new PtyProcess(sandbox.spawnPlan(argv, tag, { waitGo: opts.waitGo ?? false }), tag, {
    limits,
    viaForker: opts.viaForker,
    onOutput: (data) => {
      count += data.length;
      if (keep) {
        chunks.push(Buffer.from(data));
        joined = null;
      }
      // Acknowledge on the next turn, as a client's message would arrive.
      if (ack) setImmediate(() => proc.ack(data.length));
      for (const w of [...waiters]) w();
    },
    onExit: () => {
      for (const w of [...waiters]) w();
    },
  });
  let ended = false;
  const done = proc.done.then((exit) => {
    ended = true;
    for (const w of [...waiters]) w();
    return exit;
  });
  const waitFor = (pattern: string | RegExp, timeoutMs = 10_000) =>
    new Promise<string>((resolve, reject) => {
      const test = () => {
        const t = text();
        const m = typeof pattern === 'string' ? (t.includes(pattern) ? pattern : null) : pattern.exec(t)?.[0] ?? null;
        if (m !== null) {
          finish();
          resolve(m);
        } else if (ended) {
          finish();
          reject(new Error(`program ended without printing ${String(pattern)}; output: ${JSON.stringify(t.slice(-2000))}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out waiting for ${String(pattern)}; output: ${JSON.stringify(text().slice(-2000))}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        waiters.delete(test);
      };
      waiters.add(test);
      test();
    });
  return { proc, tag, bytes, text, received: () => count, waitFor, done };
}

/** `python3 -c <code> args...` as an argv. */
export function python(code: string, ...args: string[]): string[] {
  return ['python3', '-c', code, ...args];
}

/** The real uid (host view) of a process, or null when it is gone. */
export function uidOf(pid: number): number | null {
  return processStatus(pid)?.uid ?? null;
}

/** The parent pid of a process, or null when it is gone. */
export function parentOf(pid: number): number | null {
  return processStatus(pid)?.ppid ?? null;
}

export interface HostProcess {
  pid: number;
  ppid: number | null;
  /** Kernel state letter: R, S, Z (zombie)... */
  state: string;
  /** Host view of the user namespace ("user:[4026531837]"), null if unreadable. */
  userNs: string | null;
  cmdline: string;
}

/** Every process on the host (zombies included) whose real uid is `uid`. */
export function processesOfUid(uid: number): HostProcess[] {
  const found: HostProcess[] = [];
  for (const pid of pidsOfUid(uid)) {
    const status = processStatus(pid);
    if (!status) continue; // ended meanwhile
    let userNs: string | null = null;
    let cmdline = '';
    try {
      userNs = readlinkSync(`/proc/${pid}/ns/user`);
    } catch {
      /* gone, or not ours to read */
    }
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      /* gone */
    }
    found.push({ pid, ppid: status.ppid, state: status.state, userNs, cmdline });
  }
  return found;
}

/**
 * Processes of `uid` whose parent is neither this runner (nor its forker,
 * runner/terminal/forker.ts, which starts the sessions' holders) nor another
 * process of `uid`: orphans handed to the host's init, which reaps them
 * whenever it likes (or never). A sandbox must never leave any.
 */
export function orphansOfUid(uid: number): HostProcess[] {
  const all = processesOfUid(uid);
  const ours = new Set(all.map((p) => p.pid));
  const runners = new Set([process.pid, ...childrenOf(process.pid).filter((pid) => commOf(pid) === 'socklab-forker')]);
  return all.filter((p) => !(p.ppid !== null && (runners.has(p.ppid) || ours.has(p.ppid))));
}

/** A process's name (its comm), or '' once it is gone. */
function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Polls until `fn` returns true; false if it did not within `timeoutMs`. */
export async function eventually(fn: () => boolean | Promise<boolean>, timeoutMs = 5000, everyMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
