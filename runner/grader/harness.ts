/**
 * The harness a check runs with: one fresh sandbox holding the student's
 * files (and the reference solution for the other roles), real sockets into
 * it, real terminals for the programs, and a transcript of everything.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Server } from 'node:net';
import type { Socket as UdpSocket } from 'node:dgram';
import { StringDecoder } from 'node:string_decoder';
import type { Language } from '../../protocol/messages.ts';
import { LANGUAGES } from '../languages.ts';
import type { Lab } from '../labs/load.ts';
import type { Limits } from '../limits.ts';
import type { Sandbox } from '../sandbox/index.ts';
import { isBound } from '../sandbox/socket-table.ts';
import { programPids } from '../sandbox/runtime.ts';
import { cpuMs, rssBytes } from '../sandbox/procfs.ts';
import { PtyProcess, newExitTag, type ProcessExit } from '../terminal/pty-process.ts';
import type { Conn, Datagram, FailureDetails, Harness, Listener, Program, UdpPeer } from './api.ts';
import { HINTS } from './hints.ts';
import { firstDifference, show, Transcript } from './transcript.ts';

/** Thrown by `h.fail` and every failed expectation; the engine reports it. */
export class CheckFailure extends Error {
  constructor(message: string, readonly details: FailureDetails = {}) {
    super(message);
    this.name = 'CheckFailure';
  }
}

const DEFAULT_WAIT_MS = 5000;
const secs = (ms: number) => `${(ms / 1000).toFixed(ms % 1000 ? 1 : 0)} s`;

