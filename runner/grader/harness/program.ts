/**
 * A program a check runs (the student's or a reference one) on a real
 * terminal in the sandbox: what it prints, when it exits, what it costs.
 */
import { EventEmitter } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import type { Program } from '../api.ts';
import { hasStackTrace } from '../hints.ts';
import { show, type Transcript } from '../transcript.ts';
import type { Limits } from '../../limits.ts';
import type { Sandbox } from '../../sandbox/index.ts';
import { programPids } from '../../sandbox/runtime.ts';
import { blockedForever, blockingCalls, cpuMs, onCpu, receiveTimeouts, rssBytes, socketInodes, threadCount, waitsForInput } from '../../sandbox/procfs.ts';
import { PtyProcess, newExitTag, type ProcessExit } from '../../terminal/pty-process.ts';
import { exitFailure } from './cause.ts';
import { DEFAULT_WAIT_MS, HOPELESS_POLL_MS, secs, waitFor, waitForUnless, type CheckScope } from './wait.ts';

/** Characters of output a program keeps; beyond it the oldest (already searched) half goes, so a flood costs bounded memory. */
export const MAX_KEPT_OUTPUT = 4 * 1024 * 1024;
/** The start of the output, kept whatever comes after it (it shows how the program began). */
const HEAD_CHARS = 2000;
/**
 * How often waitIdle looks: first at once, then after IDLE_POLL_MS, twice
 * as long each time up to IDLE_POLL_MAX_MS (as Conn.waitTaken). Each look
 * reads the program's processes and threads in /proc (a millisecond or
 * two of CPU): a program that waits at once is seen in ~5 ms, one that
 * stays on a CPU costs a few looks, not two hundred a second.
 */
const IDLE_POLL_MS = 5;
const IDLE_POLL_MAX_MS = 40;

/**
 * How long a program must stay blocked, none of its threads waking, before
 * blockedIn calls it blocked for ever, when a receive timeout set with
 * SO_RCVTIMEO (invisible in /proc until it ends and wakes the thread) may
 * end its wait: one of its sockets has one, or it could not be read
 * (procfs receiveTimeouts). Longer than any timeout a lab's contract asks
 * for (udp-echo's client: 1 s), with room for a busy machine's late
 * wake-up.
 */
const BLOCKED_QUIET_MS = 1500;
/**
 * The same when no receive timeout can end its wait: only two looks with
 * no thread woken between them, so a thread another one wakes (or input
 * that reached it just then) is seen at the second.
 */
const SURE_QUIET_MS = 100;

/**
 * How long waitIdle's `forever` needs the program's threads blocked and
 * none of them woken, when no receive timeout can end their waits: a
 * thread that another wakes is seen at the second look.
 */
const STILL_MS = 20;

/**
 * How long a program seen ending is given to report its exit: a dying node
 * joins its threads after its sockets closed, which on two loaded cores has
 * taken most of a second. Only a failing probe (expectSurvives) or a server
 * whose port went (cause.ts) waits.
 */
export const DYING_EXIT_MS = 1000;
/**
 * How long blockedIn looks again while a JVM's collector or VM thread is
 * at work (it holds the program's threads for moments, not for ever; on
 * two loaded cores a moment can be long).
 */
const HELD_MS = 1000;

/** One look at where a program waits (ProgramImpl.blockedFor). */
export interface BlockedLook {
  /** Its threads' calls, as a person reads them ("accept(), read()"). */
  calls: string;
  /** For how long none of its threads has woken. */
  ms: number;
  /** For how long none must have before it waits for ever. */
  needMs: number;
  /** A JVM's collector or VM thread was at work, and may hold its threads. */
  held: boolean;
}

/** Whether a look says it waits for ever: blocked, quiet for `needMs`, and no JVM at work that could be holding it. */
export function surelyBlocked(b: BlockedLook | undefined, needMs = b?.needMs): boolean {
  return b !== undefined && !b.held && b.ms >= needMs!;
}

export class ProgramImpl extends EventEmitter implements Program {
  private text = '';
  private head = '';
  /** Characters cut from the front of `text` so far. */
  private dropped = 0;
  private readonly decoder = new StringDecoder('utf8');
  /** Where the next expectOutput starts looking. */
  private cursor = 0;
  /** Start of the line that the last search ended in: text before it was searched already. */
  private searchedTo = 0;
  /**
   * The text from `searchedTo` on, kept beside `text`: a search per chunk of
   * a flood then reads only this short end. Slicing `text` itself (a string
   * built by appending) would copy all of it each time, which made a 10 MB
   * flood take half a minute.
   */
  private unsearched = '';
  private readonly term: PtyProcess;
  exitStatus: ProcessExit | undefined;
  /** When it exited, in the transcript's time (ms since the check started). */
  exitAt: number | undefined;

