/**
 * Runner replicas as the tests need them: `socklab serve` child processes on
 * free loopback ports (with an agent port), their /metrics read as numbers,
 * and every process they started remembered so a test can prove none is
 * left, and kill by pid any that is.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { descendantsOf, freePort, stillRunning, type ProcEntry } from './test-client.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A one-page site: `serve --site` wants a built site, and the proxy's cookie rides on the page. */
export function tinySite(): string {
  const dir = mkdtempSync(join(tmpdir(), 'socklab-site-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>socklab</title>\n');
  return dir;
}

export interface ReplicaProc {
  name: string;
  port: number;
  agentPort: number;
  url: string;
  child: ChildProcess;
  log(): string;
  /** Resolves with the exit code (null when killed by a signal) once the process ended. */
  exited: Promise<number | null>;
  /** Remembers the replica's descendants now (sandboxes), for `leftovers`. */
  remember(): void;
  /** Processes it started that are still alive. */
  leftovers(): ProcEntry[];
  /** SIGKILL to the replica and anything it left, by pid. */
  kill(): void;
}

/** Starts `socklab serve` on a free loopback port; resolves once it serves. */
export async function startReplica(opts: { name: string; siteDir: string; capacity?: number; drainSeconds?: number }): Promise<ReplicaProc> {
  const port = await freePort();
  const agentPort = await freePort();
  const args = ['serve', '--host', '127.0.0.1', '--port', String(port), '--agent-port', String(agentPort), '--site', opts.siteDir, '--trust-proxy'];
  if (opts.capacity !== undefined) args.push('--capacity', String(opts.capacity));
  if (opts.drainSeconds !== undefined) args.push('--drain-seconds', String(opts.drainSeconds));
  const child = spawn(join(ROOT, 'bin/socklab.js'), args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const seen = new Map<string, ProcEntry>();
  const remember = () => {
    if (child.exitCode === null && child.signalCode === null) for (const p of descendantsOf(child.pid!)) seen.set(`${p.pid}:${p.start}`, p);
  };
  const leftovers = () => [...seen.values()].filter((p) => stillRunning(p));
  const replica: ReplicaProc = {
    name: opts.name,
    port,
    agentPort,
    url: `http://127.0.0.1:${port}`,
    child,
    log: () => log,
    exited,
    remember,
    leftovers,
    kill() {
      remember();
      for (const pid of [child.pid!, ...leftovers().map((p) => p.pid)]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    },
  };
  const deadline = Date.now() + 20_000;
  while (!log.includes('the course is at')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      replica.kill();
      throw new Error(`socklab serve (${opts.name}) did not start:\n${log}`);
    }
    await sleep(50);
  }
  return replica;
}

/** A plain GET (one connection, no keep-alive): status, headers and body. */
export function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { Connection: 'close', ...headers }, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** A replica's /metrics as name (with labels) -> value. */
export async function scrape(url: string): Promise<Map<string, number>> {
  const r = await get(`${url}/metrics`);
  if (r.status !== 200) throw new Error(`GET ${url}/metrics: HTTP ${r.status}`);
  const values = new Map<string, number>();
  for (const line of r.body.split('\n')) {
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) values.set(m[1]!, Number(m[2]));
  }
  return values;
}