/** Waits until `get` returns a value, re-checking on every `change` event of `emitter`. */
function waitFor<T>(emitter: EventEmitter, get: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
  const now = get();
  if (now !== undefined) return Promise.resolve(now);
  return new Promise((resolve) => {
    const onChange = () => {
      const v = get();
      if (v !== undefined) done(v);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    const done = (v: T | undefined) => {
      clearTimeout(timer);
      emitter.off('change', onChange);
      resolve(v);
    };
    emitter.on('change', onChange);
  });
}

export interface HarnessContext {
  lab: Lab;
  lang: Language;
  /** The role whose student program is under test. */
  role: string;
  sandbox: Sandbox;
  limits: Limits;
}

export class GradeHarness implements Harness {
  readonly transcript = new Transcript();
  readonly programs: ProgramImpl[] = [];
  private readonly teardowns: (() => void | Promise<void>)[] = [];
  private conns = 0;
  /** Set once the check is over: a check that timed out but still runs can start nothing more. */
  private disposed = false;

  private assertLive(): void {
    if (this.disposed) throw new CheckFailure('the check is over');
  }

  constructor(private readonly ctx: HarnessContext) {}

  get lang(): string {
    return this.ctx.lang;
  }

  async start(role: string, opts: { waitReady?: boolean } = {}): Promise<Program> {
    this.assertLive();
    const spec = this.ctx.lab.meta.processes.find((p) => p.role === role);
    if (!spec) throw new Error(`checks.ts: the lab has no process with role "${role}"`);
    const lang = LANGUAGES[this.ctx.lang];
    const file = lang.fileFor(role);
    const student = role === this.ctx.role;
    const n = this.programs.filter((p) => p.role === role).length + 1;
    const name = `${student ? 'your' : 'reference'} ${role}${n > 1 ? ` ${n}` : ''}`;
    const program = new ProgramImpl(name, role, student, this.ctx.sandbox, lang.command(file), this.ctx.limits, this.transcript, this);
    this.programs.push(program);
    this.transcript.add('note', name, `started: ${lang.command(file).join(' ')}`);
    if (spec.ready && opts.waitReady !== false) {
      const { port, protocol } = spec.ready;
      const deadline = Date.now() + this.ctx.limits.readyTimeoutMs;
      while (!isBound(await this.ctx.sandbox.sockets(), port, protocol)) {
        if (program.exited) {
          this.fail(`${name} exited (code ${program.exitStatus?.code}) before it ${protocol === 'tcp' ? 'listened on' : 'bound'} port ${port}/${protocol}`, {
            hint: `Look at its output below: it probably crashed while starting. It must ${protocol === 'tcp' ? 'bind, listen and then accept' : 'bind and then wait for datagrams'} on port ${port}.`,
          });
        }
        if (Date.now() > deadline) {
          this.fail(`${name} did not ${protocol === 'tcp' ? 'listen on' : 'bind'} port ${port}/${protocol} within ${secs(this.ctx.limits.readyTimeoutMs)}`, {
            hint: `Does it bind port ${port} (on '' or 0.0.0.0)${protocol === 'tcp' ? ' and call listen()' : ''}?`,
          });
        }
        await this.sleep(10);
      }
      this.transcript.add('note', name, `${protocol === 'tcp' ? 'listening on' : 'bound to'} port ${port}/${protocol}`);
    }
    return program;
  }

  async connect(port: number, opts: { host?: '127.0.0.1' | '::1'; label?: string } = {}): Promise<Conn> {
    this.assertLive();
    const label = opts.label ?? `tcp#${++this.conns}`;
    const host = opts.host ?? '127.0.0.1';
    this.transcript.add('grader', label, `connect to ${host}:${port}`);
    let socket: Socket;
    try {
      socket = await this.ctx.sandbox.connectTcp(port, host);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      this.transcript.add('note', label, `connection failed: ${code ?? (err as Error).message}`);
      const server = this.programs.find((p) => p.student && p.exited);
      this.fail(`could not connect to port ${port}: ${code === 'ECONNREFUSED' ? 'connection refused' : (err as Error).message}`, {
        hint: server ? HINTS.serverExited(server.exitStatus!.code) : HINTS.refused(port),
      });
    }
    const conn = new ConnImpl(socket, label, this.transcript, this);
    this.teardown(() => conn.destroy());
    return conn;
  }

  async refused(port: number): Promise<boolean> {
    try {
      const s = await this.ctx.sandbox.connectTcp(port, '127.0.0.1', 2000);
      s.destroy();
      return false;
    } catch {
      return true;
    }
  }

  async udp(opts: { label?: string } = {}): Promise<UdpPeer> {
    this.assertLive();
    const socket = await this.ctx.sandbox.openUdp('udp4');
    const peer = new UdpPeerImpl(socket, opts.label ?? `udp#${++this.conns}`, this.transcript, this);
    this.teardown(() => peer.close());
    return peer;
  }

  async udpServer(port: number): Promise<UdpPeer> {
    this.assertLive();
    const socket = await this.ctx.sandbox.bindUdp(port);
    const peer = new UdpPeerImpl(socket, `grader udp :${port}`, this.transcript, this);
    this.teardown(() => peer.close());
    return peer;
  }

  async listen(port: number): Promise<Listener> {
    this.assertLive();
    const server = await this.ctx.sandbox.listenTcp(port);
    const listener = new ListenerImpl(server, port, this.transcript, this, () => `tcp#${++this.conns}`);
    this.teardown(() => listener.close());
    this.transcript.add('grader', `grader :${port}`, `listening on port ${port} (127.0.0.1 and ::1)`);
    return listener;
  }

  note(text: string): void {
    this.transcript.add('note', 'grader', text);
  }

  fail(message: string, details: FailureDetails = {}): never {
    throw new CheckFailure(message, details);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }

  teardown(fn: () => void | Promise<void>): void {
    this.teardowns.push(fn);
  }

  /** Runs every teardown (never throws) and stops every program. */
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const fn of this.teardowns.reverse()) {
      try {
        await fn();
      } catch {
        /* a teardown must not hide the verdict */
      }
    }
    await Promise.all(this.programs.map((p) => p.stop()));
  }
}

class ProgramImpl extends EventEmitter implements Program {
  private text = '';
  private readonly decoder = new StringDecoder('utf8');
  private cursor = 0;
  private readonly term: PtyProcess;
  exitStatus: ProcessExit | undefined;

  constructor(
    readonly name: string,
    readonly role: string,
    readonly student: boolean,
    sandbox: Sandbox,
    argv: string[],
    limits: Limits,
    private readonly log: Transcript,
    private readonly h: GradeHarness,
  ) {
    super();
    this.setMaxListeners(0);
    const tag = newExitTag();
    this.term = new PtyProcess(sandbox.spawnPlan(argv, tag), tag, {
      cols: 120,
      rows: 40,
      limits,
      onOutput: (data) => {
        this.term?.ack(data.length); // the grader reads as fast as it comes
        this.text += this.decoder.write(data).replace(/\r\n/g, '\n');
        this.emit('change');
      },
      onExit: (exit) => {
        this.text += this.decoder.end();
        this.exitStatus = exit;
        if (exit.reason !== 'stopped') this.log.add('program', name, `exited with code ${exit.code}${exit.signal ? ` (${exit.signal})` : ''}`);
        this.emit('change');
      },
    });
  }

