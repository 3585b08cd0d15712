/**
 * The grader's TCP side: a connection (to a student's server, or accepted
 * from a student's client) and a listener on the lab's port. What they hold
 * is bounded: a program that floods them fails its check, never the runner.
 */
import { EventEmitter } from 'node:events';
import type { Server, Socket } from 'node:net';
import type { Conn, Listener } from '../api.ts';
import { firstDifference, show, SHOWN_BYTES, type Transcript } from '../transcript.ts';
import { CheckFailure, DEFAULT_WAIT_MS, secs, waitFor, waitForUnless, type CheckScope, type ConnEnds } from './wait.ts';

/** Bytes a grader connection holds unread before it stops reading (the program floods). */
export const MAX_UNREAD_BYTES = 1024 * 1024;
/**
 * How often waitTaken looks at the peer: first after TAKEN_POLL_MS, then
 * twice as long each time up to TAKEN_POLL_MAX_MS. Each look reads the
 * sandbox's socket table, which walks the machine's whole TCP hash table
 * (about a millisecond of CPU): a peer that is idle at once is seen at
 * once, one that stays busy (a JIT thread on a CPU) costs a few looks, not
 * two hundred a second.
 */
const TAKEN_POLL_MS = 5;
const TAKEN_POLL_MAX_MS = 40;
/**
 * CPU time the check's programs may use while a grader connection still
 * waits to be accepted before a wait for its reply ends: a correct server
 * accepts within a moment, so one busy that long elsewhere is stuck (a
 * read loop spinning on a departed client), and the rest of the wait would
 * only burn a CPU that other checks share. Counted in CPU, not wall time,
 * so a busy machine cannot end a wait on a slow but correct server.
 */
const STUCK_CPU_MS = 1000;
/** How long close() waits for the program to close its end after the grader's half-close. */
const CLOSE_WAIT_MS = 1000;
/** Connections one grader listener takes (accepted or waiting) before the check fails. */
export const MAX_LISTENER_CONNECTIONS = 32;

export class ConnImpl extends EventEmitter implements Conn {
  /** Received and not yet taken as lines: merged once a line can be taken, so a flood costs linear time. */
  private merged: Buffer = Buffer.alloc(0);
  private chunks: Buffer[] = [];
  private unreadBytes = 0;
  private newlineWaiting = false;
  ended = false;
  wasReset = false;
  /** The start of what the grader sent (all that a failure shows of it) and its length: a flood is not kept whole. */
  private sentHead: Buffer = Buffer.alloc(0);
  private sentBytes = 0;

  /** The two ports, kept: a destroyed socket forgets them, and waitTaken still looks for its ends. */
  private readonly localPort: number;
  private readonly remotePort: number;
  /** The inode of the program's end, once seen (ConnEnds.programEnd). */
  private programEnd?: number;

