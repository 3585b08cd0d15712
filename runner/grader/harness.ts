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
import { waitUntilBound } from '../sandbox/wait-bound.ts';
import type { Conn, FailureDetails, Harness, Listener, Program, UdpPeer } from './api.ts';
import { HINTS } from './hints.ts';
import { explain, exitFailure, type Failure } from './harness/cause.ts';
import { ProgramImpl } from './harness/program.ts';
import { ConnImpl, ListenerImpl } from './harness/tcp.ts';
import { UdpPeerImpl } from './harness/udp.ts';
import { CheckFailure, secs, type CheckScope } from './harness/wait.ts';
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
}

export class GradeHarness implements Harness, CheckScope {
  readonly transcript = new Transcript();
  readonly programs: ProgramImpl[] = [];
  private readonly teardowns: (() => void | Promise<void>)[] = [];
  private conns = 0;
  /** Label of each grader connection by its local port, to name a connection the socket table shows. */
  private readonly connLabels = new Map<number, string>();
  /** Set once the check is over: a check that timed out but still runs can start nothing more. */
  private disposed = false;
  private abortWith: (failure: CheckFailure) => void = () => {};
  /** Rejects when a socket of the check is flooded (see `abort`); the engine races the check against it. */
  readonly aborted = new Promise<never>((_, reject) => {
    this.abortWith = reject;
  });

  constructor(private readonly ctx: HarnessContext) {
    this.aborted.catch(() => {}); // only the engine's race reports it
  }

  private assertLive(): void {
    if (this.disposed) throw new CheckFailure('the check is over');
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
    const name = `${student ? 'your' : 'reference'} ${role}${n > 1 ? ` ${n}` : ''}`;
    const program = new ProgramImpl(name, role, student, spec.ready, this.ctx.sandbox, lang.command(file), this.ctx.limits, this.transcript, this);
    this.programs.push(program);
    this.transcript.add('note', name, `started: ${lang.command(file).join(' ')}`);
    if (spec.ready && opts.waitReady !== false) {
      const { port, protocol } = spec.ready;
      const listen = protocol === 'tcp' ? 'listened on' : 'bound';
      const result = await waitUntilBound(this.ctx.sandbox, port, protocol, { timeoutMs: this.ctx.limits.readyTimeoutMs, stop: () => program.exited });
      if (result === 'stopped') throw exitFailure(program, this.transcript, `before it ${listen} port ${port}/${protocol}`);
      if (result === 'timeout') {
        this.fail(`${name} did not ${protocol === 'tcp' ? 'listen on' : 'bind'} port ${port}/${protocol} within ${secs(this.ctx.limits.readyTimeoutMs)}`, {
          hint: `Does it bind port ${port} (on '' or 0.0.0.0)${protocol === 'tcp' ? ' and call listen()' : ''}?`,
        });
      }
      this.transcript.add('note', name, `${protocol === 'tcp' ? 'listening on' : 'bound to'} port ${port}/${protocol}`);
    }
    return program;
  }

  async connect(port: number, opts: { host?: '127.0.0.1' | '::1'; label?: string } = {}): Promise<Conn> {
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
    this.transcript.add('grader', label, `connect to ${host}:${port}`);
    try {
      const socket = await this.ctx.sandbox.connectTcp(port, host);
      if (socket.localPort) this.connLabels.set(socket.localPort, label);
      return socket;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      this.transcript.add('note', label, `connection failed: ${code ?? (err as Error).message}`);
      if (code === 'ETIMEDOUT') {
        this.fail(`could not connect to port ${port}: the connection timed out (no answer, not even a refusal)`, { hint: HINTS.notAccepting });
      }
      this.fail(`could not connect to port ${port}: ${code === 'ECONNREFUSED' ? 'connection refused' : (err as Error).message}`, { hint: HINTS.refused(port) });
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

  abort(failure: CheckFailure): void {
    this.abortWith(failure);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }

  teardown(fn: () => void | Promise<void>): void {
    this.teardowns.push(fn);
  }

  /** The failure with its real cause in front (see harness/cause.ts); call before `dispose`, while the programs still run. */
  explain(failure: (Failure & { namesCause?: boolean }) | null): Promise<Failure | null> {
    return explain(failure, { programs: this.programs, log: this.transcript, sandbox: this.ctx.sandbox, connLabel: (port) => this.connLabels.get(port) });
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