  get output(): string {
    return this.text;
  }

  get exited(): boolean {
    return this.exitStatus !== undefined;
  }

  type(line: string): void {
    this.log.add('grader', `${this.name} keyboard`, `typed ${show(line)} + Enter`);
    this.term.write(`${line}\r`);
  }

  endInput(): void {
    this.log.add('grader', `${this.name} keyboard`, 'Ctrl-D (end of input)');
    this.term.write('\x04');
  }

  async expectOutput(pattern: string | RegExp, opts: { timeoutMs?: number; what?: string } = {}): Promise<string> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
    const find = (): string | undefined => {
      const rest = this.text.slice(this.cursor);
      const index = typeof pattern === 'string' ? rest.indexOf(pattern) : rest.search(pattern);
      if (index < 0) return undefined;
      const lineStart = rest.lastIndexOf('\n', index) + 1;
      const lineEnd = rest.indexOf('\n', index);
      const line = rest.slice(lineStart, lineEnd < 0 ? undefined : lineEnd);
      this.cursor += lineEnd < 0 ? rest.length : lineEnd + 1;
      return line;
    };
    const found = await waitFor(this, () => find() ?? (this.exited ? find() ?? null : undefined), timeoutMs);
    const want = opts.what ?? (typeof pattern === 'string' ? show(pattern) : String(pattern));
    if (typeof found === 'string') {
      this.log.add('program', `${this.name} output`, `printed ${show(found)}`);
      return found;
    }
    const seen = this.text.slice(this.cursor);
    this.h.fail(`${this.name} did not print ${want}${this.exited ? ` before it exited (code ${this.exitStatus!.code})` : ` within ${secs(timeoutMs)}`}`, {
      expected: want,
      received: seen ? show(seen, 300) : '(nothing)',
    });
  }

  async expectExit(opts: { timeoutMs?: number; why?: string } = {}): Promise<{ code: number; signal?: string }> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
    const exit = await waitFor(this, () => this.exitStatus, timeoutMs);
    if (!exit) {
      this.log.add('note', this.name, `still running after ${secs(timeoutMs)}`);
      this.h.fail(`${this.name} was still running ${secs(timeoutMs)} later${opts.why ? ` (${opts.why})` : ''}`, { hint: HINTS.stillRunning });
    }
    return { code: exit.code, ...(exit.signal ? { signal: exit.signal } : {}) };
  }

  expectRunning(why?: string): void {
    if (this.exitStatus) {
      this.h.fail(`${this.name} exited with code ${this.exitStatus.code}${why ? ` ${why}` : ''}`, { hint: this.role === 'server' ? HINTS.serverExited(this.exitStatus.code) : undefined });
    }
  }

  async cpuMs(): Promise<number> {
    let ms = 0;
    for (const pid of await this.pids()) ms += await cpuMs(pid);
    return ms;
  }

  async rssBytes(): Promise<number> {
    let total = 0;
    for (const pid of await this.pids()) total += await rssBytes(pid);
    return total;
  }

  /** Host pids of the student's program and its children (below the launcher, which is not counted). */
  private async pids(): Promise<number[]> {
    // The launcher is found by its binary, not its name (see programPids).
    return programPids(this.term.pid);
  }

  async stop(): Promise<void> {
    if (!this.exitStatus) await this.term.stop();
  }
}

/** Bytes a grader connection holds unread before it stops reading (the program floods). */
const MAX_UNREAD_BYTES = 8 * 1024 * 1024;

class ConnImpl extends EventEmitter implements Conn {
  /** Received and not yet taken as lines: merged once a line can be taken, so a flood costs linear time. */
  private merged: Buffer = Buffer.alloc(0);
  private chunks: Buffer[] = [];
  private unreadBytes = 0;
  private newlineWaiting = false;
  private all: Buffer[] = [];
  private total = 0;
  ended = false;
  private resetByPeer = false;
  private readonly sent: Buffer[] = [];

