/**
 * A runner in its own process (`socklab serve` on a free loopback port with
 * a one-page site), for tests and the soak that must watch it from outside:
 * its descriptors, its memory, whether it survives. Not part of the runner.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { descendantsOf, freePort, stillRunning, type ProcEntry } from './test-client.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface ServedRunner {
  child: ChildProcess;
  pid: number;
  url: string;
  port: number;
  /** Everything the runner printed so far. */
  log(): string;
  /** Open descriptors of the runner process right now. */
  openFiles(): number;
  /** Stops the runner (SIGTERM, then SIGKILL) and kills any process it left, by pid; resolves with how many were left. */
  stop(): Promise<number>;
}

/** Starts `socklab serve` with extra arguments; resolves once it listens. */
export async function serveChild(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ServedRunner> {
  const siteDir = mkdtempSync(join(tmpdir(), 'socklab-site-'));
  writeFileSync(join(siteDir, 'index.html'), '<!doctype html><title>socklab</title>\n');
  const port = await freePort();
  const child = spawn(join(ROOT, 'bin/socklab.js'), ['serve', '--port', String(port), '--host', '127.0.0.1', '--site', siteDir, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 30_000;
  while (!log.includes('the course is at')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(siteDir, { recursive: true, force: true });
      throw new Error(`the runner did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const pid = child.pid!;
  const seen: ProcEntry[] = [];
  return {
    child,
    pid,
    port,
    url: `http://127.0.0.1:${port}`,
    log: () => log,
    openFiles: () => readdirSync(`/proc/${pid}/fd`).length,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        seen.push(...descendantsOf(pid));
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(siteDir, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
      const left = seen.filter(stillRunning);
      for (const p of left) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          /* gone meanwhile */
        }
      }
      return left.length;
    },
  };
}
