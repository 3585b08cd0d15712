/**
 * The harness a check runs with: one fresh sandbox holding the student's
 * files (and the reference solution for the other roles), real sockets into
 * it, real terminals for the programs, and a transcript of everything. The
 * transports live in harness/: programs, TCP, UDP, and the real cause of a
 * failure.
 */
import type { Socket } from 'node:net';
import type { Language } from '../../protocol/messages.ts';
import { LANGUAGES } from '../languages.ts';
import type { Lab } from '../labs/load.ts';
import type { Limits } from '../limits.ts';
import type { Sandbox } from '../sandbox/index.ts';
import { socketInodes } from '../sandbox/procfs.ts';
import { waitUntilBound } from '../sandbox/wait-bound.ts';
import { ownerKey } from '../wire/capture.ts';
import type { Conn, FailureDetails, Harness, Listener, Messages, Program, UdpPeer, WebPage } from './api.ts';
import { fill, type Locale } from './i18n.ts';
import { graderSay, roleName, type GraderSay } from './messages.ts';
import { explain, exitFailure, type Failure } from './harness/cause.ts';
import type { GradeBrowser } from './harness/grade-browser.ts';
import { openPage } from './harness/page.ts';
import { ProgramImpl, surelyBlocked } from './harness/program.ts';
import { ConnImpl, ListenerImpl } from './harness/tcp.ts';
import { UdpPeerImpl } from './harness/udp.ts';
import { CheckFailure, secs, type CheckScope, type ConnEnds } from './harness/wait.ts';
import { Transcript } from './transcript.ts';

export { CheckFailure } from './harness/wait.ts';
export type { Failure } from './harness/cause.ts';

export interface HarnessContext {
  lab: Lab;
  lang: Language;
  /** The role whose student program is under test. */
  role: string;
  sandbox: Sandbox;
  limits: Limits;
  /** The student's language: every word of the check is in it (default English). */
  locale?: Locale;
  /** The lab's own words, if it has them. */
  messages?: Messages;
  /** Names of the files the student sent (the sandbox also holds the reference's others). */
  studentFiles?: readonly string[];
  /** How to start a program file otherwise than its language's command (a Java program compiled for the grade). */
  commands?: ReadonlyMap<string, string[]>;
  /** The grade's Chromium, for h.openPage (the engine gives every check of a grade the same one). */
  browser?: GradeBrowser;
}

export class GradeHarness implements Harness, CheckScope {
  readonly transcript = new Transcript();
  readonly programs: ProgramImpl[] = [];
  private readonly teardowns: (() => void | Promise<void>)[] = [];
  private conns = 0;
  /** Label of each grader connection by its local port, to name a connection the socket table shows. */
  private readonly connLabels = new Map<number, string>();
  /** Label of each grader UDP socket by its local port, to name its end in the check's packets. */
  private readonly udpLabels = new Map<number, string>();
  private pageOpened = false;
  /** Set once the check is over: a check that timed out but still runs can start nothing more. */
  private disposed = false;
  private abortWith: (failure: CheckFailure) => void = () => {};
  /** Rejects when a socket of the check is flooded (see `abort`); the engine races the check against it. */
  readonly aborted = new Promise<never>((_, reject) => {
    this.abortWith = reject;
  });

  readonly say: GraderSay;

  constructor(private readonly ctx: HarnessContext) {
    this.aborted.catch(() => {}); // only the engine's race reports it
    this.say = graderSay(ctx.locale ?? 'en');
  }

  t(key: string, ...[params]: [Readonly<Record<string, string | number>>?]): string {
    const template = (this.ctx.messages?.[this.ctx.locale ?? 'en'] as Readonly<Record<string, string>> | undefined)?.[key];
    if (template === undefined) throw new Error(`checks.ts: lab ${this.ctx.lab.folder} has no message "${key}" in its messages.ts`);
    return fill(template, params);
  }

  private assertLive(): void {
    if (this.disposed) throw new CheckFailure('the check is over');
  }

  get locale(): Locale {
    return this.ctx.locale ?? 'en';
  }

