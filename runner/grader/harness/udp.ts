/**
 * The grader's UDP sockets: a peer on an ephemeral port (to talk to a
 * student's server) or a server on the lab's port (to test a client).
 */
import { EventEmitter } from 'node:events';
import type { Socket as UdpSocket } from 'node:dgram';
import type { Datagram, UdpPeer } from '../api.ts';
import { firstDifference, show, type Transcript } from '../transcript.ts';
import { CheckFailure, DEFAULT_WAIT_MS, secs, waitFor, type CheckScope } from './wait.ts';

/** Datagrams a grader socket holds unread: a program that floods it fails the check instead of filling the runner's memory. */
export const MAX_INBOX_DATAGRAMS = 256;

export class UdpPeerImpl extends EventEmitter implements UdpPeer {
  private readonly inbox: Datagram[] = [];

  constructor(private readonly socket: UdpSocket, private readonly label: string, private readonly log: Transcript, private readonly h: CheckScope) {
    super();
    // An ICMP "port unreachable" surfaces as an error on some sends: note it, never crash the runner.
    socket.on('error', (err: NodeJS.ErrnoException) => this.log.add('note', this.label, h.say('log.socketError', { error: err.code ?? err.message })));
    socket.on('message', (msg, rinfo) => {
      if (this.inbox.length >= MAX_INBOX_DATAGRAMS) return this.flooded();
      if (!this.log.full) this.log.add('program', this.label, h.say('log.datagramFrom', { bytes: show(msg, h.say), port: rinfo.port }));
      this.inbox.push({ data: msg, text: msg.toString('utf8'), address: rinfo.address, port: rinfo.port });
      this.emit('change');
    });
  }

  private flooded(): void {
    this.log.add('note', this.label, this.h.say('log.floodUdp', { max: MAX_INBOX_DATAGRAMS }));
    this.close();
    this.h.abort(
      new CheckFailure(this.h.say('udp.flood', { max: MAX_INBOX_DATAGRAMS, label: this.label }), {
        expected: this.h.say('udp.onePerMessage'),
        received: this.h.say('udp.overDatagrams', { max: MAX_INBOX_DATAGRAMS }),
        hint: this.h.say('hint.flood'),
      }, true), // the flood is the cause
    );
  }

  get port(): number {
    return this.socket.address().port;
  }

  async send(data: string | Uint8Array, port: number, host = '127.0.0.1'): Promise<void> {
    if (!this.log.full) this.log.add('grader', this.label, this.h.say('log.datagramTo', { bytes: show(data, this.h.say), port }));
    await new Promise<void>((resolve, reject) => this.socket.send(data, port, host, (err) => (err ? reject(err) : resolve())));
  }

  maybeReceive(opts: { timeoutMs?: number } = {}): Promise<Datagram | undefined> {
    return waitFor(this, () => this.inbox.shift(), opts.timeoutMs ?? DEFAULT_WAIT_MS);
  }

  async receive(opts: { timeoutMs?: number; what?: string } = {}): Promise<Datagram> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
    const d = await this.maybeReceive({ timeoutMs });
    if (!d) {
      const time = secs(this.h.say, timeoutMs);
      this.h.fail(opts.what ? this.h.say('udp.noneWhat', { what: opts.what, label: this.label, time }) : this.h.say('udp.none', { label: this.label, time }), {
        received: this.h.say('nothing'),
        hint: this.h.say('hint.noReply'),
      });
    }
    return d;
  }

  async expectNothing(ms: number, opts: { message?: string; expected?: string; hint?: string; until?: Promise<unknown> } = {}): Promise<void> {
    let extra: Datagram | undefined;
    if (opts.until) {
      let over = false;
      void opts.until.then(
        () => {
          over = true;
          this.emit('change');
        },
        () => {},
      );
      // A datagram, or the end of the window (`until`, or `ms`): whichever comes first.
      extra = (await waitFor(this, () => this.inbox.shift() ?? (over ? null : undefined), ms)) ?? undefined;
      // A datagram the kernel already holds for this socket is read in the
      // event loop's next poll: look once more after it.
      if (!extra) extra = await new Promise<Datagram | undefined>((r) => setImmediate(() => setImmediate(() => r(this.inbox.shift()))));
    } else extra = await this.maybeReceive({ timeoutMs: ms });
    if (extra) {
      this.h.fail(opts.message ?? this.h.say('udp.unasked', { label: this.label }), {
        expected: opts.expected ?? this.h.say('udp.nothingMore', { ms }),
        received: show(extra.data, this.h.say),
        hint: opts.hint ?? this.h.say('hint.oneReply'),
      });
    }
  }

  async expectDatagram(expected: string | Uint8Array, opts: { timeoutMs?: number; what?: string } = {}): Promise<Datagram> {
    const d = await this.receive(opts);
    const want = typeof expected === 'string' ? Buffer.from(expected, 'utf8') : Buffer.from(expected);
    if (!want.equals(Buffer.from(d.data))) {
      const diff = firstDifference(this.h.say, want, d.data);
      this.h.fail(diff ? this.h.say('udp.wrongDiff', { label: this.label, diff }) : this.h.say('udp.wrong', { label: this.label }), {
        expected: show(want, this.h.say),
        received: show(d.data, this.h.say),
        hint: this.h.say('hint.exactBytes'),
      });
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
