/**
 * blockedForever against real Python and Java processes on this machine: which
 * waits only input can end, and which end by themselves (a timeout, an
 * alarm, a sleep, a thread still running), with a poll's own timeout read
 * when asked; receiveTimeouts beside it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blockedForever, receiveTimeouts } from './procfs.ts';

const started: ChildProcess[] = [];
const scratch: string[] = [];
afterAll(() => {
  for (const p of started) if (p.exitCode === null) p.kill('SIGKILL');
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** Starts `code` after a TCP listener, a connection to it and a UDP socket: the pid, once ready. */
async function run(code: string): Promise<number> {
  const prelude = [
    'import socket, threading, time, signal, sys',
    'srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen()',
    'cli = socket.create_connection(srv.getsockname()); conn, _ = srv.accept()',
    'udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("127.0.0.1", 0))',
    'print("READY", flush=True)',
  ].join('\n');
  return ready(spawn('python3', ['-c', `${prelude}\n${code}\n`], { stdio: ['pipe', 'pipe', 'inherit'] }));
}

/** Resolves with the pid once `p` prints READY and has had a moment to block. */
async function ready(p: ChildProcess): Promise<number> {
  started.push(p);
  await new Promise<void>((resolve, reject) => {
    p.stdout!.on('data', (d: Buffer) => d.includes('READY') && resolve());
    p.on('exit', () => reject(new Error('exited early')));
  });
  await new Promise((r) => setTimeout(r, 300));
  return p.pid!;
}

/** A Java program (single-file source launch) whose main thread waits in accept(), after `before`. */
async function runJava(before = ''): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'socklab-procfs-'));
  scratch.push(dir);
  writeFileSync(join(dir, 'Main.java'), `public class Main { public static void main(String[] a) throws Exception { ${before} var s = new java.net.ServerSocket(0); System.out.println("READY"); s.accept(); } }\n`);
  return ready(spawn('java', [join(dir, 'Main.java')], { stdio: ['ignore', 'pipe', 'inherit'] }));
}

describe('blockedForever', () => {
  it('names the calls that only input can end, and nothing that ends by itself', async () => {
    const cases: [string, string | undefined][] = [
      ['conn.recv(10)', 'recv()'],
      ['udp.recvfrom(10)', 'recvfrom()'],
      ['srv.accept()', 'accept()'],
      ['sys.stdin.readline()', 'read()'],
      // A thread waiting for another (a futex) beside one in recv(): named by the socket call.
      ['threading.Thread(target=threading.Event().wait).start(); conn.recv(10)', 'recv()'],
      ['conn.settimeout(30); conn.recv(10)', undefined],
      // An hour's poll (aiohttp's run_app between its wake-ups) is as good as none during a grade.
      ['import select; select.poll().poll(3600000)', 'poll()'],
      ['signal.signal(signal.SIGALRM, lambda *a: None); signal.alarm(30); conn.recv(10)', undefined],
      ['time.sleep(30)', undefined],
      ['threading.Thread(target=lambda: time.sleep(30)).start(); conn.recv(10)', undefined],
      ['threading.Thread(target=lambda: [0 for _ in iter(int, 1)], daemon=True).start(); conn.recv(10)', undefined],
    ];
    // A thread named as the JVM's own that never rests: its collector at work, or its compiler.
    const busy = (name: string) => `var t = new Thread(() -> { while (true) Thread.onSpinWait(); }, "${name}"); t.setDaemon(true); t.start();`;
    const [java, collecting, compiling, ...pids] = await Promise.all([runJava(), runJava(busy('G1 Conc#0')), runJava(busy('C2 CompilerThre')), ...cases.map(([code]) => run(code))]);
    const got = await Promise.all(pids.map((pid) => blockedForever(pid)));
    expect(cases.map(([code], i) => [code, got[i]?.calls])).toEqual(cases);
    // A JVM's own threads wake on timers of their own: judged by the program's threads (main in accept()).
    expect((await blockedForever(java))?.calls).toBe('accept()');
    // A JVM collecting may hold the program's threads for a moment: the look says where they wait, and that it cannot tell more.
    expect(await blockedForever(collecting)).toMatchObject({ calls: 'accept()', held: true });
    // Its compiler works beside them and holds none.
    expect(await blockedForever(compiling)).toMatchObject({ calls: 'accept()', held: false });
    // A receive timeout set with SO_RCVTIMEO looks like none, but each time it ends the thread wakes: `wakes` changes.
    const rcvtimeo = await run('conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, (0).to_bytes(8, "little") + (200000).to_bytes(8, "little"))\nwhile True:\n    try: conn.recv(10)\n    except OSError: pass');
    const before = await blockedForever(rcvtimeo);
    await new Promise((r) => setTimeout(r, 500));
    const after = await blockedForever(rcvtimeo);
    expect([before?.calls, after?.calls]).toEqual(['recv()', 'recv()']);
    expect(after!.wakes).not.toBe(before!.wakes);
    // ...and receiveTimeouts reads it (200 ms), as it reads none on a socket without (recv() with no timeout).
    expect(await receiveTimeouts(rcvtimeo, after!.sockets)).toEqual([200]);
    expect(await receiveTimeouts(pids[0]!, got[0]!.sockets)).toEqual([0]);
    // A poll with a timeout of its own ends by itself, but `timed` lists it for a caller with a deadline of its own to weigh.
    const timedPid = pids[cases.findIndex(([code]) => code.startsWith('conn.settimeout(30)'))]!;
    const lines = new Map<string, string>();
    const timed = await blockedForever(timedPid, { timed: true, lines });
    expect([timed?.calls, timed?.timed.map((t) => t.timeoutMs)]).toEqual(['poll()', [30000]]);
    expect(lines.get(timed!.timed[0]!.thread)).toBe(timed!.timed[0]!.line);
    // A thread that stays blocked does not wake.
    const still = await blockedForever(pids[0]!);
    expect(still?.wakes).toBe(got[0]?.wakes);
    for (const p of started) p.kill('SIGKILL');
    // Gone: nothing to say.
    await new Promise((r) => setTimeout(r, 200));
    expect(await blockedForever(pids[0]!)).toBeUndefined();
  }, 60_000);
});
