/**
 * A Check stops with what it was for: closing its session (a tab closed
 * mid-Check) or the runner (a replica's shutdown), the student's Stop
 * Check (`checkStop`), or Ctrl-C on `socklab grade`, stops the checks
 * still running, and the Check settles (the CLI exits) only once their
 * sandboxes are gone. A
 * real runner, real bwrap sandboxes, a student server that answers nothing
 * (each check would wait out its timeout), processes found in /proc.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startRunner } from '../test/support/in-process-runner.ts';
import { descendantsOf, stillRunning, TestClient, type ProcEntry } from '../test/support/test-client.ts';
import { findLab, readLabFiles } from './labs/load.ts';
import { Runner } from './runner.ts';
import type { Session } from './session.ts';

/** Accepts every connection and never reads or writes: a check waits for its echo until its timeout. */
const SILENT_SERVER = `import socket, threading, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('', 12000))
s.listen(16)
held = []
def take():
    while True:
        held.append(s.accept()[0])
threading.Thread(target=take, daemon=True).start()
while True:
    time.sleep(0.05)
`;
const NO_EVENTS = { output: () => {}, proc: () => {}, notice: () => {}, wire: () => {} };

const runners: Runner[] = [];
afterAll(async () => {
  for (const r of runners) await r.close();
}, 30_000);

/** A runner and a tcp-echo session holding the silent server; the Check's first checks running once it resolves. */
async function checking(client: string): Promise<{ runner: Runner; session: Session; check: Promise<unknown>; running: ProcEntry[]; reported: string[] }> {
  const runner = new Runner();
  runners.push(runner);
  const session = await runner.open('tcp-echo', 'python', client, NO_EVENTS);
  session.setFiles([{ name: 'server.py', content: SILENT_SERVER }]);
  const before = new Set(descendantsOf(process.pid).map((p) => `${p.pid}:${p.start}`));
  let started!: () => void;
  const begun = new Promise<void>((r) => (started = r));
  const reported: string[] = [];
  const check = runner.check(session, 'server', { onPlan: () => started(), onResult: (r) => void reported.push(r.id) });
  check.catch(() => {});
  await begun;
  // The checks' servers up and waiting for echoes that never come.
  await expect.poll(() => descendantsOf(process.pid).filter((p) => p.name === 'python3' && !before.has(`${p.pid}:${p.start}`)).length, { timeout: 20_000 }).toBeGreaterThan(0);
  const running = descendantsOf(process.pid).filter((p) => !before.has(`${p.pid}:${p.start}`));
  return { runner, session, check, running, reported };
}

it('stops a Check whose session is closed: it ends at once as session_ended (no verdict), its checks and their sandboxes gone', async () => {
  const { runner, session, check, running, reported } = await checking('127.0.0.41');
  if (runner.backend.name !== 'bwrap') return expect(runner.backend.name).toBe('host');
  const before = [...reported];
  await session.close();
  await expect(check).rejects.toMatchObject({ code: 'session_ended' });
  expect(running.filter(stillRunning)).toEqual([]);
  // Its running checks were stopped, not waited out to their timeouts (each would report its missing echo).
  expect(reported).toEqual(before);
}, 60_000);

it("closes the runner only once every Check's checks and sandboxes are gone", async () => {
  const { runner, check, running } = await checking('127.0.0.42');
  if (runner.backend.name !== 'bwrap') return expect(runner.backend.name).toBe('host');
  await runner.close();
  // Nothing the Check started outlives the close: not a moment later, at once.
  expect(running.filter(stillRunning)).toEqual([]);
  await expect(check).rejects.toMatchObject({ code: 'session_ended' });
}, 60_000);

it("closes the runner only once a session its page was already closing has ended", async () => {
  const runner = new Runner();
  runners.push(runner);
  let printed!: () => void;
  const up = new Promise<void>((r) => (printed = r));
  const session = await runner.open('tcp-echo', 'python', '127.0.0.47', { ...NO_EVENTS, output: () => printed() });
  if (runner.backend.name !== 'bwrap') return expect(runner.backend.name).toBe('host');
  session.setFiles([{ name: 'server.py', content: "print('up', flush=True)\n" + SILENT_SERVER }]);
  void session.run(0).catch(() => {});
  await up;
  // The forker is the test process's, shared by every runner in it (terminal/forker.ts): it stays.
  await expect.poll(() => descendantsOf(process.pid).some((p) => p.name === 'python3'), { timeout: 10_000 }).toBe(true);
  const running = descendantsOf(process.pid).filter((p) => p.name !== 'socklab-forker');
  void session.close(); // the page's close, not awaited (as the connection's close handlers do not)
  await runner.close();
  expect(running.filter(stillRunning)).toEqual([]);
}, 60_000);

it("keeps the verdict of a Check stopped once every result was in (while its sandboxes close), as socklab grade does", async () => {
  const runner = new Runner();
  runners.push(runner);
  const session = await runner.open('tcp-echo', 'python', '127.0.0.49', NO_EVENTS);
  session.setFiles([...readLabFiles(findLab(runner.labs, 'tcp-echo')!, 'solution', 'python')].map(([name, content]) => ({ name, content })));
  const stop = new AbortController();
  let planned = -1;
  let got = 0;
  const check = runner.check(session, 'server', {
    signal: stop.signal,
    onPlan: (checks) => (planned = checks.length),
    onResult: () => void (++got === planned && setImmediate(() => stop.abort())),
  });
  await expect(check).resolves.toMatchObject({ failed: 0 });
  expect(got).toBe(planned);
}, 60_000);

