/**
 * A small typed WebSocket client for a served runner, used by the tests and
 * the benchmarks. It speaks the protocol as the page does: sends
 * `ClientMessage`s, records every `ServerMessage`, collects each process's
 * terminal output from the binary frames, and acknowledges output the way
 * xterm.js would (an `ack` for the bytes it has "rendered"), unless told
 * never to acknowledge (to exercise flow control).
 *
 * Not part of the runner: nothing in runner/ imports it.
 */
import { createServer as createNetServer, type AddressInfo as NetAddressInfo } from 'node:net';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import WebSocket, { type ClientOptions, type RawData } from 'ws';
import { WS_PATH } from '../../protocol/constants.ts';
import { decodeOutputFrame } from '../../protocol/frames.ts';
import { ServerMessage, type ClientMessage, type ProcInfo } from '../../protocol/messages.ts';

export interface TestClientOptions {
  /**
   * How output is acknowledged: `auto` acks every frame right after it is
   * recorded (coalesced per event-loop turn, like xterm's write callback);
   * `never` sends no ack unless `ack()` is called.
   */
  ack?: 'auto' | 'never';
  /** Keep the output bytes (default true); false only counts them (benchmarks). */
  keepOutput?: boolean;
  /** Extra ws options (origin, localAddress, headers...). */
  ws?: ClientOptions;
  /** Connect timeout in ms (default 10 s). */
  connectTimeoutMs?: number;
}

/** Output of one process as the client saw it. */
export interface ProcOutput {
  chunks: Buffer[];
  /** Bytes received (also counted when keepOutput is false). */
  bytes: number;
  /** Bytes acknowledged so far. */
  acked: number;
  /** When the first byte arrived (performance.now()). */
  firstByteAt?: number;
  /** When the latest byte arrived (performance.now()). */
  lastByteAt?: number;
}

type Waiter = () => boolean;

export class TestClient {
  /** Every server message, in order. */
  readonly messages: ServerMessage[] = [];
  /** Output per process id. */
  readonly output = new Map<number, ProcOutput>();
  /** Latest info per process id. */
  readonly procs = new Map<number, ProcInfo>();
  /** Resolves when the socket closed, with its close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Messages that did not parse as a ServerMessage (a test should expect none). */
  readonly invalid: unknown[] = [];
  ackMode: 'auto' | 'never';
  private readonly keepOutput: boolean;
  private waiters = new Set<Waiter>();
  private pendingAcks = new Map<number, number>();
  private ackScheduled = false;

