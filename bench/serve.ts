/**
 * The runner under test: the real `socklab serve` in a child process
 * (default limits, real sandbox), and clients that connect to it over the
 * WebSocket as the page does. Every client connects from its own loopback
 * address (127.1.x.y) so the per-client session limit does not stand in for
 * the machine's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StudentFile } from '../protocol/messages.ts';
import { descendantsOf, freePort, TestClient } from '../test/support/test-client.ts';
import { killByPid, remember, sleep, track, untrack } from './processes.ts';

export const ROOT = new URL('..', import.meta.url).pathname;

export interface RunnerProc {
  child: ChildProcess;
  url: string;
  siteDir: string;
}

/** Starts `socklab serve` on a free port with an empty site and waits until it says it is up. */
export async function startRunner(): Promise<RunnerProc> {
  const siteDir = mkdtempSync(join(tmpdir(), 'socklab-bench-site-'));
  writeFileSync(join(siteDir, 'index.html'), '<!doctype html><title>socklab bench</title>\n');
  const port = await freePort();
  const child = track(
    spawn(process.execPath, ['bin/socklab.js', 'serve', '--port', String(port), '--host', '127.0.0.1', '--site', siteDir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 30_000;
  while (!log.includes('the course is at')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      killByPid(child.pid);
      rmSync(siteDir, { recursive: true, force: true });
      throw new Error(`the runner did not start:\n${log}`);
    }
    await sleep(20);
  }
  if (/warning/i.test(log)) console.warn(log.trim());
  return { child, url: `http://127.0.0.1:${port}`, siteDir };
}

/** SIGTERM, then SIGKILL after 15 s; its descendants are remembered for the final cleanup. */
export async function stopRunner(r: RunnerProc): Promise<void> {
  remember(descendantsOf(r.child.pid!));
  r.child.kill('SIGTERM');
  const exited = await Promise.race([
    new Promise<boolean>((res) => (r.child.exitCode !== null ? res(true) : r.child.once('exit', () => res(true)))),
    sleep(15_000).then(() => false),
  ]);
  if (!exited) killByPid(r.child.pid);
  untrack(r.child);
  rmSync(r.siteDir, { recursive: true, force: true });
}

/** Runs `fn` against a runner of its own, stopped afterwards whatever happens. */
export async function withRunner<T>(fn: (runner: RunnerProc) => Promise<T>): Promise<T> {
  const runner = await startRunner();
  try {
    return await fn(runner);
  } finally {
    await stopRunner(runner);
  }
}

let addressCounter = 0;
/** A fresh loopback source address per session (the runner limits sessions per address). */
function nextAddress(): string {
  const n = ++addressCounter;
  return `127.1.${(n >> 8) & 255}.${(n & 255) || 254}`;
}

/** A client connected from a fresh address, past the server's hello. */
export async function connect(url: string, opts: { ack?: 'auto' | 'never'; keepOutput?: boolean } = {}): Promise<TestClient> {
  const c = await TestClient.connect(url, { ...opts, ws: { localAddress: nextAddress() } });
  await c.waitFor((m) => m.type === 'hello', 10_000);
  return c;
}

/** Opens a tcp-echo Python session and sends it `files`. */
export async function openSession(c: TestClient, files: StudentFile[]): Promise<void> {
  const from = c.messages.length;
  c.send({ type: 'open', lab: 'tcp-echo', lang: 'python' });
  const m = await c.waitFor((x) => x.type === 'opened' || x.type === 'error', 20_000, from);
  if (m.type !== 'opened') throw new Error(`open failed: ${JSON.stringify(m)}`);
  c.send({ type: 'files', files });
}