it('opens a session whose sandbox was being made when the replica began to drain (only a close refuses it)', async () => {
  const runner = new Runner();
  runners.push(runner);
  const opening = runner.open('tcp-echo', 'python', '127.0.0.50', NO_EVENTS);
  await new Promise((r) => setImmediate(r)); // past the open's checks, its sandbox being made
  runner.stopOpening();
  await expect(opening).resolves.toBeDefined();
  // Closed instead while one is being made: it is refused, its sandbox closed (close would never see its session).
  const closing = new Runner();
  runners.push(closing);
  const late = closing.open('tcp-echo', 'python', '127.0.0.51', NO_EVENTS);
  late.catch(() => {});
  await new Promise((r) => setImmediate(r));
  let settled = false;
  late.finally(() => (settled = true)).catch(() => {});
  await closing.close();
  expect(settled).toBe(true); // close waited for it
  await expect(late).rejects.toMatchObject({ code: 'too_many_sessions', message: 'the runner is shutting down' });
  expect(closing.sessionCount).toBe(0);
}, 60_000);

it('lets a Check waiting for a grader leave the queue when its tab closes or its student stops it', async () => {
  const runner = new Runner({ limits: { maxConcurrentChecks: 1 } });
  runners.push(runner);
  const open = async (client: string) => {
    const s = await runner.open('tcp-echo', 'python', client, NO_EVENTS);
    s.setFiles([{ name: 'server.py', content: SILENT_SERVER }]);
    return s;
  };
  const [a, b, c] = [await open('127.0.0.44'), await open('127.0.0.45'), await open('127.0.0.46')];
  let startedA!: () => void;
  const grading = new Promise<void>((r) => (startedA = r));
  const checkA = runner.check(a, 'server', { onPlan: () => startedA() });
  checkA.catch(() => {});
  await grading;
  const queued: string[] = [];
  const checkB = runner.check(b, 'server', { onQueued: () => queued.push('b') });
  const stopC = new AbortController();
  const checkC = runner.check(c, 'server', { onQueued: () => queued.push('c'), signal: stopC.signal });
  checkB.catch(() => {});
  checkC.catch(() => {});
  expect(queued).toEqual(['b', 'c']);
  expect(runner.checksWaiting).toBe(2);
  void b.close();
  await expect(checkB).rejects.toMatchObject({ code: 'session_ended' });
  stopC.abort();
  await expect(checkC).rejects.toMatchObject({ code: 'check_stopped' });
  expect(runner.checksWaiting).toBe(0);
  expect(runner.checksActive).toBe(1); // A grades on
  await a.close();
  await expect(checkA).rejects.toMatchObject({ code: 'session_ended' });
  await c.close();
}, 60_000);

it("stops a student's Check on checkStop: error check_stopped once its checks are gone, and the next Check runs", async () => {
  const served = await startRunner();
  const c = await TestClient.connect(served.url, { ws: { localAddress: '127.0.0.43' } });
  try {
    await c.waitFor((m) => m.type === 'hello', 10_000);
    if (served.runner.backend.name !== 'bwrap') return expect(served.runner.backend.name).toBe('host');
    c.send({ type: 'open', lab: 'tcp-echo', lang: 'python' });
    await c.waitFor((m) => m.type === 'opened', 20_000);
    c.send({ type: 'files', files: [{ name: 'server.py', content: SILENT_SERVER }] });
    await c.waitFor((m) => m.type === 'files', 10_000);
    const was = descendantsOf(process.pid);
    const before = new Set(was.map((p) => `${p.pid}:${p.start}`));
    // The session's own sandbox (in its network namespace) may start its next program's launcher meanwhile: not the Check's.
    const sessions = new Set(was.map((p) => p.netns));
    let from = c.messages.length;
    c.send({ type: 'check', only: 'server' });
    await c.waitFor((m) => m.type === 'checkStarted', 20_000, from);
    await expect.poll(() => descendantsOf(process.pid).filter((p) => p.name === 'python3' && !before.has(`${p.pid}:${p.start}`)).length, { timeout: 20_000 }).toBeGreaterThan(0);
    const running = descendantsOf(process.pid).filter((p) => !before.has(`${p.pid}:${p.start}`) && !sessions.has(p.netns));
    c.send({ type: 'checkStop' });
    expect(await c.waitFor((m) => m.type === 'error' || m.type === 'checkDone', 4000, from)).toMatchObject({ type: 'error', code: 'check_stopped' });
    expect(running.filter(stillRunning)).toEqual([]);
    // The session goes on, and so does the next Check.
    from = c.messages.length;
    c.send({ type: 'checkStop' }); // none running: nothing to say
    c.send({ type: 'check', only: 'server' });
    expect(await c.waitFor((m) => m.type === 'checkStarted' || m.type === 'error', 20_000, from)).toMatchObject({ type: 'checkStarted' });
    c.send({ type: 'checkStop' });
    expect(await c.waitFor((m) => m.type === 'error' || m.type === 'checkDone', 20_000, from)).toMatchObject({ type: 'error', code: 'check_stopped' });
  } finally {
    await c.close();
    await served.close();
  }
}, 60_000);

it('stops `socklab grade` on Ctrl-C: it says so, gives no verdict, exits 130 once the sandboxes are gone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'socklab-silent-'));
  writeFileSync(join(dir, 'server.py'), SILENT_SERVER);
  const child = spawn(join(import.meta.dirname, '../bin/socklab.js'), ['grade', 'tcp-echo', dir, '--only', 'server', '--locale', 'en'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    await expect.poll(() => descendantsOf(child.pid!).filter((p) => p.name === 'python3').length, { timeout: 30_000 }).toBeGreaterThan(0);
    const running = descendantsOf(child.pid!);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(running.filter(stillRunning)).toEqual([]);
    expect(out).toContain('stopped before every check ran: no verdict');
    expect(out).not.toMatch(/checks? failed in/);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