  constructor(private readonly socket: Socket, readonly label: string, private readonly log: Transcript, private readonly h: GradeHarness) {
    super();
    this.setMaxListeners(0);
    socket.on('data', (d: Buffer) => {
      this.log.add('program', label, `sent ${show(d)}`);
      this.chunks.push(d);
      this.unreadBytes += d.length;
      if (d.includes(0x0a)) this.newlineWaiting = true;
      if (this.total < 1 << 20) this.all.push(d);
      this.total += d.length;
      if (this.unreadBytes > MAX_UNREAD_BYTES) {
        this.log.add('note', label, `the grader stopped reading: more than ${MAX_UNREAD_BYTES >> 20} MiB arrived that it did not ask for`);
        socket.pause();
      }
      this.emit('change');
    });
    socket.on('end', () => {
      this.log.add('program', label, 'closed its side (end of stream)');
      this.ended = true;
      this.emit('change');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') {
        this.log.add('program', label, 'reset the connection');
        this.resetByPeer = true;
      } else this.log.add('note', label, `socket error: ${err.code ?? err.message}`);
      this.ended = true;
      this.emit('change');
    });
    socket.resume();
  }

  get received(): Uint8Array {
    return Buffer.concat(this.all);
  }

  async send(data: string | Uint8Array): Promise<void> {
    if (this.ended || this.socket.destroyed) {
      this.log.add('note', this.label, `could not send ${show(data)}: the connection is closed`);
      this.h.fail(`${this.label}: the program closed the connection after receiving only ${show(this.sentSoFar())}`, {
        received: this.buf.length ? show(this.buf) : undefined,
        hint: HINTS.closedEarly,
      });
    }
    this.log.add('grader', this.label, `sent ${show(data)}`);
    this.sent.push(Buffer.from(data));
    await new Promise<void>((resolve) => this.socket.write(data, () => resolve()));
  }

  private sentSoFar(): Buffer {
    return Buffer.concat(this.sent);
  }

  sendLine(text: string): Promise<void> {
    return this.send(`${text}\n`);
  }

  async sendPieces(pieces: (string | Uint8Array)[], pauseMs: number): Promise<void> {
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0) await this.h.sleep(pauseMs);
      await this.send(pieces[i]!);
    }
  }

  /** Everything received and not yet taken. */
  private get buf(): Buffer {
    if (this.chunks.length) {
      this.merged = Buffer.concat([this.merged, ...this.chunks]);
      this.chunks = [];
    }
    return this.merged;
  }

  private takeLine(): string | undefined {
    if (!this.newlineWaiting) return undefined;
    const buf = this.buf;
    const nl = buf.indexOf(0x0a);
    if (nl < 0) return undefined;
    let line = buf.subarray(0, nl);
    this.merged = buf.subarray(nl + 1);
    this.unreadBytes = this.merged.length;
    this.newlineWaiting = this.merged.includes(0x0a);
    if (this.socket.isPaused() && this.unreadBytes < MAX_UNREAD_BYTES / 2) this.socket.resume();
    if (line[line.length - 1] === 0x0d) line = line.subarray(0, -1);
    return line.toString('utf8');
  }

  async readLine(opts: { timeoutMs?: number } = {}): Promise<string | null> {
    const r = await waitFor(this, () => this.takeLine() ?? (this.ended ? null : undefined), opts.timeoutMs ?? DEFAULT_WAIT_MS);
    if (r === undefined) {
      this.h.fail(`no complete line came back on ${this.label} within ${secs(opts.timeoutMs ?? DEFAULT_WAIT_MS)}`, {
        received: this.buf.length ? `${show(this.buf)} (no "\\n" yet)` : '(nothing)',
        hint: this.buf.length ? HINTS.splitLine : HINTS.noReply,
      });
    }
    return r;
  }

  async expectLine(expected: string | RegExp, opts: { timeoutMs?: number; what?: string } = {}): Promise<string> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
    const want = opts.what ?? (typeof expected === 'string' ? show(`${expected}\n`) : `a line matching ${expected}`);
    const r = await waitFor(this, () => this.takeLine() ?? (this.ended ? null : undefined), timeoutMs);
    if (r === undefined || r === null) {
      const partial = this.buf.length > 0;
      const why = r === null ? (this.resetByPeer ? 'the connection was reset' : 'the connection was closed') : `nothing complete came within ${secs(timeoutMs)}`;
      this.h.fail(`expected ${want} on ${this.label}, but ${why}${partial ? ' after part of a line' : ''}`, {
        expected: want,
        received: partial ? `${show(this.buf)} (no "\\n")` : '(nothing)',
        hint: partial ? HINTS.splitLine : HINTS.noReply,
      });
    }
    const ok = typeof expected === 'string' ? r === expected : expected.test(r);
    if (!ok) {
      const diff = typeof expected === 'string' ? firstDifference(Buffer.from(expected), Buffer.from(r)) : null;
      this.h.fail(`${this.label}: the reply is not what was expected${diff ? ` (${diff})` : ''}`, {
        expected: want,
        received: show(`${r}\n`),
      });
    }
    return r;
  }

  async expectEnd(opts: { timeoutMs?: number; why?: string } = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
    const done = await waitFor(this, () => (this.ended ? true : undefined), timeoutMs);
    if (!done) {
      this.h.fail(`${this.label} stayed open ${secs(timeoutMs)}${opts.why ? ` ${opts.why}` : ''}`, { hint: HINTS.notClosed });
    }
  }

  halfClose(): void {
    this.log.add('grader', this.label, 'closed its sending side (FIN)');
    this.socket.end();
  }

  reset(): void {
    this.log.add('grader', this.label, 'reset the connection (RST)');
    this.socket.resetAndDestroy();
    this.ended = true;
  }

  async close(): Promise<void> {
    if (!this.socket.writableEnded && !this.socket.destroyed) this.halfClose();
    await waitFor(this, () => (this.ended ? true : undefined), 1000);
    this.socket.destroy();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

class ListenerImpl extends EventEmitter implements Listener {
  private readonly queue: Socket[] = [];

  constructor(private readonly server: Server, private readonly port: number, private readonly log: Transcript, private readonly h: GradeHarness, private readonly nextLabel: () => string) {
    super();
    server.on('connection', (s: Socket) => {
      s.pause();
      this.queue.push(s);
      this.emit('change');
    });
  }

  async accept(opts: { timeoutMs?: number; why?: string } = {}): Promise<Conn> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
    const s = await waitFor(this, () => this.queue.shift(), timeoutMs);
    if (!s) {
      this.h.fail(`no program connected to port ${this.port} within ${secs(timeoutMs)}${opts.why ? ` ${opts.why}` : ''}`, {
        hint: `Does your client connect to localhost (or 127.0.0.1) port ${this.port}?`,
      });
    }
    const label = this.nextLabel();
    this.log.add('program', label, `connected to the grader's port ${this.port}`);
    const conn = new ConnImpl(s, label, this.log, this.h);
    this.h.teardown(() => conn.destroy());
    return conn;
  }

  close(): void {
    this.server.close();
    for (const s of this.queue) s.destroy();
  }
}

