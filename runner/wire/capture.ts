/**
 * One session's wire view: runs the packet reader (runner/sandbox/capture.c)
 * in the session's namespaces, turns its records into the protocol's
 * WirePackets (relative numbers, each end named after its owner) and hands
 * them on in batches, one per `wireBatchMs`. A flood is summarised: the
 * reader writes at most `wirePacketsPerSecond` records a second and a batch
 * holds at most WIRE_BATCH_MAX packets; the rest are only counted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { WirePacket } from '../../protocol/messages.ts';
import type { Limits } from '../limits.ts';
import { parseReady, parseRecord, parseSeen, type RawPacket } from './records.ts';
import { TcpNumbers } from './tcp-numbers.ts';

/** The protocol's bound on packets in one `wire` message. */
const WIRE_BATCH_MAX = 512;
/** How long the reader may take to open its socket. */
const READY_TIMEOUT_MS = 5000;
/** The TCP flags by bit, in the order Wireshark names them, ACK last ("SYN+ACK", "PSH+ACK"): every view joins them as they come. */
const FLAG_NAMES = [[2, 'SYN'], [1, 'FIN'], [4, 'RST'], [8, 'PSH'], [32, 'URG'], [16, 'ACK']] as const;

export interface WireCaptureOptions {
  /** The reader's command (Sandbox.captureCommand). */
  command: string[];
  limits: Limits;
  /**
   * The owners' names of the session's sockets, keyed by ownerKey(protocol,
   * port), and the names of all the session's programs: an end whose socket
   * was gone before it could be looked up (a client that connects, sends and
   * exits within milliseconds) is named by elimination when only one program
   * of the session is not its peer's owner.
   */
  owners(): Promise<{ byPort: Map<string, string>; programs: string[] }>;
  /** One batch of packets and the count of packets seen but not in any batch since the last one. */
  onBatch(packets: WirePacket[], dropped: number): void;
}

/** The key of a socket end in the owners map. */
export function ownerKey(protocol: 'tcp' | 'udp', port: number): string {
  return `${protocol}:${port}`;
}

/** A running capture; stop() ends it. */
export class WireCapture {
  /** Resolves when the reader has exited. */
  readonly exited: Promise<void>;
  /** The zero of the packets' `at`, in milliseconds since the Unix epoch (set once the reader is ready). */
  startedAt = 0;
  private readonly child: ChildProcess;
  private readonly numbers = new TcpNumbers();
  private pending: RawPacket[] = [];
  private dropped = 0;
  private lastN = -1;
  private names = new Map<string, string>();
  private programs: string[] = [];
  private refreshing: Promise<void> | null = null;
  private refreshedAt = 0;
  /** An unknown end was seen while a read was too recent: read at the next batch. */
  private wantRefresh = false;
  private readonly timer: NodeJS.Timeout;
  private stopped = false;

  private constructor(private readonly opts: WireCaptureOptions) {
    const [file, ...args] = opts.command;
    this.child = spawn(file!, [...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.once('error', () => resolve());
    });
    this.child.stdin!.on('error', () => {});
    let partial = '';
    this.child.stdout!.setEncoding('latin1');
    this.child.stdout!.on('data', (d: string) => {
      const lines = (partial + d).split('\n');
      partial = lines.pop()!.slice(-4096);
      for (const line of lines) this.take(line);
    });
    this.timer = setInterval(() => this.flush(), opts.limits.wireBatchMs);
    this.timer.unref();
    void this.exited.then(() => clearInterval(this.timer));
  }