  get lang(): string {
    return this.ctx.lang;
  }

  get ports(): readonly { port: number; protocol: 'tcp' | 'udp' }[] {
    return this.ctx.lab.meta.ports;
  }

  get port(): number {
    const first = this.ctx.lab.meta.ports[0];
    if (!first) throw new Error(`checks.ts: lab ${this.ctx.lab.folder} lists no ports in its frontmatter`);
    return first.port;
  }

  async start(role: string, opts: { waitReady?: boolean } = {}): Promise<Program> {
    this.assertLive();
    const spec = this.ctx.lab.meta.processes.find((p) => p.role === role);
    if (!spec) throw new Error(`checks.ts: the lab has no process with role "${role}"`);
    const lang = LANGUAGES[this.ctx.lang];
    const file = lang.fileFor(role);
    const student = role === this.ctx.role;
    const n = this.programs.filter((p) => p.role === role).length + 1;
    const name = this.say(student ? 'program.yours' : 'program.reference', { role: roleName(this.say, role), n: n > 1 ? ` ${n}` : '' });
    const argv = this.ctx.commands?.get(file) ?? lang.command(file);
    const program = new ProgramImpl(name, role, student, spec.ready, this.ctx.sandbox, argv, this.ctx.limits, this.transcript, this);
    this.programs.push(program);
    this.transcript.add('note', name, this.say('log.started', { command: lang.shown(file) }));
    if (spec.ready && opts.waitReady !== false) {
      const { port, protocol } = spec.ready;
      const tcp = protocol === 'tcp';
      const result = await waitUntilBound(this.ctx.sandbox, port, protocol, { timeoutMs: this.ctx.limits.readyTimeoutMs, stop: () => program.exited });
      if (result === 'stopped') throw exitFailure(this.say, program, this.transcript, this.say(tcp ? 'ready.beforeListen' : 'ready.beforeBind', { port, protocol }));
      if (result === 'timeout') {
        this.fail(this.say(tcp ? 'ready.noListen' : 'ready.noBind', { program: name, port, protocol, time: secs(this.say, this.ctx.limits.readyTimeoutMs) }), {
          hint: this.say(tcp ? 'hint.bindListen' : 'hint.bind', { port }),
        });
      }
      program.boundOnce = true;
      this.transcript.add('note', name, this.say(tcp ? 'log.listening' : 'log.bound', { port, protocol }));
    }
    return program;
  }

  async connect(port: number, opts: { host?: '127.0.0.1' | '::1'; label?: string } = {}): Promise<Conn> {
    this.assertLive();
    const label = opts.label ?? `tcp#${++this.conns}`;
    const socket = await this.open(port, opts.host ?? '127.0.0.1', label);
    const conn = new ConnImpl(socket, label, this.transcript, this);
    this.teardown(() => conn.destroy());
    return conn;
  }

  async socket(port: number, opts: { host?: '127.0.0.1' | '::1'; label?: string } = {}): Promise<Socket> {
    const socket = await this.open(port, opts.host ?? '127.0.0.1', opts.label ?? `tcp#${++this.conns}`);
    socket.on('error', () => socket.destroy());
    this.teardown(() => { socket.destroy(); });
    return socket;
  }

  /** Connects to `port` in the sandbox, or fails the check saying why not. */
  private async open(port: number, host: '127.0.0.1' | '::1', label: string): Promise<Socket> {
    this.assertLive();
    this.transcript.add('grader', label, this.say('log.connect', { address: `${host}:${port}` }));
    try {
      const socket = await this.ctx.sandbox.connectTcp(port, host);
      if (socket.localPort) this.connLabels.set(socket.localPort, label);
      return socket;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      this.transcript.add('note', label, this.say('log.connectFailed', { error: code ?? (err as Error).message }));
      if (code === 'ETIMEDOUT') {
        this.fail(this.say('connect.timedOut', { port }), { hint: this.say('hint.notAccepting') });
      }
      const message = code === 'ECONNREFUSED' ? this.say('connect.refused', { port }) : this.say('connect.error', { port, error: (err as Error).message });
      this.fail(message, { hint: this.say('hint.refused', { port }) });
    }
  }

