/**
 * What the browser tests (workbench.test.ts) and the site benchmark
 * (bench/site.ts) share: Debian's chromium through playwright-core, a
 * private snapshot of the built site, `socklab serve` as a child process,
 * and a plain static server (a site with no runner behind it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSite, siteIsStale } from '../../runner/course/build.ts';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumExecutable } from '../../runner/grader/harness/chromium.ts';
import { descendantsOf, freePort, listProcs, stillRunning, type ProcEntry } from './test-client.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SANDBOX_UID_MIN = 200_000;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumExecutable(), args: CHROMIUM_ARGS });
}

/* ------------------------------------------------------- the site, copied */

/** Every file under `dir` (relative paths). */
function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(dir, r));
    else out.push(r);
  }
  return out;
}

function signature(dir: string): string {
  try {
    return walk(dir)
      .map((f) => {
        const st = statSync(join(dir, f));
        return `${f}:${st.size}:${st.mtimeMs}`;
      })
      .sort()
      .join('\n');
  } catch {
    return `unreadable ${Date.now()}`;
  }
}

/** Whether every /_astro/ asset the pages name, and every chunk the scripts import, is there. */
function complete(dir: string, mustHave: string[]): boolean {
  if (!mustHave.every((f) => existsSync(join(dir, f)))) return false;
  for (const f of walk(dir)) {
    if (f.endsWith('.html')) {
      for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/(?:src|href)="\/(_astro\/[^"?#]+)"/g)) if (!existsSync(join(dir, m[1]!))) return false;
    } else if (f.startsWith('_astro/') && f.endsWith('.js')) {
      for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/["']\.\/([\w.-]+\.(?:js|css))["']/g)) if (!existsSync(join(dir, '_astro', m[1]!))) return false;
    }
  }
  return true;
}

/**
 * A private, consistent copy of the built site (remove it when done).
 * Others may rebuild dist/ while tests or benchmarks run (a build replaces
 * its files with new hashed names, so a page loaded before the build asks
 * for chunks that are gone), so the runner serves a copy taken while dist/
 * was complete and did not change. When dist/ is missing it is built
 * first, as `socklab serve` would; with `rebuildStale` (the benchmarks,
 * which run one at a time) also when a source of the site is newer.
 */
export async function snapshotSite(mustHave: string[] = ['index.html'], timeoutMs = 120_000, opts: { rebuildStale?: boolean } = {}): Promise<string> {
  const dist = join(ROOT, 'dist');
  if (!existsSync(join(dist, 'index.html')) || (opts.rebuildStale && siteIsStale(dist))) {
    if (!buildSite(null)) throw new Error('the site did not build');
  }
  const copy = mkdtempSync(join(tmpdir(), 'socklab-site-'));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const before = signature(dist);
    await sleep(300);
    if (signature(dist) === before && complete(dist, mustHave)) {
      rmSync(copy, { recursive: true, force: true });
      cpSync(dist, copy, { recursive: true });
      if (signature(dist) === before && complete(copy, mustHave)) return copy;
    }
    if (Date.now() > deadline) {
      rmSync(copy, { recursive: true, force: true });
      throw new Error('dist/ never held a complete, unchanging build');
    }
    await sleep(500);
  }
}

/* ----------------------------------------------------------- the runner */

export interface Served {
  child: ChildProcess;
  url: string;
  log(): string;
  /** The runner's sandbox processes now (uid >= 200000, its descendants). */
  sandboxProcs(): ProcEntry[];
  /** SIGTERM, then SIGKILL by pid; then kills by pid any of its processes still alive. */
  stop(): Promise<number>;
}

/** `socklab serve` on a free loopback port (or `port`: a runner restarted where the last one was), serving `siteDir`. */
export async function startServe(siteDir: string, timeoutMs = 60_000, port?: number): Promise<Served> {
  port ??= await freePort();
  const child = spawn(join(ROOT, 'bin/socklab.js'), ['serve', '--port', String(port), '--host', '127.0.0.1', '--site', siteDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const seen = new Map<string, ProcEntry>();
  const remember = (procs: ProcEntry[]) => {
    for (const p of procs) seen.set(`${p.pid}:${p.start}`, p);
    return procs;
  };
  const kill = (pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL') => {
    try {
      if (pid) process.kill(pid, signal);
    } catch {
      /* gone */
    }
  };
  const deadline = Date.now() + timeoutMs;
  while (!log.includes('the course is at')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      kill(child.pid);
      throw new Error(`socklab serve did not start:\n${log}`);
    }
    await sleep(50);
  }
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    log: () => log,
    sandboxProcs: () => remember(descendantsOf(child.pid!).filter((p) => p.uid >= SANDBOX_UID_MIN)),
    async stop() {
      remember(descendantsOf(child.pid!, listProcs()));
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        kill(child.pid, 'SIGTERM');
        await Promise.race([exited, sleep(10_000)]);
        if (child.exitCode === null && child.signalCode === null) kill(child.pid);
      }
      await sleep(200);
      let left = 0;
      for (const p of seen.values()) {
        if (stillRunning(p)) {
          left++;
          kill(p.pid);
        }
      }
      return left;
    },
  };
}

/* ------------------------------------------------- a site with no runner */

export async function staticServer(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.ttf': 'font/ttf', '.json': 'application/json' };
  const server = createHttpServer((req, res) => {
    let file = normalize(join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!file.startsWith(normalize(dir)) || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
