/**
 * A network namespace's socket table (/proc/<pid>/net/*, read by procfs.ts,
 * or the session holder's list of it, parseListedSockets): what the socket
 * inspector shows and how the runner sees that a server is listening.
 */
import { netTable } from './procfs.ts';

/** One socket, as the kernel reports it. */
export interface SocketEntry {
  protocol: 'tcp' | 'udp';
  family: 4 | 6;
  state: string;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** Bytes queued to send (TCP: not yet acknowledged by the peer). */
  sendQueue: number;
  /** Bytes received and not yet read by the program (LISTEN: pending accepts). */
  recvQueue: number;
  /** UDP: datagrams the kernel dropped because the receive buffer was full (TCP: 0, it never drops). */
  drops: number;
  inode: number;
}

const TCP_STATES: Record<string, string> = {
  '01': 'ESTABLISHED', '02': 'SYN_SENT', '03': 'SYN_RECV', '04': 'FIN_WAIT1', '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT', '07': 'CLOSE', '08': 'CLOSE_WAIT', '09': 'LAST_ACK', '0A': 'LISTEN', '0B': 'CLOSING',
};

/**
 * Reads the four tables of the namespace that `pid` lives in; with
 * `protocol`, only that protocol's two (a TCP one walks the machine's whole
 * TCP connection table, about 1-2 ms of CPU here; a UDP one a tenth of it).
 */
export async function readSocketTable(pid: number | 'self', protocol?: 'tcp' | 'udp'): Promise<SocketEntry[]> {
  const tables = ([
    ['tcp', 4], ['tcp6', 6], ['udp', 4], ['udp6', 6],
  ] as const).filter(([name]) => !protocol || name.startsWith(protocol));
  const all = await Promise.all(
    tables.map(async ([name, family]) => {
      const text = await netTable(pid, name);
      return parseSocketTable(text, name.startsWith('tcp') ? 'tcp' : 'udp', family);
    }),
  );
  return all.flat();
}

/** Parses one /proc/net/{tcp,udp}[6] file. */
export function parseSocketTable(text: string, protocol: 'tcp' | 'udp', family: 4 | 6): SocketEntry[] {
  const out: SocketEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    // /proc/net/udp's last column is its drops; tcp has no such column.
    out.push(entry(protocol, family, f[1]!, f[2]!, f[3]!, f[4]!, f[9]!, protocol === 'udp' ? f[12] : undefined));
  }
  return out;
}

/**
 * Parses the session holder's `sockets` answer (holder.c answer_sockets):
 * entries separated by commas, each "t4|t6|u4|u6 LOCAL REMOTE ST TX:RX
 * INODE DROPS" in /proc/net's own notation; returned in readSocketTable's
 * order (tcp, tcp6, udp, udp6). The holder's one walk of the TCP table
 * mixes the families in an order that changes with the session, and a
 * reader that takes the first match (a server's IPv4 listener, not its
 * IPv6 one on the same port) must find what /proc's table puts first.
 */
export function parseListedSockets(text: string): SocketEntry[] {
  if (!text) return [];
  const rank = (e: SocketEntry) => (e.protocol === 'tcp' ? 0 : 2) + (e.family === 6 ? 1 : 0);
  return text
    .split(',')
    .map((item) => {
      const [kind, local, remote, st, queues, inode, drops] = item.split(' ');
      if (!kind || drops === undefined || !/^[tu][46]$/.test(kind)) throw new Error(`not a listed socket: ${item.slice(0, 80)}`);
      return entry(kind[0] === 't' ? 'tcp' : 'udp', kind[1] === '6' ? 6 : 4, local!, remote!, st!, queues!, inode!, drops);
    })
    .sort((a, b) => rank(a) - rank(b));
}

/** One socket from /proc/net's columns: addresses and ports in hex, the state's hex number, "tx:rx" queues in hex. */
function entry(protocol: 'tcp' | 'udp', family: 4 | 6, local: string, remote: string, st: string, queues: string, inode: string, drops: string | undefined): SocketEntry {
  const [tx, rx] = queues.split(':');
  const [la, lp] = local.split(':');
  const [ra, rp] = remote.split(':');
  return {
    protocol,
    family,
    state: protocol === 'tcp' ? (TCP_STATES[st] ?? st) : st === '01' ? 'CONNECTED' : 'BOUND',
    localAddress: hexAddress(la!),
    localPort: parseInt(lp!, 16),
    remoteAddress: hexAddress(ra!),
    remotePort: parseInt(rp!, 16),
    sendQueue: parseInt(tx!, 16),
    recvQueue: parseInt(rx!, 16),
    inode: Number(inode),
    drops: protocol === 'udp' ? Number(drops ?? 0) || 0 : 0,
  };
}

/** Whether something listens on (tcp) or is bound to (udp) `port`. */
export function isBound(table: SocketEntry[], port: number, protocol: 'tcp' | 'udp'): boolean {
  return table.some(
    (s) => s.protocol === protocol && s.localPort === port && (protocol === 'udp' || s.state === 'LISTEN'),
  );
}

function hexAddress(hex: string): string {
  if (hex.length === 8) {
    // One 32-bit word in host (little-endian) order.
    return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
  }
  // Four 32-bit words, each in host order.
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let i = 3; i >= 0; i--) bytes.push(parseInt(word.slice(i * 2, i * 2 + 2), 16));
  }
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return compressIpv6(groups);
}

function compressIpv6(groups: string[]): string {
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
