/**
 * The packet reader's output (runner/sandbox/capture.c), one text line per
 * packet, fields separated by one space:
 *
 *   S start                              the reader is ready (first line); start: the
 *                                        zero of its clock, microseconds since the Unix epoch
 *   T n family at src sport dst dport flags seq ack win wscale len head
 *   U n family at src sport dst dport len head
 *   N seen                               packets seen so far (after some were left out)
 *
 * n: the packet's number among all packets seen (gaps are packets left out
 * by the reader's per-second cap); family: 4 or 6; at: microseconds since
 * the reader started, when the kernel saw the packet; flags: the TCP flag byte's low six bits (FIN 1, SYN 2,
 * RST 4, PSH 8, ACK 16, URG 32); seq, ack: raw 32-bit numbers; win: the raw
 * window field; wscale: the SYN's window scale option, -1 when absent; len:
 * payload bytes; head: the payload's first bytes in hex, "-" when none.
 */

/** One decoded packet as the reader wrote it (numbers raw, not yet relative). */
export interface RawPacket {
  n: number;
  protocol: 'tcp' | 'udp';
  atUs: number;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  len: number;
  head: Buffer;
  /** TCP only. */
  tcp?: { flags: number; seq: number; ack: number; win: number; wscale: number };
}

const ADDRESS = /^[0-9a-f.:]{2,45}$/i;

/** Parses the "S start" line: the reader's clock's zero, in milliseconds since the Unix epoch; null for any other line. */
export function parseReady(line: string): number | null {
  const m = /^S (\d{1,20})$/.exec(line);
  return m ? Number(m[1]) / 1000 : null;
}

/** Parses an "N seen" line; null for any other line. */
export function parseSeen(line: string): number | null {
  const m = /^N (\d{1,15})$/.exec(line);
  return m ? Number(m[1]) : null;
}

/** Parses one line; null for anything that is not a well-formed packet record (the "S" and "N" lines included). */
export function parseRecord(line: string): RawPacket | null {
  const f = line.split(' ');
  const kind = f[0];
  if (kind !== 'T' && kind !== 'U') return null;
  if (f.length !== (kind === 'T' ? 15 : 10)) return null;
  const num = (s: string | undefined, max: number) => {
    const v = Number(s);
    return Number.isInteger(v) && v >= 0 && v <= max ? v : NaN;
  };
  const [n, fam, at] = [num(f[1], Number.MAX_SAFE_INTEGER), num(f[2], 6), num(f[3], Number.MAX_SAFE_INTEGER)];
  const [src, sport, dst, dport] = [f[4]!, num(f[5], 65535), f[6]!, num(f[7], 65535)];
  if ([n, fam, at, sport, dport].some(Number.isNaN) || (fam !== 4 && fam !== 6) || !ADDRESS.test(src) || !ADDRESS.test(dst)) return null;
  const hex = f[f.length - 1]!;
  if (hex !== '-' && !/^(?:[0-9a-f]{2})+$/.test(hex)) return null;
  const len = num(f[f.length - 2], 65535);
  if (Number.isNaN(len)) return null;
  const base = { n, atUs: at, src, sport, dst, dport, len, head: hex === '-' ? Buffer.alloc(0) : Buffer.from(hex, 'hex') };
  if (kind === 'U') return { ...base, protocol: 'udp' };
  const [flags, seq, ack, win] = [num(f[8], 63), num(f[9], 0xffffffff), num(f[10], 0xffffffff), num(f[11], 65535)];
  const wscale = Number(f[12]);
  if ([flags, seq, ack, win].some(Number.isNaN) || !Number.isInteger(wscale) || wscale < -1 || wscale > 255) return null;
  return { ...base, protocol: 'tcp', tcp: { flags, seq, ack, win, wscale } };
}