  constructor(private readonly socket: Socket, readonly label: string, private readonly log: Transcript, private readonly h: CheckScope) {
    super();
    this.localPort = socket.localPort ?? 0;
    this.remotePort = socket.remotePort ?? 0;
    this.setMaxListeners(0);
    socket.on('data', (d: Buffer) => {
      // Worded only while the transcript keeps it: a flood's thousands of chunks would each cost a copy and a lookup.
      if (!this.log.full) this.log.add('program', label, h.say('log.sent', { bytes: show(d, h.say) }));
      this.chunks.push(d);
      this.unreadBytes += d.length;
      if (d.includes(0x0a)) this.newlineWaiting = true;
      if (this.unreadBytes > MAX_UNREAD_BYTES && !socket.isPaused()) {
        this.log.add('note', label, h.say('log.stoppedReading', { mib: MAX_UNREAD_BYTES >> 20 }));
        socket.pause();
      }
      this.emit('change');
    });
    socket.on('end', () => {
      this.log.add('program', label, h.say('log.peerClosed'));
      this.ended = true;
      this.emit('change');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') {
        this.log.add('program', label, h.say('log.peerReset'));
        this.wasReset = true;
      } else this.log.add('note', label, h.say('log.socketError', { error: err.code ?? err.message }));
      this.ended = true;
      this.emit('change');
    });
    socket.resume();
  }

  async send(data: string | Uint8Array): Promise<void> {
    if (this.ended || this.socket.destroyed) {
      this.log.add('note', this.label, this.h.say('log.couldNotSend', { bytes: show(data, this.h.say) }));
      this.h.fail(this.h.say('tcp.closedEarly', { label: this.label, sent: show(this.sentHead, this.h.say, undefined, this.sentBytes) }), {
        received: this.buf.length ? show(this.buf, this.h.say) : this.h.say('nothing'),
        hint: this.h.say('hint.closedEarly'),
      });
    }
    if (!this.log.full) this.log.add('grader', this.label, this.h.say('log.sent', { bytes: show(data, this.h.say) }));
    if (this.sentHead.length < SHOWN_BYTES) this.sentHead = Buffer.concat([this.sentHead, Buffer.from(data.slice(0, SHOWN_BYTES))]);
    this.sentBytes += typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;
    await new Promise<void>((resolve) => this.socket.write(data, () => resolve()));
  }

  sendLine(text: string): Promise<void> {
    return this.send(`${text}\n`);
  }

  async sendPieces(pieces: (string | Uint8Array)[], pauseMs: number): Promise<void> {
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0) await this.waitTaken(pauseMs);
      await this.send(pieces[i]!);
    }
  }

  async waitTaken(maxMs: number): Promise<boolean> {
    const deadline = Date.now() + maxMs;
    for (let every = TAKEN_POLL_MS; ; every = Math.min(every * 2, TAKEN_POLL_MAX_MS)) {
      const { state, programEnd } = await this.h.peerState(this.ends()).catch(() => ({ state: 'busy' as const, programEnd: undefined }));
      this.programEnd ??= programEnd;
      if (state === 'idle') return true;
      if (state === 'closed') {
        // The kernel has the program's close; wait for it here too, so what is sent next is refused the same way every run.
        await waitFor(this, () => (this.ended ? true : undefined), Math.max(0, deadline - Date.now()));
        return true;
      }
      if (Date.now() >= deadline) return false;
      await this.h.sleep(Math.min(every, Math.max(0, deadline - Date.now())));
    }
  }

  private ends(): ConnEnds {
    return { local: this.localPort, remote: this.remotePort, open: !this.ended && !this.socket.destroyed && !this.socket.writableEnded, programEnd: this.programEnd };
  }

  /** The look that saw every program blocked for ever and so ended the last reply wait (untilBlocked), if one did. */
  private blockedLook?: { program: string; call: string };

  /**
   * waitFor, ended early once the connection has waited to be accepted
   * while the check's programs used STUCK_CPU_MS of CPU, or (untilBlocked)
   * once every program of the check waits for ever: no reply can come.
   */
  private waitReply<T>(get: () => T | undefined, timeoutMs: number, untilBlocked = false): Promise<T | undefined> {
    // Counted from the first ask, a moment into the wait: most waits end before it, and cost no /proc read.
    let cpu0: number | undefined;
    this.blockedLook = undefined;
    return waitForUnless(this, get, timeoutMs, async () => {
      if (untilBlocked && (this.blockedLook = await this.h.programsBlocked()) !== undefined) return true;
      const cpu = await this.h.programsCpuMs();
      cpu0 ??= cpu;
      return cpu - cpu0 >= STUCK_CPU_MS && (await this.h.waitsToBeAccepted(this.ends()));
    });
  }

  /** Why nothing came, when it did not: the connection still waits to be accepted, every program waits for ever (untilBlocked), or nothing came within the time. */
  private async nothingCame(untilBlocked: boolean): Promise<{ queued: true } | { blocked: { program: string; call: string } } | undefined> {
    if (await this.h.waitsToBeAccepted(this.ends()).catch(() => false)) return { queued: true };
    // The look that ended the wait, not a new one: a thread that wakes a moment later (a JVM's own) must not turn "waits in read()" into "within 5 s".
    const blocked = untilBlocked ? (this.blockedLook ?? (await this.h.programsBlocked().catch(() => undefined))) : undefined;
    return blocked && { blocked };
  }

  /** Everything received and not yet taken. */
  private get buf(): Buffer {
    if (this.chunks.length) {
      this.merged = Buffer.concat([this.merged, ...this.chunks]);
      this.chunks = [];
    }
    return this.merged;
  }

  /**
   * The next whole line's bytes (without "\n" and a trailing "\r"), a view
   * of what came: a line within one chunk costs no copy, one across chunks
   * a copy of itself alone (a flood's 8 KB lines came in 11-64 KB chunks,
   * each of which was copied whole with what was left before it).
   */
  private takeLine(): Buffer | undefined {
    if (!this.newlineWaiting) return undefined;
    let nl = this.merged.indexOf(0x0a);
    let line: Buffer;
    if (nl >= 0) {
      line = this.merged.subarray(0, nl);
      this.merged = this.merged.subarray(nl + 1);
    } else {
      let i = 0;
      while (i < this.chunks.length && (nl = this.chunks[i]!.indexOf(0x0a)) < 0) i++;
      const end = this.chunks[i]!; // newlineWaiting: one holds a "\n"
      line = Buffer.concat([this.merged, ...this.chunks.slice(0, i), end.subarray(0, nl)]);
      this.merged = end.subarray(nl + 1);
      this.chunks.splice(0, i + 1);
    }
    this.unreadBytes -= line.length + 1;
    this.newlineWaiting = this.merged.includes(0x0a) || this.chunks.some((c) => c.includes(0x0a));
    if (this.socket.isPaused() && this.unreadBytes < MAX_UNREAD_BYTES / 2) this.socket.resume();
    return line[line.length - 1] === 0x0d ? line.subarray(0, -1) : line;
  }

  get pending(): Uint8Array {
    return this.buf;
  }

  /** What came so far without a "\n", for a failure's "received". */
  private partial(): string {
    return this.buf.length ? this.h.say('tcp.partial', { bytes: show(this.buf, this.h.say) }) : this.h.say('nothing');
  }

  async readLine<Bytes extends boolean = false>(opts: { timeoutMs?: number; untilBlocked?: boolean; bytes?: Bytes } = {}): Promise<(Bytes extends true ? Uint8Array : string) | null> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
    const r = await this.waitReply(() => this.takeLine() ?? (this.ended ? null : undefined), timeoutMs, opts.untilBlocked);
    if (r === undefined) {
      const why = await this.nothingCame(opts.untilBlocked ?? false);
      const label = this.label;
      const say = this.h.say;
      this.h.fail(!why ? say('tcp.noLine', { label, time: secs(say, timeoutMs) }) : 'queued' in why ? say('tcp.noLineNotAccepted', { label }) : say('tcp.noLineBlocked', { label, ...why.blocked }), {
        received: this.partial(),
        hint: this.buf.length ? this.h.say('hint.splitLine') : this.h.say('hint.noReply'),
      });
    }
    return (r === null || opts.bytes ? r : r.toString('utf8')) as (Bytes extends true ? Uint8Array : string) | null;
  }

  async expectLine(expected: string | RegExp, opts: { timeoutMs?: number; what?: string; untilBlocked?: boolean } = {}): Promise<string> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
    const want = opts.what ?? (typeof expected === 'string' ? show(`${expected}\n`, this.h.say) : this.h.say('tcp.matching', { pattern: String(expected) }));
    const r = await this.waitReply(() => this.takeLine()?.toString('utf8') ?? (this.ended ? null : undefined), timeoutMs, opts.untilBlocked);
    if (r === undefined || r === null) {
      const partial = this.buf.length > 0;
      const say = this.h.say;
      const nothing = r === null ? undefined : await this.nothingCame(opts.untilBlocked ?? false);
      const why = r === null
        ? say(this.wasReset ? 'tcp.wasReset' : 'tcp.wasClosed')
        : !nothing ? say('tcp.nothingWithin', { time: secs(say, timeoutMs) }) : 'queued' in nothing ? say('tcp.notAccepted') : say('tcp.blocked', nothing.blocked);
      this.h.fail(this.h.say(partial ? 'tcp.missingLinePartial' : 'tcp.missingLine', { want, label: this.label, why }), {
        expected: want,
        received: this.partial(),
        hint: this.h.say(partial ? 'hint.splitLine' : 'hint.noReply'),
      });
    }
    const ok = typeof expected === 'string' ? r === expected : expected.test(r);
    if (!ok) {
      const diff = typeof expected === 'string' ? firstDifference(this.h.say, Buffer.from(expected), Buffer.from(r)) : null;
      this.h.fail(diff ? this.h.say('tcp.wrongLineDiff', { label: this.label, diff }) : this.h.say('tcp.wrongLine', { label: this.label }), {
        expected: want,
        received: show(`${r}\n`, this.h.say),
        hint: this.h.say('hint.exactBytes'),
      });
    }
    return r;
  }

  async expectEnd(opts: { timeoutMs?: number; why?: string } = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
    const done = await waitFor(this, () => (this.ended ? true : undefined), timeoutMs);
    if (!done) {
      const time = secs(this.h.say, timeoutMs);
      const message = opts.why ? this.h.say('tcp.stayedOpenWhy', { label: this.label, time, why: opts.why }) : this.h.say('tcp.stayedOpen', { label: this.label, time });
      this.h.fail(message, { hint: this.h.say('hint.notClosed') });
    }
  }

  halfClose(): void {
    this.log.add('grader', this.label, this.h.say('log.halfClosed'));
    this.socket.end();
  }

  reset(): void {
    this.log.add('grader', this.label, this.h.say('log.resetRst'));
    this.socket.resetAndDestroy();
    this.ended = true;
  }

  async close(opts: { until?: Promise<unknown> } = {}): Promise<void> {
    if (!this.socket.writableEnded && !this.socket.destroyed) this.halfClose();
    let over = false;
    const end = () => {
      over = true;
      this.emit('change');
    };
    void opts.until?.then(end, end);
    await waitFor(this, () => (this.ended || over ? true : undefined), CLOSE_WAIT_MS);
    this.socket.destroy();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export class ListenerImpl extends EventEmitter implements Listener {
  private readonly queue: Socket[] = [];
  private taken = 0;

  constructor(private readonly server: Server, private readonly port: number, private readonly log: Transcript, private readonly h: CheckScope, private readonly nextLabel: () => string) {
    super();
    server.on('error', (err: NodeJS.ErrnoException) => this.log.add('note', h.say('log.graderPort', { port }), h.say('log.listenerError', { error: err.code ?? err.message })));
    server.on('connection', (s: Socket) => {
      // A waiting connection may be reset before it is accepted: that must not crash the runner.
      s.on('error', () => {});
      if (this.taken + this.queue.length >= MAX_LISTENER_CONNECTIONS) return this.flooded(s);
      s.pause();
      this.queue.push(s);
      this.emit('change');
    });
  }

  private flooded(s: Socket): void {
    s.destroy();
    if (!this.server.listening) return;
    this.log.add('note', this.h.say('log.graderPort', { port: this.port }), this.h.say('log.tooManyConnections', { max: MAX_LISTENER_CONNECTIONS }));
    this.close();
    this.h.abort(
      new CheckFailure(this.h.say('tcp.tooManyConnections', { max: MAX_LISTENER_CONNECTIONS, port: this.port }), {
        expected: this.h.say('tcp.onePerLine'),
        received: this.h.say('tcp.overConnections', { max: MAX_LISTENER_CONNECTIONS }),
        hint: this.h.say('hint.tooManyConnections'),
      }, true), // the flood is the cause
    );
  }

  async accept(opts: { timeoutMs?: number; why?: string } = {}): Promise<Conn> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
    const s = await waitFor(this, () => this.queue.shift(), timeoutMs);
    if (!s) {
      const time = secs(this.h.say, timeoutMs);
      const message = opts.why ? this.h.say('tcp.noConnectionWhy', { port: this.port, time, why: opts.why }) : this.h.say('tcp.noConnection', { port: this.port, time });
      this.h.fail(message, { hint: this.h.say('hint.clientConnect', { port: this.port }) });
    }
    this.taken++;
    const label = this.nextLabel();
    this.log.add('program', label, this.h.say('log.connected', { port: this.port }));
    const conn = new ConnImpl(s, label, this.log, this.h);
    this.h.teardown(() => conn.destroy());
    return conn;
  }

  close(): void {
    this.server.close();
    for (const s of this.queue.splice(0)) s.destroy();
  }
}
