import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { isBound, parseListedSockets, parseSocketTable, readSocketTable } from './socket-table.ts';
import { packTar } from './tar.ts';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:2EE0 00000000:0000 0A 00000000:00000003 00:00000000 00000000  1000        0 13251 1 0000000000000000 100 0 0 10 0
   1: 0100007F:2EE0 0100007F:C350 01 00000010:00000020 00:00000000 00000000  1000        0 13252 1 0000000000000000 20 4 30 10 -1
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F40 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 999 1 0000000000000000 100 0 0 10 0
`;

describe('socket table', () => {
  it('parses states, addresses, ports and queues', () => {
    const rows = parseSocketTable(TCP, 'tcp', 4);
    expect(rows[0]).toMatchObject({ state: 'LISTEN', localAddress: '0.0.0.0', localPort: 12000, recvQueue: 3, inode: 13251 });
    expect(rows[1]).toMatchObject({ state: 'ESTABLISHED', localAddress: '127.0.0.1', remotePort: 50000, sendQueue: 16, recvQueue: 32 });
    const six = parseSocketTable(TCP6, 'tcp', 6);
    expect(six[0]).toMatchObject({ localAddress: '::1', localPort: 8000, state: 'LISTEN' });
    expect(isBound(rows, 12000, 'tcp')).toBe(true);
    expect(isBound(rows, 12000, 'udp')).toBe(false);
  });

  it("parses the session holder's list as it parses /proc's table", () => {
    const listed = parseListedSockets('t4 00000000:2EE0 00000000:0000 0A 00000000:00000003 13251 0,t6 00000000000000000000000001000000:1F40 00000000000000000000000000000000:0000 0A 00000000:00000000 999 0,u4 0100007F:2EE2 00000000:0000 07 00000000:00000400 77 5');
    expect(listed.slice(0, 2)).toEqual([parseSocketTable(TCP, 'tcp', 4)[0], parseSocketTable(TCP6, 'tcp', 6)[0]]);
    expect(listed[2]).toMatchObject({ protocol: 'udp', family: 4, state: 'BOUND', localAddress: '127.0.0.1', localPort: 12002, recvQueue: 1024, inode: 77, drops: 5 });
    expect(parseListedSockets('')).toEqual([]);
    // One walk of the TCP table lists both families mixed: read in /proc's order (tcp, tcp6, udp, udp6), its first match first.
    const mixed = parseListedSockets('u4 0100007F:2EE2 00000000:0000 07 00000000:00000000 5 0,t6 00000000000000000000000000000000:2EE0 00000000000000000000000000000000:0000 0A 00000000:00000000 1 0,t4 00000000:2EE0 00000000:0000 0A 00000000:00000002 2 0,t6 00000000000000000000000001000000:2EE1 00000000000000000000000000000000:0000 0A 00000000:00000000 3 0');
    expect(mixed.map((e) => e.inode)).toEqual([2, 1, 3, 5]);
    expect(() => parseListedSockets('x9 junk')).toThrow(/not a listed socket/);
  });

  it('sees a real listening socket of this process', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      expect(isBound(await readSocketTable('self'), port, 'tcp')).toBe(true);
    } finally {
      server.close();
    }
  });
});

describe('packTar', () => {
  it('makes an archive GNU tar extracts byte for byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'socklab-tar-'));
    const text = 'print("héllo")\n'.repeat(100);
    execFileSync('tar', ['-x', '-C', dir], { input: packTar([{ name: 'server.py', content: text }, { name: 'empty.txt', content: '' }]) });
    expect(readFileSync(join(dir, 'server.py'), 'utf8')).toBe(text);
    expect(readFileSync(join(dir, 'empty.txt'), 'utf8')).toBe('');
    rmSync(dir, { recursive: true, force: true });
  });
});