  private constructor(readonly ws: WebSocket, opts: TestClientOptions) {
    this.ackMode = opts.ack ?? 'auto';
    this.keepOutput = opts.keepOutput ?? true;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      });
    });
    ws.on('message', (raw: RawData, isBinary: boolean) => this.onMessage(raw, isBinary));
    ws.on('error', () => {
      /* surfaced through `closed` */
    });
  }

  /** Connects to `url` (http://host:port or ws://host:port; /ws is added when missing). */
  static connect(url: string, opts: TestClientOptions = {}): Promise<TestClient> {
    const u = new URL(url.replace(/^http/, 'ws'));
    if (u.pathname === '/' || u.pathname === '') u.pathname = WS_PATH;
    const ws = new WebSocket(u, { perMessageDeflate: false, ...opts.ws });
    const client = new TestClient(ws, opts);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`connecting to ${u} timed out`));
      }, opts.connectTimeoutMs ?? 10_000);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(client);
      });
      ws.once('unexpected-response', (_req, res) => {
        clearTimeout(timer);
        reject(Object.assign(new Error(`upgrade refused: HTTP ${res.statusCode}`), { statusCode: res.statusCode }));
      });
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /** Sends a protocol message. */
  send(msg: ClientMessage): void {
    this.ws.send(JSON.stringify(msg));
  }

  /** Sends anything (bad JSON, binary frames) to test the runner's validation. */
  sendRaw(data: string | Buffer, binary = typeof data !== 'string'): void {
    this.ws.send(data, { binary });
  }

  /** Acknowledges `bytes` of a process's output (what xterm's write callback does). */
  ack(proc: number, bytes: number): void {
    const out = this.out(proc);
    out.acked += bytes;
    this.send({ type: 'ack', proc, bytes });
  }

  /** Acknowledges everything received and not yet acknowledged. */
  ackAll(): void {
    for (const [proc, out] of this.output) if (out.bytes > out.acked) this.ack(proc, out.bytes - out.acked);
  }

  /** Received output of one process (by id or name), decoded as UTF-8. */
  text(proc: number | string): string {
    const out = this.output.get(this.idOf(proc));
    return out ? Buffer.concat(out.chunks).toString('utf8') : '';
  }

  /** Bytes received from one process (by id or name). */
  bytes(proc: number | string): number {
    return this.output.get(this.idOf(proc))?.bytes ?? 0;
  }

  /** Latest info of the process with this name ("server", "client 1"). */
  procByName(name: string): ProcInfo | undefined {
    let found: ProcInfo | undefined;
    for (const p of this.procs.values()) if (p.name === name) found = p;
    return found;
  }

  /** Error messages received so far. */
  get errors(): Extract<ServerMessage, { type: 'error' }>[] {
    return this.messages.filter((m): m is Extract<ServerMessage, { type: 'error' }> => m.type === 'error');
  }

  /**
   * Resolves with the first message (already received or arriving later,
   * from index `from` on) that matches; rejects after `timeoutMs`.
   */
  waitFor<T extends ServerMessage = ServerMessage>(
    predicate: (m: ServerMessage) => boolean,
    timeoutMs = 10_000,
    from = 0,
  ): Promise<T> {
    let i = from;
    return this.until(() => {
      for (; i < this.messages.length; i++) if (predicate(this.messages[i]!)) return this.messages[i] as T;
      return undefined;
    }, timeoutMs, 'a matching message');
  }

  /** Waits for a process message matching `predicate` (e.g. a state). */
  waitForProc(predicate: (p: ProcInfo) => boolean, timeoutMs = 10_000, from = 0): Promise<ProcInfo> {
    return this.waitFor<Extract<ServerMessage, { type: 'proc' }>>((m) => m.type === 'proc' && predicate(m.proc), timeoutMs, from).then((m) => m.proc);
  }

  /** Waits for an error message with this code. */
  waitForError(code: string, timeoutMs = 5000, from = 0): Promise<Extract<ServerMessage, { type: 'error' }>> {
    return this.waitFor((m) => m.type === 'error' && m.code === code, timeoutMs, from);
  }

  /** Waits until a process's output (by id or name) matches `pattern`; resolves with the match. */
  waitForOutput(proc: number | string, pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    return this.until(() => {
      const id = this.idOf(proc);
      return id ? this.text(id).match(pattern) ?? undefined : undefined;
    }, timeoutMs, `output of ${proc} matching ${pattern}`);
  }

  /** Waits until `check` returns something other than undefined/false. */
  until<T>(check: () => T | undefined | false, timeoutMs: number, what = 'a condition'): Promise<T> {
    return new Promise((resolve, reject) => {
      const first = check();
      if (first !== undefined && first !== false) return resolve(first);
      const waiter: Waiter = () => {
        const v = check();
        if (v !== undefined && v !== false) {
          done();
          resolve(v);
          return true;
        }
        if (this.ws.readyState === WebSocket.CLOSED) {
          done();
          reject(new Error(`the socket closed while waiting for ${what}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last messages: ${JSON.stringify(this.messages.slice(-5))}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
    });
  }

  /** Closes the socket (the runner then ends the session) and waits for the close. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close(1000);
    const timer = setTimeout(() => this.ws.terminate(), 2000);
    await this.closed;
    clearTimeout(timer);
  }

  private idOf(proc: number | string): number {
    return typeof proc === 'number' ? proc : this.procByName(proc)?.id ?? 0;
  }

  private out(proc: number): ProcOutput {
    let out = this.output.get(proc);
    if (!out) this.output.set(proc, (out = { chunks: [], bytes: 0, acked: 0 }));
    return out;
  }

  private onMessage(raw: RawData, isBinary: boolean): void {
    const buf = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    if (isBinary) {
      const frame = decodeOutputFrame(buf);
      if (!frame) {
        this.invalid.push(buf);
        return;
      }
      const now = performance.now();
      const out = this.out(frame.proc);
      out.firstByteAt ??= now;
      out.lastByteAt = now;
      out.bytes += frame.data.length;
      if (this.keepOutput) out.chunks.push(Buffer.from(frame.data));
      if (this.ackMode === 'auto') this.scheduleAck(frame.proc, frame.data.length);
    } else {
      let msg: ServerMessage;
      try {
        const parsed = ServerMessage.safeParse(JSON.parse(buf.toString('utf8')));
        if (!parsed.success) {
          this.invalid.push(buf.toString('utf8'));
          return;
        }
        msg = parsed.data;
      } catch {
        this.invalid.push(buf.toString('utf8'));
        return;
      }
      this.messages.push(msg);
      if (msg.type === 'proc') {
        // A process (re)starting begins a new life: its id may be reused by a
        // later run, so its old output is dropped, as a fresh terminal would be.
        if (msg.proc.state === 'starting') {
          this.output.delete(msg.proc.id);
          this.pendingAcks.delete(msg.proc.id);
        }
        this.procs.set(msg.proc.id, msg.proc);
      }
    }
    this.wake();
  }

  /** xterm acknowledges after parsing a write; batch the acks of one event-loop turn. */
  private scheduleAck(proc: number, bytes: number): void {
    this.pendingAcks.set(proc, (this.pendingAcks.get(proc) ?? 0) + bytes);
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    setImmediate(() => {
      this.ackScheduled = false;
      const acks = [...this.pendingAcks];
      this.pendingAcks.clear();
      if (this.ws.readyState !== WebSocket.OPEN || this.ackMode !== 'auto') return;
      for (const [p, n] of acks) this.ack(p, n);
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

/* ---- /proc helpers shared by the tests and the benchmarks (Linux only) ---- */

/** One process as /proc shows it. */
export interface ProcEntry {
  pid: number;
  ppid: number;
  /** Real uid. */
  uid: number;
  name: string;
  /** Start time in clock ticks since boot: with the pid, identifies the process even if the pid is reused. */
  start: number;
  /** Network namespace, e.g. "net:[4026532001]" ("" when unreadable). */
  netns: string;
  /** Process state letter (R, S, Z...). */
  state: string;
}

/** Reads one process; null when it has gone. */
export function readProc(pid: number): ProcEntry | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '';
    // Fields after the command name (which may hold spaces or parentheses).
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let netns = '';
    try {
      netns = readlinkSync(`/proc/${pid}/ns/net`);
    } catch {
      /* a zombie, or not ours to read */
    }
    return {
      pid,
      ppid: Number(field('PPid')),
      uid: Number(field('Uid').split(/\s+/)[0]),
      name: field('Name'),
      start: Number(rest[19]),
      netns,
      state: rest[0] ?? '?',
    };
  } catch {
    return null;
  }
}

/** Every process visible right now. */
export function listProcs(): ProcEntry[] {
  const out: ProcEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProc(Number(name));
    if (p) out.push(p);
  }
  return out;
}

/** Every descendant of `root` (not `root` itself), from one snapshot. */
export function descendantsOf(root: number, procs: ProcEntry[] = listProcs()): ProcEntry[] {
  const children = new Map<number, ProcEntry[]>();
  for (const p of procs) {
    const list = children.get(p.ppid) ?? [];
    list.push(p);
    children.set(p.ppid, list);
  }
  const out: ProcEntry[] = [];
  const stack = [root];
  while (stack.length) {
    for (const c of children.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c.pid);
    }
  }
  return out;
}

/** Whether this exact process (pid and start time) still exists and is not a zombie. */
export function stillRunning(p: Pick<ProcEntry, 'pid' | 'start'>): boolean {
  const now = readProc(p.pid);
  return now !== null && now.start === p.start && now.state !== 'Z';
}

/** Proportional set size of a process in bytes (0 when it has gone). */
export function pssBytes(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident set size of a process in bytes (0 when it has gone). */
export function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as NetAddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}