  constructor(
    readonly name: string,
    readonly role: string,
    readonly student: boolean,
    /** The port the lab's run plan waits for it to bind, if any: a server, which must keep running. */
    readonly readyPort: { port: number; protocol: 'tcp' | 'udp' } | undefined,
    sandbox: Sandbox,
    argv: string[],
    limits: Limits,
    private readonly log: Transcript,
    private readonly h: CheckScope,
  ) {
    super();
    this.setMaxListeners(0);
    const tag = newExitTag();
    this.term = new PtyProcess(sandbox.spawnPlan(argv, tag), tag, {
      cols: 120,
      rows: 40,
      limits,
      // A grade starts many programs, a class's grades thousands.
      viaForker: true,
      onOutput: (data) => {
        this.term?.ack(data.length); // the grader reads as fast as it comes
        this.append(this.decoder.write(data).replace(/\r\n/g, '\n'));
        this.emit('change');
      },
      onExit: (exit) => {
        this.append(this.decoder.end());
        this.exitStatus = exit;
        this.exitAt = log.now();
        if (exit.reason !== 'stopped') this.log.add('program', name, h.say('log.exited', { code: exit.code, signal: exit.signal ? ` (${exit.signal})` : '' }));
        this.emit('change');
      },
    });
  }

  private append(text: string): void {
    this.text += text;
    this.unsearched += text;
    if (this.text.length > MAX_KEPT_OUTPUT) this.trim();
  }

  /** Cuts the oldest half of the kept output; searches resume where they were (or at the cut). */
  private trim(): void {
    if (!this.dropped) this.head = this.text.slice(0, HEAD_CHARS);
    const cut = this.text.length - MAX_KEPT_OUTPUT / 2;
    this.text = this.text.slice(cut);
    this.dropped += cut;
    this.cursor = Math.max(0, this.cursor - cut);
    this.searchedTo = Math.max(0, this.searchedTo - cut);
    if (this.unsearched.length > this.text.length) this.unsearched = this.text;
  }

  /** Moves the search start back or forth to `at`. */
  private searchFrom(at: number): void {
    this.searchedTo = at;
    this.unsearched = this.text.slice(at);
  }

  /** How many characters it has printed so far (kept or not). */
  get printed(): number {
    return this.dropped + this.text.length;
  }

  get stackTrace(): boolean {
    return hasStackTrace(this.output);
  }

  /** What it printed: all of it, or its start and its last MAX_KEPT_OUTPUT / 2 characters after a flood. */
  get output(): string {
    return this.dropped ? `${this.head}\n… (${this.dropped - this.head.length} characters left out)\n${this.text}` : this.text;
  }

  /** Set once its port was seen bound (Harness.start waited for it): a server that lost it since is ending (cause.ts). */
  boundOnce = false;

  /** Whether it is a server (the run plan waits for its port), which must keep running. */
  get serves(): boolean {
    return this.readyPort !== undefined;
  }

  get exited(): boolean {
    return this.exitStatus !== undefined;
  }

  type(line: string): void {
    this.log.add('grader', this.h.say('log.keyboard', { program: this.name }), this.h.say('log.typed', { text: show(line, this.h.say) }));
    this.term.write(`${line}\r`);
  }

  endInput(): void {
    this.log.add('grader', this.h.say('log.keyboard', { program: this.name }), this.h.say('log.endInput'));
    this.term.write('\x04');
  }

  /** The line holding the next match of `pattern`; each look scans only what came since the last one (a flood costs linear time). */
  private find(pattern: string | RegExp): string | undefined {
    // The cursor never passes searchedTo: the search starts where the last one ended.
    const from = this.searchedTo;
    const rest = this.unsearched;
    const index = typeof pattern === 'string' ? rest.indexOf(pattern) : rest.search(pattern);
    if (index < 0) {
      // A match may still complete the last, unfinished line: look at it again next time.
      const lineStart = rest.lastIndexOf('\n') + 1;
      this.searchedTo = from + lineStart;
      this.unsearched = rest.slice(lineStart);
      return undefined;
    }
    const lineStart = rest.lastIndexOf('\n', index) + 1;
    const lineEnd = rest.indexOf('\n', index);
    this.cursor = lineEnd < 0 ? this.text.length : from + lineEnd + 1;
    this.searchedTo = this.cursor;
    this.unsearched = lineEnd < 0 ? '' : rest.slice(lineEnd + 1);
    return rest.slice(lineStart, lineEnd < 0 ? undefined : lineEnd);
  }