  async udp(opts: { label?: string } = {}): Promise<UdpPeer> {
    this.assertLive();
    const socket = await this.ctx.sandbox.openUdp('udp4');
    const label = opts.label ?? `udp#${++this.conns}`;
    const peer = new UdpPeerImpl(socket, label, this.transcript, this);
    this.udpLabels.set(socket.address().port, label);
    this.teardown(() => peer.close());
    return peer;
  }

  async lose(percent: number): Promise<void> {
    this.assertLive();
    const loss = this.ctx.lab.meta.network?.loss;
    if (!loss) throw new Error(`h.lose(): lab ${this.ctx.lab.meta.id} has no network.loss in its frontmatter`);
    await this.ctx.sandbox.setLoss({ port: loss.port, proto: loss.protocol, percent });
    this.transcript.add('note', this.say('log.network'), this.say('log.loss', { percent, port: `${loss.port}/${loss.protocol}` }));
  }

  async udpServer(port: number): Promise<UdpPeer> {
    this.assertLive();
    const socket = await this.ctx.sandbox.bindUdp(port);
    const peer = new UdpPeerImpl(socket, this.say('log.graderUdp', { port }), this.transcript, this);
    this.teardown(() => peer.close());
    return peer;
  }

  async listen(port: number): Promise<Listener> {
    this.assertLive();
    const server = await this.ctx.sandbox.listenTcp(port);
    const listener = new ListenerImpl(server, port, this.transcript, this, () => `tcp#${++this.conns}`);
    this.teardown(() => listener.close());
    this.transcript.add('grader', this.say('log.graderPort', { port }), this.say('log.graderListening', { port }));
    return listener;
  }

  async openPage(port: number, opts: { path?: string } = {}): Promise<WebPage> {
    this.assertLive();
    // One page, one proxy, one story of the page in the transcript: a check of two pages would mix them.
    if (this.pageOpened) throw new Error(`checks.ts: a check opens one page (h.openPage) at most; lab ${this.ctx.lab.folder} opened a second`);
    if (!this.ctx.browser) throw new Error('h.openPage: this harness was made without the grade\'s browser');
    this.pageOpened = true;
    const ctx = { sandbox: this.ctx.sandbox, browser: this.ctx.browser, say: this.say, transcript: this.transcript, teardown: (fn: () => void | Promise<void>) => this.teardown(fn), live: () => !this.disposed };
    return openPage(ctx, port, opts.path ?? '/');
  }

  submitted(name: string): boolean {
    return this.ctx.studentFiles?.includes(name) ?? false;
  }

  note(text: string): void {
    this.transcript.add('note', this.say('log.grader'), text);
  }

  fail(message: string, details: FailureDetails = {}): never {
    throw new CheckFailure(message, details);
  }

  abort(failure: CheckFailure): void {
    this.abortWith(failure);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }

  async peerState(ends: ConnEnds): Promise<{ state: 'busy' | 'idle' | 'closed'; programEnd?: number }> {
    const { local, remote, open } = ends;
    // Both ends live in the sandbox's namespace: the grader's and the program's.
    const table = (await this.ctx.sandbox.sockets()).filter((s) => s.protocol === 'tcp');
    const own = table.find((s) => s.localPort === local && s.remotePort === remote);
    const peer = table.find((s) => s.localPort === remote && s.remotePort === local);
    const programEnd = peer?.inode || undefined;
    const state = async (): Promise<'busy' | 'idle' | 'closed'> => {
      if (open) {
        // The program closed or reset its end (the grader's end waits in CLOSE_WAIT, or is gone).
        if (!own || own.state !== 'ESTABLISHED') return 'closed';
        if (own.recvQueue > 0) return 'busy';
      } else if (peer?.state === 'ESTABLISHED') {
        return 'busy'; // the grader's close or reset has yet to reach the program's end
      }
      // Bytes in flight either way (a write to a departed client's end waits for its reset), or a connection its server has yet to accept.
      if ((own?.sendQueue ?? 0) > 0 || (peer?.sendQueue ?? 0) > 0 || (peer?.state === 'ESTABLISHED' && peer.recvQueue > 0)) return 'busy';
      if (table.some((s) => s.state === 'LISTEN' && s.localPort === remote && s.recvQueue > 0)) return 'busy';
      const running = this.programs.filter((p) => !p.exited);
      for (const p of running) if (await p.onCpu()) return 'busy';
      // A reset end is gone from the table at once; the program is done with
      // it once it has closed it. A program that dies of the reset holds it
      // until its exit, which can sleep a moment (threads joined): not idle.
      if (!open && !peer && ends.programEnd) {
        for (const p of running) if ((await p.socketInodes()).includes(ends.programEnd)) return 'busy';
      }
      return 'idle';
    };
    return { state: await state(), programEnd };
  }

