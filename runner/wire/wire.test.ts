/**
 * The wire view end to end: a real runner, real bubblewrap sessions, the
 * labs' reference programs, and the packets the page would get.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage, StudentFile, WirePacket } from '../../protocol/messages.ts';
import type { Runner } from '../runner.ts';
import { gradeFiles } from '../grader/engine.ts';
import { prettyResult } from '../grader/reporters.ts';
import { captureCheck } from '../grader/check-wire.ts';
import { graderSay } from '../grader/messages.ts';
import { Transcript } from '../grader/transcript.ts';
import { chooseBackend } from '../sandbox/index.ts';
import { findLab } from '../labs/load.ts';
import { startRunner, type InProcessRunner } from '../../test/support/in-process-runner.ts';
import { TestClient, descendantsOf, stillRunning, type ProcEntry } from '../../test/support/test-client.ts';

const labDir = (lab: string, part = 'solution/python') => new URL(`../../labs/${lab}/${part}`, import.meta.url).pathname;
const filesOf = (dir: string): StudentFile[] => readdirSync(dir).map((name) => ({ name, content: readFileSync(join(dir, name), 'utf8') }));

type WireMessage = Extract<ServerMessage, { type: 'wire' }>;
const wirePackets = (c: TestClient, from = 0): WirePacket[] => c.messages.slice(from).flatMap((m) => (m.type === 'wire' ? m.packets : []));
const wireDropped = (c: TestClient, from = 0): number => c.messages.slice(from).reduce((n, m) => n + (m.type === 'wire' ? m.dropped : 0), 0);
/** The packet readers this test process started (by pid, never by name alone). */
const readers = (): ProcEntry[] => descendantsOf(process.pid).filter((p) => p.name === 'socklab-capture' && p.state !== 'Z');
const FLOOD_CLIENT = `from socket import *
s = socket(AF_INET, SOCK_DGRAM)
for i in range(3000):
    s.sendto(b'x', ('127.0.0.1', 12000))
print('flooded', flush=True)
`;
/** A UDP server that never reads: every datagram to it crosses the loopback once, however many its socket drops. */
const MUTE_SERVER = `import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 12000))
time.sleep(60)
`;
/** 20,000 datagrams to the mute server once a line is typed. */
const SILENT_FLOOD = `from socket import *
input()
s = socket(AF_INET, SOCK_DGRAM)
for i in range(20000):
    s.sendto(b'x', ('127.0.0.1', 12000))
print('flooded', flush=True)
`;
/** Polls `check` (for conditions no message announces, such as a process ending). */
async function poll<T>(check: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
/** Flow-control clients: the first never reads (it stalls), the others send 3,000 lines of 300 bytes and read everything. */
const STALL_CLIENTS = `import os, socket, sys, threading, time
s = socket.create_connection(('127.0.0.1', 8000))
try:
    os.close(os.open('/tmp/staller', os.O_CREAT | os.O_EXCL))
    s.sendall(b'staller\\n')
    print('stalling', flush=True)
    time.sleep(60)
except FileExistsError:
    s.sendall(b'sender\\n')
    threading.Thread(target=lambda: [None for _ in iter(lambda: s.recv(65536), b'')], daemon=True).start()
    for i in range(3000):
        s.sendall(b'x' * 299 + b'\\n')
    print('sent', flush=True)
    time.sleep(60)
`;
/** Tries to open a packet socket, as a student's program that wants to sniff the session would. */
const PACKET_PROBE = `import errno, socket
for kind in (socket.SOCK_RAW, socket.SOCK_DGRAM):
    try:
        socket.socket(17, kind, 0x0300)
        print('PACKET ok', flush=True)
    except OSError as e:
        print('PACKET', errno.errorcode.get(e.errno, e.errno), flush=True)
`;
const describeFlags = (p: WirePacket) => (p.flags ?? []).join('+');

describe('the wire view', () => {
  let served: InProcessRunner;
  let runner: Runner;
  let url: string;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    served = await startRunner({ limits: { wirePacketsPerSecond: 200 } });
    ({ runner, url } = served);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    // The session ends after its socket closes; its reader goes with it, and the next test counts readers.
    await poll(() => readers().length === 0, 10_000, "the closed sessions' readers to end");
  });
  afterAll(async () => {
    await served?.close();
  });

  /** Opens `lab` with the files of `dir`, turns the wire view on and runs the plan. */
  async function runWatched(lab: string, dir: string, clientsToRun?: number): Promise<TestClient> {
    const c = await TestClient.connect(url);
    clients.push(c);
    await c.waitFor((m) => m.type === 'hello');
    c.send({ type: 'open', lab, lang: 'python' });
    await c.waitFor((m) => m.type === 'opened', 15_000);
    c.send({ type: 'files', files: filesOf(dir) });
    await c.waitFor((m) => m.type === 'files');
    c.send({ type: 'wire', on: true });
    await poll(() => readers().length > 0, 5000, 'the packet reader to start');
    c.send({ type: 'run', ...(clientsToRun ? { clients: clientsToRun } : {}) });
    await c.waitForProc((p) => p.name === 'server' && p.state === 'listening', 15_000);
    return c;
  }

  it('shows a TCP echo: handshake, the line and its echo with their lengths, FIN, each end named', async () => {
    const c = await runWatched('tcp-echo', labDir('02-tcp-echo'));
    const client = await c.waitForProc((p) => p.name === 'client 1' && p.state === 'running');
    c.send({ type: 'input', proc: client.id, data: 'hello wire\n' });
    await c.waitForOutput('client 1', /HELLO WIRE/);
    const conn = await c.until(() => {
      const tcp = wirePackets(c).filter((p) => p.protocol === 'tcp' && (p.src.port === 12000 || p.dst.port === 12000));
      return tcp.filter((p) => p.flags?.includes('FIN')).length >= 2 && tcp;
    }, 5000, 'both FINs');
    const toServer = (p: WirePacket) => p.dst.port === 12000;
    expect(conn.slice(0, 3).map((p) => [toServer(p) ? 'c>s' : 's>c', describeFlags(p)])).toEqual([
      ['c>s', 'SYN'], ['s>c', 'SYN+ACK'], ['c>s', 'ACK'],
    ]);
    expect(conn[0]!.seq).toBe(0);
    expect(conn[1]!.ack).toBe(1);
    const data = conn.filter((p) => p.len > 0);
    expect(data.map((p) => [toServer(p) ? 'c>s' : 's>c', p.len, Buffer.from(p.head ?? '', 'base64').toString()])).toEqual([
      ['c>s', 11, 'hello wire\n'], ['s>c', 11, 'HELLO WIRE\n'],
    ]);
    expect(data[0]!.seq).toBe(1);
    const firstFin = conn.findIndex((p) => p.flags?.includes('FIN'));
    expect(firstFin).toBeGreaterThan(conn.indexOf(data[1]!));
    expect(conn.every((p) => p.n >= 0 && p.at >= 0 && p.win! > 0)).toBe(true);
    // Packet numbers grow: the order the page draws is the order on the wire.
    expect(conn.map((p) => p.n)).toEqual([...conn.map((p) => p.n)].sort((a, b) => a - b));
    expect(conn.find((p) => !toServer(p))!.src.owner).toBe('server');
    expect(conn[0]!.src.owner).toBe('client 1');
    expect(wireDropped(c)).toBe(0);
  }, 60_000);

  it('shows UDP datagrams and no handshake', async () => {
    const c = await runWatched('udp-echo', labDir('01-udp-echo'));
    const client = await c.waitForProc((p) => p.name === 'client 1' && p.state === 'running');
    c.send({ type: 'input', proc: client.id, data: 'ping\n' });
    await c.waitForOutput('client 1', /PING/);
    const udp = await c.until(() => {
      const all = wirePackets(c).filter((p) => p.src.port === 12000 || p.dst.port === 12000);
      return all.length >= 2 && all;
    }, 5000, 'two datagrams');
    expect(udp.every((p) => p.protocol === 'udp' && p.flags === undefined && p.seq === undefined)).toBe(true);
    expect(udp.map((p) => [p.dst.port === 12000 ? 'c>s' : 's>c', p.len, Buffer.from(p.head ?? '', 'base64').toString()])).toEqual([
      ['c>s', 4, 'ping'], ['s>c', 4, 'PING'],
    ]);
    expect(udp[1]!.src.owner).toBe('server');
    expect(wirePackets(c).some((p) => p.protocol === 'tcp')).toBe(false);
  }, 60_000);

  it('shows the stalled client of the flow-control lab advertising a zero window', async () => {
    const c = await runWatched('flow-control', labDir('05-flow-control'), 2);
    c.send({ type: 'files', files: [...filesOf(labDir('05-flow-control')).filter((f) => f.name !== 'client.py'), { name: 'client.py', content: STALL_CLIENTS }] });
    await c.waitFor((m) => m.type === 'files', 5000, c.messages.length - 1);
    c.send({ type: 'run', clients: 2 });
    await c.waitForOutput('client 1', /stalling|sent/, 20_000);
    const staller = /stalling/.test(c.text('client 1')) ? 'client 1' : 'client 2';
    const zero = await c.until(() => wirePackets(c).find((p) => p.protocol === 'tcp' && p.src.owner === staller && p.dst.port === 8000 && p.win === 0), 20_000, 'a zero window from the stalled client');
    expect(zero.flags).toContain('ACK');
    // Before it closed, the same client advertised room.
    expect(wirePackets(c).some((p) => p.src.port === zero.src.port && p.n < zero.n && p.win! > 0)).toBe(true);
  }, 60_000);

  it('gives student code no packet socket while the view runs', async () => {
    const c = await runWatched('udp-echo', labDir('01-udp-echo'));
    const client = await c.waitForProc((p) => p.name === 'client 1' && p.state === 'running');
    c.send({ type: 'files', files: [...filesOf(labDir('01-udp-echo')).filter((f) => f.name !== 'client.py'), { name: 'client.py', content: PACKET_PROBE }] });
    await c.waitFor((m) => m.type === 'files', 5000, c.messages.length - 1);
    c.send({ type: 'restart', proc: client.id });
    await c.waitForOutput('client 1', /PACKET \S+\s+PACKET \S+/);
    expect(c.text('client 1').match(/PACKET \S+/g)).toEqual(['PACKET EAFNOSUPPORT', 'PACKET EAFNOSUPPORT']);
    expect(readers()).toHaveLength(1);
  }, 60_000);

  it('caps a flood, counts what it left out, and leaves no reader behind when turned off or the session ends', async () => {
    const c = await runWatched('udp-echo', labDir('01-udp-echo'));
    const reader = readers()[0]!;
    const client = await c.waitForProc((p) => p.name === 'client 1' && p.state === 'running');
    // A client that floods the echo server: 3,000 datagrams, each echoed.
    c.send({ type: 'files', files: [...filesOf(labDir('01-udp-echo')).filter((f) => f.name !== 'client.py'), { name: 'client.py', content: FLOOD_CLIENT }] });
    await c.waitFor((m) => m.type === 'files', 5000, c.messages.length - 1);
    c.send({ type: 'restart', proc: client.id });
    await c.waitForOutput('client 1', /flooded/, 20_000);
    let total = { shown: 0, all: 0 };
    await poll(() => {
      const shown = wirePackets(c).length;
      total = { shown, all: shown + wireDropped(c) };
      return total.all >= 3000;
    }, 10_000, 'every packet of the flood to be shown or counted').catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(total)}`);
    });
    // 200 a second at most; the flood lasts a second or two.
    expect(total.shown).toBeLessThanOrEqual(200 * 4);
    expect(wireDropped(c)).toBeGreaterThan(2000);
    const numbers = wirePackets(c).map((p) => p.n);
    expect(new Set(numbers).size).toBe(numbers.length);
    c.send({ type: 'wire', on: false });
    await poll(() => !stillRunning(reader), 5000, 'the reader to end when the view is turned off');
    c.send({ type: 'wire', on: true });
    await poll(() => readers().length > 0, 5000, 'the reader to start again');
    const again = readers()[0]!;
    c.send({ type: 'close' });
    await poll(() => !stillRunning(again), 5000, 'the reader to end with the session');
    await poll(() => readers().length === 0, 5000, 'no reader left');
  }, 60_000);

  it('counts every packet of a flood exactly, those the kernel dropped while the reader could not keep up included', async () => {
    const c = await runWatched('udp-echo', labDir('01-udp-echo'));
    c.send({ type: 'files', files: [{ name: 'server.py', content: MUTE_SERVER }, { name: 'client.py', content: SILENT_FLOOD }] });
    await c.waitFor((m) => m.type === 'files', 5000, c.messages.length - 1);
    const run = c.messages.length;
    c.send({ type: 'run' });
    const client = await c.waitForProc((p) => p.name === 'client 1' && p.state === 'running', 15_000, run);
    await c.waitForProc((p) => p.name === 'server' && p.state === 'listening', 15_000, run);
    const from = c.messages.length;
    // A reader that gets no CPU: the kernel's ring (about 1,700 of these) fills and the kernel drops the rest.
    const reader = readers()[0]!;
    process.kill(reader.pid, 'SIGSTOP');
    try {
      c.send({ type: 'input', proc: client.id, data: '\n' });
      await c.waitForOutput('client 1', /flooded/, 20_000);
    } finally {
      process.kill(reader.pid, 'SIGCONT');
    }
    const count = () => wirePackets(c, from).length + wireDropped(c, from);
    await poll(() => count() >= 20_000, 10_000, 'every datagram to be shown or counted').catch((err: Error) => {
      throw new Error(`${err.message}: ${count()}`);
    });
    // The reader's last block and the runner's last batch: nothing more may come.
    await new Promise((r) => setTimeout(r, 300));
    expect(count()).toBe(20_000);
    const numbers = wirePackets(c, from).map((p) => p.n);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(numbers.length).toBeLessThanOrEqual(200 * 2);
  }, 60_000);

  it('grades with the wire on: the check of a server that resets instead of closing carries its packets, RST included; with it off, none', async () => {
    // The long-line mutant reads 1 KiB of a 64 KiB line, answers it and closes with the rest unread: the kernel resets.
    const lab = findLab(runner.labs, 'tcp-echo')!;
    const files = filesOf(labDir('02-tcp-echo', 'mutants/long-line/python'));
    const grade = (wire: boolean) => gradeFiles({ lab, lang: 'python', files, backend: runner.backend, limits: runner.limits, checks: ['long-line'], wire });
    const [on, off] = await Promise.all([grade(true), grade(false)]);
    const check = on.results.find((r) => r.id === 'long-line')!;
    expect(check.status).toBe('failed');
    const packets = check.wire!.packets;
    const toServer = (p: WirePacket) => p.dst.port === 12000;
    expect(packets.slice(0, 3).map((p) => [toServer(p) ? 'c>s' : 's>c', describeFlags(p)])).toEqual([
      ['c>s', 'SYN'], ['s>c', 'SYN+ACK'], ['c>s', 'ACK'],
    ]);
    // Each end named, the grader's as the transcript calls its connection.
    expect(packets[0]!.src.owner).toBe('grader tcp#1');
    expect(packets[0]!.dst.owner).toBe('your server');
    // The whole line went (its last byte ends at relative sequence number 65537; a segment may be sent twice under load).
    expect(Math.max(...packets.filter(toServer).map((p) => p.seq! + p.len))).toBe(65537);
    const reply = packets.find((p) => !toServer(p) && p.len > 0)!;
    expect(reply.len).toBe(1025);
    const fromServer = packets.filter((p) => !toServer(p) && p.n > reply.n);
    expect(fromServer.map(describeFlags)).toContain('RST+ACK');
    expect(fromServer.some((p) => p.flags?.includes('FIN'))).toBe(false);
    expect(check.wire!.dropped).toBe(0);
    // Times on the check's clock, as the kernel saw each packet: the SYN after the grader asked to connect, all within the check.
    const connect = check.transcript.find((e) => e.who === 'grader' && e.text.startsWith('connect'))!;
    expect(packets[0]!.at).toBeGreaterThanOrEqual(connect.at - 1);
    expect(packets.at(-1)!.at).toBeLessThanOrEqual(check.durationMs);
    expect(packets.map((p) => p.at)).toEqual([...packets.map((p) => p.at)].sort((a, b) => a - b));
    // `socklab grade --wire` prints them under the failure, the reset last.
    const printed = prettyResult(check).replace(/\x1b\[\d+m/g, '').split('\n');
    expect(printed).toContainEqual(expect.stringMatching(/^\s+[\d.]+ ms your server :12000 → grader tcp#1 :\d+ RST\+ACK seq 1026 ack 65537 win \d+ len 0$/));
    expect(printed).toContainEqual(expect.stringMatching(/packets on the wire \(\d+\):/));
    expect(on.results.find((r) => r.id === 'listens')!.wire!.packets.some((p) => describeFlags(p) === 'SYN')).toBe(true);
    expect(off.results.map((r) => r.status)).toEqual(on.results.map((r) => r.status));
    expect(off.results.every((r) => r.wire === undefined)).toBe(true);
    expect(readers()).toEqual([]);
  }, 60_000);

  it("on the host backend, grading with the wire on says in the check's transcript that its packets cannot be recorded", async () => {
    const sandbox = await chooseBackend('host').create(runner.limits);
    try {
      const transcript = new Transcript();
      const end = await captureCheck(true, sandbox, runner.limits, { wireOwners: async () => ({ byPort: new Map(), programs: [] }), transcript, say: graderSay('ko') });
      expect(await end()).toBeUndefined();
      expect(transcript.entries).toEqual([expect.objectContaining({ who: 'note', channel: '패킷', text: expect.stringContaining('샌드박스가 없어') })]);
      expect(readers()).toEqual([]);
    } finally {
      await sandbox.close();
    }
  });

  it('on the host backend, says in a notice that the wire view is unavailable', async () => {
    const host = await startRunner({ sandbox: 'host' });
    try {
      const c = await TestClient.connect(host.url);
      clients.push(c);
      await c.waitFor((m) => m.type === 'hello');
      c.send({ type: 'open', lab: 'udp-echo', lang: 'python' });
      await c.waitFor((m) => m.type === 'opened', 15_000);
      c.send({ type: 'wire', on: true });
      const notice = await c.waitFor((m) => m.type === 'notice');
      expect(notice).toMatchObject({ type: 'notice', code: 'wire_unavailable' });
      expect(readers()).toEqual([]);
      await c.close();
    } finally {
      await host.close();
    }
  }, 30_000);
});
