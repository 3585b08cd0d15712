/**
 * A Check stops with what it was for: closing its session (a tab closed
 * mid-Check) or the runner (a replica's shutdown), or Ctrl-C on `socklab
 * grade`, stops the checks still running, and the Check settles (the CLI
 * exits) only once their sandboxes are gone. A
 * real runner, real bwrap sandboxes, a student server that answers nothing
 * (each check would wait out its timeout), processes found in /proc.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { descendantsOf, stillRunning, type ProcEntry } from '../test/support/test-client.ts';
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
async function checking(client: string): Promise<{ runner: Runner; session: Session; check: Promise<unknown>; running: ProcEntry[] }> {
  const runner = new Runner();
  runners.push(runner);
  const session = await runner.open('tcp-echo', 'python', client, NO_EVENTS);
  session.setFiles([{ name: 'server.py', content: SILENT_SERVER }]);
  const before = new Set(descendantsOf(process.pid).map((p) => `${p.pid}:${p.start}`));
  let started!: () => void;
  const begun = new Promise<void>((r) => (started = r));
  const check = runner.check(session, 'server', { onPlan: () => started() });
  check.catch(() => {});
  await begun;
  // The checks' servers up and waiting for echoes that never come.
  await expect.poll(() => descendantsOf(process.pid).filter((p) => p.name === 'python3' && !before.has(`${p.pid}:${p.start}`)).length, { timeout: 20_000 }).toBeGreaterThan(0);
  const running = descendantsOf(process.pid).filter((p) => !before.has(`${p.pid}:${p.start}`));
  return { runner, session, check, running };
}

it('stops a Check whose session is closed: it ends at once as session_ended (no verdict), its checks and their sandboxes gone', async () => {
  const { runner, session, check, running } = await checking('127.0.0.41');
  if (runner.backend.name !== 'bwrap') return expect(runner.backend.name).toBe('host');
  const t0 = performance.now();
  await session.close();
  await expect(check).rejects.toMatchObject({ code: 'session_ended' });
  const ms = performance.now() - t0;
  expect(running.filter(stillRunning)).toEqual([]);
  // Each check waits 5-10 s for an echo; stopped, they are torn down instead.
  expect(ms).toBeLessThan(4000);
}, 60_000);

it("closes the runner only once every Check's checks and sandboxes are gone", async () => {
  const { runner, check, running } = await checking('127.0.0.42');
  if (runner.backend.name !== 'bwrap') return expect(runner.backend.name).toBe('host');
  await runner.close();
  // Nothing the Check started outlives the close: not a moment later, at once.
  expect(running.filter(stillRunning)).toEqual([]);
  await expect(check).rejects.toMatchObject({ code: 'session_ended' });
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