class UdpPeerImpl extends EventEmitter implements UdpPeer {
  private readonly inbox: Datagram[] = [];

  constructor(private readonly socket: UdpSocket, private readonly label: string, private readonly log: Transcript, private readonly h: GradeHarness) {
    super();
    // An ICMP "port unreachable" surfaces as an error on some sends: note it, never crash the runner.
    socket.on('error', (err: NodeJS.ErrnoException) => this.log.add('note', this.label, `socket error: ${err.code ?? err.message}`));
    socket.on('message', (msg, rinfo) => {
      this.log.add('program', this.label, `datagram ${show(msg)} from port ${rinfo.port}`);
      this.inbox.push({ data: msg, text: msg.toString('utf8'), address: rinfo.address, port: rinfo.port });
      this.emit('change');
    });
  }

  get port(): number {
    return this.socket.address().port;
  }

  async send(data: string | Uint8Array, port: number, host = '127.0.0.1'): Promise<void> {
    this.log.add('grader', this.label, `datagram ${show(data)} to port ${port}`);
    await new Promise<void>((resolve, reject) => this.socket.send(data, port, host, (err) => (err ? reject(err) : resolve())));
  }

  async receive(opts: { timeoutMs?: number; what?: string } = {}): Promise<Datagram> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
    const d = await waitFor(this, () => this.inbox.shift(), timeoutMs);
    if (!d) this.h.fail(`no datagram${opts.what ? ` (${opts.what})` : ''} arrived at ${this.label} within ${secs(timeoutMs)}`, { hint: HINTS.noReply });
    return d;
  }

  async expectDatagram(expected: string | Uint8Array, opts: { timeoutMs?: number; what?: string } = {}): Promise<Datagram> {
    const d = await this.receive(opts);
    const want = typeof expected === 'string' ? Buffer.from(expected, 'utf8') : Buffer.from(expected);
    if (!want.equals(Buffer.from(d.data))) {
      const diff = firstDifference(want, d.data);
      this.h.fail(`${this.label}: the datagram is not what was expected${diff ? ` (${diff})` : ''}`, { expected: show(want), received: show(d.data) });
    }
    return d;
  }

  async reply(to: Datagram, data: string | Uint8Array): Promise<void> {
    return this.send(data, to.port, to.address);
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      /* closed */
    }
  }
}