  /** Starts the reader; resolves once it reads the session's loopback, rejects with its words if it cannot. */
  static async start(opts: WireCaptureOptions): Promise<WireCapture> {
    const capture = new WireCapture(opts);
    const child = capture.child;
    let err = '';
    let fail: (why: string) => void = () => {};
    const onError = (e: Error) => fail(e.message);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => fail(`it exited (${signal ?? code})`);
    child.stderr!.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-2000); });
    await new Promise<void>((resolve, reject) => {
      fail = (why: string) => {
        clearTimeout(timer);
        void capture.stop();
        reject(new Error(`the packet reader did not start: ${why}${err.trim() ? ` (${err.trim()})` : ''}`));
      };
      const timer = setTimeout(() => fail('timed out'), READY_TIMEOUT_MS);
      const onData = (d: string) => {
        const started = parseReady(d.split('\n', 1)[0]!);
        if (started === null) return;
        capture.startedAt = started;
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve();
      };
      child.stdout!.on('data', onData);
      child.once('error', onError);
      child.once('exit', onExit);
    });
    // Only these two: `exited` listens for the same events and must still hear them.
    child.off('error', onError);
    child.off('exit', onExit);
    return capture;
  }

  /** Host pid of the reader's outermost process (for tests: it must be gone after stop). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Ends the reader (closing its stdin, then by pid) and sends what was already seen. */
  async stop(): Promise<void> {
    if (this.stopped) return this.exited;
    this.stopped = true;
    clearInterval(this.timer);
    this.child.stdin!.end();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  /**
   * Ends the reader and hands over every packet it saw, in one last batch:
   * its stdin closes, it exits after what it already wrote, and the ends
   * still unnamed are looked up once more. A check's capture ends this way,
   * so the reset that ended the check is in its packets.
   */
  async finish(): Promise<void> {
    if (this.stopped) return this.exited;
    const child = this.child;
    const drained = new Promise<void>((resolve) => {
      if (child.stdout!.readableEnded || child.stdout!.destroyed) resolve();
      else child.stdout!.once('close', () => resolve());
    });
    child.stdin!.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([drained, new Promise<void>((resolve) => (timer = setTimeout(resolve, READY_TIMEOUT_MS)))]);
    clearTimeout(timer);
    if (this.wantRefresh) {
      this.refreshedAt = 0;
      this.refreshOwners();
    }
    await this.refreshing;
    this.flush();
    await this.stop();
  }

  private take(line: string): void {
    if (this.stopped) return;
    const seen = parseSeen(line);
    if (seen !== null) {
      if (seen > this.lastN + 1) this.dropped += seen - this.lastN - 1;
      this.lastN = Math.max(this.lastN, seen - 1);
      return;
    }
    const p = parseRecord(line);
    if (!p) return;
    if (p.n > this.lastN + 1) this.dropped += p.n - this.lastN - 1;
    this.lastN = Math.max(this.lastN, p.n);
    if (this.pending.length >= WIRE_BATCH_MAX) {
      this.dropped++;
      return;
    }
    this.pending.push(p);
    if (!this.names.has(ownerKey(p.protocol, p.sport)) || !this.names.has(ownerKey(p.protocol, p.dport))) this.refreshOwners();
  }

  /** Reads the owners again (a new socket appeared), at most once per batch. */
  private refreshOwners(): void {
    if (this.refreshing) return;
    if (Date.now() - this.refreshedAt < this.opts.limits.wireBatchMs) {
      this.wantRefresh = true;
      return;
    }
    this.wantRefresh = false;
    this.refreshing = this.opts
      .owners()
      .then(({ byPort, programs }) => {
        // Ends that closed since keep the name they had.
        for (const [k, v] of byPort) this.names.set(k, v);
        this.programs = programs;
      })
      .catch(() => {})
      .finally(() => {
        this.refreshing = null;
        this.refreshedAt = Date.now();
      });
  }

  private flush(): void {
    if (this.wantRefresh) this.refreshOwners();
    // Names first: a batch waits (once) for a socket table read in flight.
    if (this.refreshing && this.pending.length < WIRE_BATCH_MAX) return;
    if (this.pending.length === 0 && this.dropped === 0) return;
    const packets = this.pending.map((p) => this.toWire(p));
    const dropped = this.dropped;
    this.pending = [];
    this.dropped = 0;
    this.opts.onBatch(packets, dropped);
  }

  private toWire(p: RawPacket): WirePacket {
    const end = (addr: string, port: number, peer: number) => {
      let owner = this.names.get(ownerKey(p.protocol, port));
      const peerOwner = this.names.get(ownerKey(p.protocol, peer));
      if (!owner && peerOwner) {
        const others = this.programs.filter((name) => name !== peerOwner);
        if (others.length === 1) owner = others[0];
      }
      return { addr, port, ...(owner ? { owner } : {}) };
    };
    const out: WirePacket = {
      n: p.n,
      at: p.atUs / 1000,
      protocol: p.protocol,
      src: end(p.src, p.sport, p.dport),
      dst: end(p.dst, p.dport, p.sport),
      len: p.len,
      ...(p.head.length ? { head: p.head.toString('base64') } : {}),
    };
    if (p.tcp) {
      const tcp = { ...p, tcp: p.tcp };
      Object.assign(out, { flags: FLAG_NAMES.filter(([bit]) => (p.tcp!.flags & bit) !== 0).map(([, name]) => name) }, this.numbers.relate(tcp));
    }
    return out;
  }
}