  async waitsToBeAccepted(ends: ConnEnds): Promise<boolean> {
    const table = (await this.ctx.sandbox.sockets()).filter((s) => s.protocol === 'tcp');
    const own = table.find((s) => s.localPort === ends.local && s.remotePort === ends.remote);
    const peer = table.find((s) => s.localPort === ends.remote && s.remotePort === ends.local);
    // A connection in the accept queue has no file yet, so no inode; with
    // the queue full, the program's end is still a SYN_RECV request (the
    // grader's end is established all the same).
    return own?.state === 'ESTABLISHED' && peer !== undefined && peer.inode === 0 && (peer.state === 'ESTABLISHED' || peer.state === 'SYN_RECV');
  }

  async programsCpuMs(): Promise<number> {
    let ms = 0;
    for (const p of this.programs) if (!p.exited) ms += await p.cpuMs();
    return ms;
  }

  async programsBlocked(): Promise<{ program: string; call: string } | undefined> {
    const running = this.programs.filter((p) => !p.exited);
    if (!running.length) return undefined;
    // Every program looked at, each time: each keeps how long it has been quiet.
    const looks = await Promise.all(running.map((p) => p.blockedFor()));
    if (!looks.every((b) => surelyBlocked(b))) return undefined;
    return { program: running[0]!.name, call: looks[0]!.calls };
  }

  teardown(fn: () => void | Promise<void>): void {
    this.teardowns.push(fn);
  }

  /** The failure with its real cause in front (see harness/cause.ts); call before `dispose`, while the programs still run. */
  explain(failure: (Failure & { namesCause?: boolean }) | null): Promise<Failure | null> {
    return explain(failure, { say: this.say, programs: this.programs, log: this.transcript, sandbox: this.ctx.sandbox, connLabel: (port) => this.connLabels.get(port) });
  }

  /**
   * Each socket end's owner for the check's packets (see check-wire.ts), by
   * ownerKey: a program's by its name ("your server"), the grader's by its
   * word and the connection's label ("grader tcp#2", as the transcript calls
   * it); and the names of the check's programs.
   */
  async wireOwners(): Promise<{ byPort: Map<string, string>; programs: string[] }> {
    const grader = this.say('log.grader');
    const byPort = new Map<string, string>();
    // The grader's connections by their labels, even once closed (the last look comes after the teardown).
    for (const [port, label] of this.connLabels) byPort.set(ownerKey('tcp', port), `${grader} ${label}`);
    for (const [port, label] of this.udpLabels) byPort.set(ownerKey('udp', port), `${grader} ${label}`);
    const table = await this.ctx.sandbox.sockets();
    const held = new Map<number, string>();
    await Promise.all(this.programs.map(async (p) => { for (const inode of await p.socketInodes()) held.set(inode, p.name); }));
    // The grader's other sockets (its servers) are the runner's own: the agent hands each one over and closes its copy.
    const graders = new Set(await socketInodes(process.pid));
    for (const s of table) {
      const key = ownerKey(s.protocol, s.localPort);
      if (!s.inode || byPort.has(key)) continue;
      const name = held.get(s.inode) ?? (graders.has(s.inode) ? grader : undefined);
      if (name) byPort.set(key, name);
    }
    return { byPort, programs: this.programs.map((p) => p.name) };
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
