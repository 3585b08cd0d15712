/**
 * TCP numbers as a person reads them: sequence and acknowledgement numbers
 * relative to each direction's first sequence number (its SYN's when seen,
 * as Wireshark shows them), and the advertised window in bytes.
 */
import type { RawPacket } from './records.ts';

interface Direction {
  /** The first sequence number seen (the SYN's when seen). */
  base: number;
  /** The window scale option this end sent in its SYN, -1 when it sent none or its SYN was not seen. */
  wscale: number;
  /** Whether this end's SYN was seen (a SYN's own window is never scaled). */
  sawSyn: boolean;
}

const SYN = 2;

/** Remembers every TCP connection's directions seen so far in one capture. */
export class TcpNumbers {
  private readonly dirs = new Map<string, Direction>();

  /** The packet's relative seq and ack and its window in bytes. */
  relate(p: RawPacket & { tcp: NonNullable<RawPacket['tcp']> }): { seq: number; ack: number; win: number } {
    const key = `${p.src} ${p.sport} ${p.dst} ${p.dport}`;
    const back = this.dirs.get(`${p.dst} ${p.dport} ${p.src} ${p.sport}`);
    const syn = (p.tcp.flags & SYN) !== 0;
    let me = this.dirs.get(key);
    if (!me || syn) {
      // A new SYN on a known 4-tuple is a new connection (the port was reused).
      me = { base: p.tcp.seq, wscale: syn ? p.tcp.wscale : -1, sawSyn: syn };
      this.dirs.set(key, me);
    }
    // RFC 7323: windows are scaled only when both ends offered the option, and never in a SYN.
    const scaled = !syn && me.sawSyn && me.wscale >= 0 && back?.sawSyn === true && back.wscale >= 0;
    return {
      seq: (p.tcp.seq - me.base) >>> 0,
      ack: back ? (p.tcp.ack - back.base) >>> 0 : p.tcp.ack,
      win: scaled ? p.tcp.win * 2 ** Math.min(me.wscale, 14) : p.tcp.win,
    };
  }
}