  async expectOutput(pattern: string | RegExp, opts: { timeoutMs?: number; what?: string; untilBlocked?: boolean } = {}): Promise<string> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
    this.searchFrom(this.cursor);
    const found = await this.waitUnlessBlocked(() => this.find(pattern) ?? (this.exited ? this.find(pattern) ?? null : undefined), timeoutMs, opts.untilBlocked);
    const want = opts.what ?? (typeof pattern === 'string' ? show(pattern, this.h.say) : String(pattern));
    if (typeof found === 'string') {
      this.log.add('program', this.h.say('log.output', { program: this.name }), this.h.say('log.printed', { text: show(found, this.h.say) }));
      return found;
    }
    const seen = this.text.slice(this.cursor);
    const say = this.h.say;
    const blocked = !this.exited && opts.untilBlocked ? await this.blockedAfterWait() : undefined;
    const message = this.exited
      ? say('print.missingExited', { program: this.name, want, code: this.exitStatus!.code })
      : blocked ? say('print.missingBlocked', { program: this.name, want, call: blocked.call })
      : say('print.missingWithin', { program: this.name, want, time: secs(say, timeoutMs) });
    this.h.fail(message, {
      expected: want,
      received: seen ? show(seen, say, 300) : say('nothing'),
      hint: say('hint.print'),
    });
  }

  async waitExit(ms: number, opts: { untilBlocked?: boolean } = {}): Promise<{ code: number; signal?: string } | undefined> {
    const exit = await this.waitUnlessBlocked(() => this.exitStatus, ms, opts.untilBlocked);
    return exit && { code: exit.code, ...(exit.signal ? { signal: exit.signal } : {}) };
  }

  async expectExit(opts: { timeoutMs?: number; why?: string; code?: number; untilBlocked?: boolean } = {}): Promise<{ code: number; signal?: string }> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
    const exit = await this.waitExit(timeoutMs, opts);
    if (!exit) {
      const time = secs(this.h.say, timeoutMs);
      const say = this.h.say;
      const blocked = opts.untilBlocked ? await this.blockedAfterWait() : undefined;
      this.log.add('note', this.name, blocked ? say('log.blocked', { call: blocked.call }) : say('log.stillRunning', { time }));
      const message = blocked
        ? opts.why ? say('run.blockedWhy', { program: this.name, call: blocked.call, why: opts.why }) : say('run.blocked', { program: this.name, call: blocked.call })
        : opts.why ? say('run.stillRunningWhy', { program: this.name, time, why: opts.why }) : say('run.stillRunning', { program: this.name, time });
      this.h.fail(message, { hint: this.h.say('hint.stillRunning') });
    }
    if (opts.code !== undefined && exit.code !== opts.code) {
      const say = this.h.say;
      this.h.fail(say('exit.code', { program: this.name, code: exit.code, signal: exit.signal ? ` (${exit.signal})` : '' }), {
        expected: say('exit.codeShort', { code: opts.code }),
        received: say('exit.codeShort', { code: exit.code }),
        hint: opts.code === 0 ? say('hint.exitCode0') : say('hint.exitCode', { code: opts.code }),
      });
    }
    return exit;
  }

  expectRunning(why?: string): void {
    if (this.exitStatus) throw exitFailure(this.h.say, this, this.log, why);
  }

  async expectRunningFor(ms: number, why?: string): Promise<void> {
    await this.waitExit(ms);
    this.expectRunning(why);
  }

  async expectSurvives(why: string, probe: () => Promise<void>): Promise<void> {
    try {
      await probe();
    } catch (err) {
      await this.waitExit(DYING_EXIT_MS);
      this.expectRunning(why);
      throw err;
    }
    this.expectRunning(why);
  }

  /**
   * See Program.waitIdle. `horizonMs` (with `forever`, default `maxMs`): how
   * long from now no timeout of the program's own may end, for a caller
   * that goes on looking at it after the wait.
   */
  async waitIdle(maxMs: number, opts: { forever?: boolean; horizonMs?: number } = {}): Promise<boolean> {
    const deadline = Date.now() + maxMs;
    if (opts.forever) {
      const horizon = Date.now() + (opts.horizonMs ?? maxMs);
      for (let every = IDLE_POLL_MS; ; every = Math.min(every * 2, IDLE_POLL_MAX_MS)) {
        if (this.exited) return false;
        const b = await this.blockedFor(horizon).catch(() => undefined);
        // A receive timeout may end the wait: only its whole quiet says it will not.
        const need = b && (b.needMs === BLOCKED_QUIET_MS ? b.needMs : STILL_MS);
        if (surelyBlocked(b, need)) return true;
        const left = deadline - Date.now();
        if (left <= 0) return false;
        if (await this.waitExit(Math.min(b && !b.held ? need! - b.ms : every, left))) return false;
      }
    }
    // Two looks in a row: a thread woken by another between the looks at each is seen at the second.
    let seen = 0;
    for (let every = IDLE_POLL_MS; ; every = Math.min(every * 2, IDLE_POLL_MAX_MS)) {
      if (this.exited) return false;
      seen = (await this.waiting()) ? seen + 1 : 0;
      if (seen === 2) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      // The second look comes soon after the first, however long the waits before it grew.
      if (await this.waitExit(Math.min(seen ? IDLE_POLL_MS : every, left))) return false;
    }
  }

  /** waitFor on this program, ended early (untilBlocked) once every program of the check waits for ever. */
  private waitUnlessBlocked<T>(get: () => T | undefined, ms: number, untilBlocked = false): Promise<T | undefined> {
    this.blockedLook = undefined;
    if (!untilBlocked) return waitFor(this, get, ms);
    return waitForUnless(this, get, ms, async () => (this.blockedLook = await this.h.programsBlocked()) !== undefined);
  }

  /** The look that saw every program blocked for ever and so ended the last wait (untilBlocked), if one did. */
  private blockedLook?: { program: string; call: string };

  /**
   * Why the last untilBlocked wait ended with nothing: the look that ended
   * it, not a new one (a thread that wakes a moment later, a JVM's own, must
   * not turn "waits in read()" into "within 5 s"); asked again when the
   * wait ran to its deadline.
   */
  private async blockedAfterWait(): Promise<{ program: string; call: string } | undefined> {
    return this.blockedLook ?? (await this.h.programsBlocked().catch(() => undefined));
  }

  /**
   * The last look that saw it blocked: what woke its threads so far, since
   * when that has not changed, and how long it must not (`needMs`).
   */
  private quiet?: { wakes: string; since: number; needMs: number };

  /** When it was started, before its spawn: none of its calls began earlier. */
  private readonly startedAt = Date.now();

  /**
   * Each thread's syscall line ("pid/tid") at the last look that read it,
   * when that look began, and the latest time its call is known to have
   * begun after: the last look that saw the thread elsewhere, or the start.
   */
  private readonly threadCalls = new Map<string, { line: string; seenAt: number; since: number }>();

  /**
   * One look: where it waits when every process of it is blocked
   * (procfs blockedForever), for how long none of its threads has woken
   * (0 at the first look that sees it so), and for how long none must
   * have before it waits for ever (`needMs`: BLOCKED_QUIET_MS, or
   * SURE_QUIET_MS when none of the sockets it receives on has a receive
   * timeout); undefined otherwise. Given a `horizon` (a time, as
   * Date.now()), a poll with a timeout of its own counts as blocked too
   * when that timeout cannot end before the horizon (counted from the
   * earliest the call may have begun): until then only input can wake it,
   * as if it had none.
   */
  blockedFor(horizon?: number): Promise<BlockedLook | undefined> {
    // One look at a time: a look that began earlier but read later would date a call by another's reads.
    const look = this.lastLook.then(() => this.look(horizon));
    this.lastLook = look.catch(() => {});
    return look;
  }

  /** The look before the next one may begin. */
  private lastLook: Promise<unknown> = Promise.resolve();

  /** One look of blockedFor. */
  private async look(horizon?: number): Promise<BlockedLook | undefined> {
    const pids = await this.pids().catch(() => [] as number[]);
    const at = Date.now();
    const lines = new Map<string, string>();
    const looks = this.exited || !pids.length ? [] : await Promise.all(pids.map((pid) => blockedForever(pid, { timed: true, lines })));
    for (const [thread, line] of lines) {
      const before = this.threadCalls.get(thread);
      const since = !before ? this.startedAt : before.line === line ? before.since : before.seenAt;
      this.threadCalls.set(thread, { line, seenAt: at, since });
    }
    if (!looks.length || looks.some((b) => !b)) {
      this.quiet = undefined;
      return undefined;
    }
    const wakes = looks.map((b) => b!.wakes).join(' ');
    const now = Date.now();
    // Read once while no thread wakes: the waits under way are the same ones, and so are their timeouts.
    if (this.quiet?.wakes !== wakes) {
      const timeouts = (await Promise.all(pids.map((pid, i) => receiveTimeouts(pid, looks[i]!.sockets)))).flat();
      this.quiet = { wakes, since: now, needMs: timeouts.every((ms) => ms === 0) ? SURE_QUIET_MS : BLOCKED_QUIET_MS };
    }
    const timed = looks.flatMap((b) => b!.timed);
    if (timed.length && (horizon === undefined || timed.some((t) => this.threadCalls.get(t.thread)!.since + t.timeoutMs < horizon))) return undefined;
    // A JVM at work (`held`) does not end the quiet: a thread it held wakes
    // once let go, and that restarts it. Were its busy moments counted as
    // wakes, a JVM collecting on a loaded machine would never be seen blocked.
    return { calls: blockingCalls(looks.map((b) => b!.calls)), ms: now - this.quiet.since, needMs: this.quiet.needMs, held: looks.some((b) => b!.held) };
  }

  async waitBlocked(maxMs: number, signal?: AbortSignal): Promise<string | undefined> {
    const deadline = Date.now() + maxMs;
    while (!signal?.aborted) {
      const b = await this.blockedFor(deadline);
      if (surelyBlocked(b)) return b!.calls;
      const left = deadline - Date.now();
      if (left <= 0 || (await this.waitExit(Math.min(HOPELESS_POLL_MS, left)))) return undefined;
    }
    return undefined;
  }

  async blockedIn(): Promise<string | undefined> {
    const first = await this.unheldLook();
    if (!first) return undefined;
    if (surelyBlocked(first)) return first.calls;
    if (first.ms < first.needMs) await new Promise((r) => setTimeout(r, first.needMs - first.ms));
    const then = await this.unheldLook();
    return surelyBlocked(then) ? then!.calls : undefined;
  }

  /** blockedFor, looked at again while a JVM at work holds its threads (up to HELD_MS). */
  private async unheldLook(): Promise<BlockedLook | undefined> {
    const deadline = Date.now() + HELD_MS;
    for (;;) {
      const b = await this.blockedFor();
      if (!b?.held || Date.now() >= deadline) return b;
      await new Promise((r) => setTimeout(r, IDLE_POLL_MAX_MS));
    }
  }

  /** Whether a process of it is left and none of its threads is on a CPU (see waitIdle). */
  private async waiting(): Promise<boolean> {
    // Not known (the process tree could not be read): not seen waiting, so the window runs to its cap.
    const pids = await this.pids().catch(() => [] as number[]);
    if (!pids.length || this.exited) return false;
    for (const pid of pids) if (!(await waitsForInput(pid))) return false;
    return true;
  }

  async cpuMs(): Promise<number> {
    let ms = 0;
    for (const pid of await this.pids()) ms += await cpuMs(pid);
    return ms;
  }

  /** Whether a thread of the program or its children is running or waiting for a CPU (state R) right now, rather than waiting for input. */
  async onCpu(): Promise<boolean> {
    for (const pid of await this.pids()) if (await onCpu(pid)) return true;
    return false;
  }

  async rssBytes(): Promise<number> {
    let total = 0;
    for (const pid of await this.pids()) total += await rssBytes(pid);
    return total;
  }

  async threads(): Promise<number> {
    let total = 0;
    for (const pid of await this.pids()) total += await threadCount(pid);
    return total;
  }

  /** Inodes of the sockets the program and its children hold (none once it has exited): the check's packets are named by them. */
  async socketInodes(): Promise<number[]> {
    const inodes: number[] = [];
    for (const pid of await this.pids()) inodes.push(...(await socketInodes(pid)));
    return inodes;
  }

  /** Host pids of the program and its children (below the launcher, which is found by its binary and not counted). */
  private pids(): Promise<number[]> {
    return programPids(this.term.pid);
  }

  async stop(): Promise<void> {
    if (!this.exitStatus) await this.term.stop();
  }
}
