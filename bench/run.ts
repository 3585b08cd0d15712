/**
 * `npm run bench`: socklab's performance, each figure next to a physical
 * baseline measured in the same run on the same machine.
 *
 *   run_to_first_byte_ms  open a session over the WebSocket, send files, run a
 *                         Python program printing one line, first output byte
 *                         at the client; vs `python3 -c` spawned directly.
 *   terminal_mb_s         ~64 MB written by a program in the sandbox, read by a
 *                         WebSocket client that acknowledges like xterm; vs
 *                         the same bytes read by Node from a raw node-pty.
 *   keystroke_echo_ms     a key sent over the WebSocket until its echo comes
 *                         back from `cat` on the sandbox's terminal; vs a raw
 *                         node-pty running cat.
 *   truncated_runs        of 300 runs printing 20 KB and exiting at once, how
 *                         many arrived short; vs a raw node-pty.
 *   session_overhead_mb   per idle session running the solution server and
 *                         two clients: PSS of every process of the session's
 *                         uid plus the runner's RSS growth, minus the same
 *                         three programs run directly (the baseline).
 *   max_sessions          such sessions that start on this machine (tried up
 *                         to 250, bounded to about two minutes).
 *   lesson_page_js_kb,    the course site in chromium against its own
 *   workbench_ready_ms,   `socklab serve`: JavaScript a lesson loads before
 *   check_ms              the workbench is used, time to a ready workbench,
 *                         Check from the page vs `socklab grade` (bench/site.ts).
 *
 * The runner is the real `socklab serve` in a child process (default limits,
 * real sandbox); this process is the client. Every session connects from its
 * own loopback address (127.1.x.y) so the per-client session limit does not
 * stand in for the machine's. Results go to bench/results.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import * as pty from 'node-pty';
import type { StudentFile } from '../protocol/messages.ts';
import { DEFAULT_LIMITS } from '../runner/limits.ts';
import { Runner } from '../runner/runner.ts';
import type { Session } from '../runner/session.ts';
import { benchSite, siteRows } from './site.ts';
import {
  descendantsOf,
  freePort,
  listProcs,
  pssBytes,
  rssBytes,
  stillRunning,
  TestClient,
  type ProcEntry,
} from '../test/support/test-client.ts';
import { median, percentile, round } from './stats.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const SOLUTION = join(ROOT, 'labs/02-tcp-echo/solution/python');
const MB = 1e6;
const MiB = 1024 * 1024;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Baselines run with the environment the sandbox gives a program (its PATH
 * finds the system python3, not a version manager's shim, which alone costs
 * tens of milliseconds per start).
 */
const BASE_ENV: Record<string, string> = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  HOME: tmpdir(),
  LANG: 'C.UTF-8',
  TERM: 'xterm-256color',
  PYTHONDONTWRITEBYTECODE: '1',
};
const now = () => performance.now();


function readFolder(dir: string): StudentFile[] {
  return readdirSync(dir).map((name) => ({ name, content: readFileSync(join(dir, name), 'utf8') }));
}

function memAvailable(): number {
  const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) * 1024 : freemem();
}

/* ---------------- processes this bench started, cleaned up by pid ---------------- */

const started: ProcEntry[] = [];
const children = new Set<ChildProcess>();

function remember(procs: ProcEntry[]): void {
  for (const p of procs) if (!started.some((s) => s.pid === p.pid && s.start === p.start)) started.push(p);
}

function killByPid(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

async function cleanupAll(): Promise<number> {
  for (const c of children) killByPid(c.pid);
  children.clear();
  await sleep(200);
  let left = 0;
  for (const p of started) {
    if (stillRunning(p)) {
      left++;
      killByPid(p.pid);
    }
  }
  return left;
}

/* ---------------- the runner under test ---------------- */

interface RunnerProc {
  child: ChildProcess;
  url: string;
  siteDir: string;
}

async function startRunner(): Promise<RunnerProc> {
  const siteDir = mkdtempSync(join(tmpdir(), 'socklab-bench-site-'));
  writeFileSync(join(siteDir, 'index.html'), '<!doctype html><title>socklab bench</title>\n');
  const port = await freePort();
  const child = spawn(process.execPath, ['bin/socklab.js', 'serve', '--port', String(port), '--host', '127.0.0.1', '--site', siteDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 30_000;
  while (!log.includes('the course is at')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the runner did not start:\n${log}`);
    await sleep(20);
  }
  if (/warning/i.test(log)) console.warn(log.trim());
  return { child, url: `http://127.0.0.1:${port}`, siteDir };
}

async function stopRunner(r: RunnerProc): Promise<void> {
  remember(descendantsOf(r.child.pid!));
  r.child.kill('SIGTERM');
  const exited = await Promise.race([
    new Promise<boolean>((res) => (r.child.exitCode !== null ? res(true) : r.child.once('exit', () => res(true)))),
    sleep(15_000).then(() => false),
  ]);
  if (!exited) killByPid(r.child.pid);
  children.delete(r.child);
  rmSync(r.siteDir, { recursive: true, force: true });
}

let addressCounter = 0;
/** A fresh loopback source address per session (the runner limits sessions per address). */
function nextAddress(): string {
  const n = ++addressCounter;
  return `127.1.${(n >> 8) & 255}.${(n & 255) || 254}`;
}

async function connect(url: string, opts: { ack?: 'auto' | 'never'; keepOutput?: boolean } = {}): Promise<TestClient> {
  const c = await TestClient.connect(url, { ...opts, ws: { localAddress: nextAddress() } });
  await c.waitFor((m) => m.type === 'hello', 10_000);
  return c;
}

async function openSession(c: TestClient, files: StudentFile[]): Promise<void> {
  const from = c.messages.length;
  c.send({ type: 'open', lab: 'tcp-echo', lang: 'python' });
  const m = await c.waitFor((x) => x.type === 'opened' || x.type === 'error', 20_000, from);
  if (m.type !== 'opened') throw new Error(`open failed: ${JSON.stringify(m)}`);
  c.send({ type: 'files', files });
}

/* ---------------- 1. run to first byte ---------------- */

const PRINT_ONE = "print('hello from the sandbox', flush=True)\n";

async function benchFirstByte(url: string, iterations = 30) {
  const full: number[] = [];
  const runOnly: number[] = [];
  for (let i = -3; i < iterations; i++) {
    const t0 = now();
    const c = await connect(url);
    await openSession(c, [{ name: 'server.py', content: PRINT_ONE }]);
    const t1 = now();
    c.send({ type: 'run', clients: 0 });
    const first = await c.until(() => c.procByName('server') && c.output.get(c.procByName('server')!.id)?.firstByteAt, 10_000, 'first byte');
    if (i >= 0) {
      full.push(first - t0);
      runOnly.push(first - t1);
    }
    await c.close();
  }
  const raw: number[] = [];
  for (let i = -3; i < iterations; i++) {
    const t0 = now();
    const child = spawn('python3', ['-c', PRINT_ONE], { stdio: ['ignore', 'pipe', 'ignore'], env: BASE_ENV });
    const t = await new Promise<number>((res) => child.stdout!.once('data', () => res(now())));
    await new Promise((r) => child.once('exit', r));
    if (i >= 0) raw.push(t - t0);
  }
  return {
    p50: median(full),
    p95: percentile(full, 0.95),
    run_only_p50: median(runOnly),
    run_only_p95: percentile(runOnly, 0.95),
    baseline_p50: median(raw),
    baseline_p95: percentile(raw, 0.95),
    iterations,
  };
}

/* ---------------- 2. terminal throughput ---------------- */

/**
 * 64 MiB of 1 KiB lines; the pty turns each \n into \r\n. It binds the lab's
 * port first, as a server does, so the runner's readiness polling (which
 * stops once the port is bound) is not part of the figure. The baseline
 * runs the same program.
 */
const FLOOD_64 = `import sys, socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 0 if len(sys.argv) > 1 else 12000))
s.listen(1)
block = (b'x' * 1023 + b'\\n') * 64
w = sys.stdout.buffer.write
for _ in range(1024):
    w(block)
sys.stdout.flush()
`;
const FLOOD_BYTES_ON_PTY = 64 * MiB + 64 * 1024;

/** Reads a raw node-pty running `argv` (no sandbox, no runner) to the end; MB/s from the first byte to the last. */
async function rawPtyMbs(argv: string[]): Promise<number> {
  let first = 0;
  let bytes = 0;
  let last = 0;
  const term = pty.spawn(argv[0]!, argv.slice(1), { name: 'xterm-256color', cols: 80, rows: 24, cwd: tmpdir(), env: BASE_ENV, encoding: null });
  term.onData((d: string | Buffer) => {
    if (!first) first = now();
    bytes += d.length;
    last = now();
  });
  await new Promise<void>((r) => term.onExit(() => r()));
  await sleep(50);
  return bytes / MB / ((last - first) / 1000);
}

/** CPU time (user + system) a process has used, in ms. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return 0;
  }
}

/** The flood through a Runner in this process: sandbox, pty, batching and flow control, but no WebSocket. */
async function inProcessMbs(runner: Runner): Promise<number> {
  let bytes = 0;
  let first = 0;
  let last = 0;
  let session: Session | undefined;
  let exited!: () => void;
  const done = new Promise<void>((r) => (exited = r));
  session = await runner.open('tcp-echo', 'python', 'bench', {
    output: (proc, data) => {
      if (!first) first = now();
      bytes += data.length;
      last = now();
      setImmediate(() => session?.ack(proc, data.length));
    },
    proc: (info) => {
      if (info.state === 'exited') exited();
    },
    notice: () => {},
  });
  session.setFiles([{ name: 'server.py', content: FLOOD_64 }]);
  await session.run(0);
  await done;
  await session.close();
  return bytes / MB / ((last - first) / 1000);
}

async function benchThroughput(url: string, runnerPid: number, rounds = 5) {
  const viaRunner: number[] = [];
  const raw: number[] = [];
  const rawNotNiced: number[] = [];
  const inProcess: number[] = [];
  const withStart: number[] = [];
  const runnerCpu: number[] = [];
  const clientCpu: number[] = [];
  const local = new Runner();
  let complete = true;
  // Interleaved, so a busy moment on the machine hits every side alike.
  for (let i = 0; i < rounds; i++) {
    const c = await connect(url, { keepOutput: false });
    await openSession(c, [{ name: 'server.py', content: FLOOD_64 }]);
    await c.waitFor((m) => m.type === 'files', 10_000);
    const from = c.messages.length;
    const cpu0 = cpuMs(runnerPid);
    const client0 = process.cpuUsage();
    const t0 = now();
    c.send({ type: 'run', clients: 0 });
    const exited = await c.waitForProc((p) => p.name === 'server' && p.state === 'exited', 120_000, from);
    const out = c.output.get(exited.id)!;
    const client1 = process.cpuUsage(client0);
    runnerCpu.push(cpuMs(runnerPid) - cpu0);
    clientCpu.push((client1.user + client1.system) / 1000);
    if (out.bytes !== FLOOD_BYTES_ON_PTY || exited.exitCode !== 0) complete = false;
    // From the first byte to the last: the rate of the stream itself (starting
    // a program is what run_to_first_byte measures).
    viaRunner.push(out.bytes / MB / ((out.lastByteAt! - out.firstByteAt!) / 1000));
    withStart.push(out.bytes / MB / ((out.lastByteAt! - t0) / 1000));
    await c.close();
    // The baseline program runs at the niceness the sandbox gives students'
    // programs, so the ratio is the pipeline's cost, not the priority's.
    raw.push(await rawPtyMbs(['nice', '-n', String(DEFAULT_LIMITS.sandboxNice), 'python3', '-c', FLOOD_64, 'raw']));
    rawNotNiced.push(await rawPtyMbs(['python3', '-c', FLOOD_64, 'raw']));
    inProcess.push(await inProcessMbs(local));
  }
  await local.close();
  const mbs = median(viaRunner);
  const base = median(raw);
  // Each round's runner figure against the raw one measured right after it.
  const ratio = median(viaRunner.map((v, i) => v / raw[i]!));
  return {
    mb_s: mbs,
    baseline_mb_s: base,
    ratio,
    baseline_not_niced_mb_s: median(rawNotNiced),
    in_process_no_websocket_mb_s: median(inProcess),
    including_start_mb_s: median(withStart),
    runner_cpu_ms_per_run: median(runnerCpu),
    client_cpu_ms_per_run: median(clientCpu),
    all_bytes_arrived: complete,
    rounds,
    runs_mb_s: viaRunner.map((x) => round(x, 1)),
    baseline_runs_mb_s: raw.map((x) => round(x, 1)),
    baseline_not_niced_runs_mb_s: rawNotNiced.map((x) => round(x, 1)),
    in_process_runs_mb_s: inProcess.map((x) => round(x, 1)),
  };
}

/* ---------------- 3. keystroke echo ---------------- */

const CAT = "import os\nos.execvp('cat', ['cat'])\n";
/**
 * Time between keystrokes: a very fast typist (40 keys a second). Output
 * that follows other output within the batch interval (5 ms) is batched on
 * purpose, so keys closer together than that measure the batching instead.
 */
const KEY_GAP_MS = 25;

async function benchKeystrokes(url: string, keys = 200) {
  const c = await connect(url);
  await openSession(c, [{ name: 'server.py', content: CAT }]);
  c.send({ type: 'run', clients: 0 });
  const proc = await c.waitForProc((p) => p.name === 'server' && p.state === 'running', 15_000);
  // cat is ready once a line comes back twice (the echo, then cat's copy).
  c.send({ type: 'input', proc: proc.id, data: 'ready\r' });
  await c.waitForOutput(proc.id, /ready\r\nready\r\n/, 10_000);
  const via: number[] = [];
  for (let i = 0; i < keys + 10; i++) {
    const before = c.bytes(proc.id);
    const t0 = now();
    c.send({ type: 'input', proc: proc.id, data: 'k' });
    const t = await c.until(() => c.bytes(proc.id) > before && c.output.get(proc.id)!.lastByteAt!, 5000, 'echo');
    if (i >= 10) via.push(t - t0);
    await sleep(KEY_GAP_MS);
  }
  await c.close();

  const term = pty.spawn('cat', [], { name: 'xterm-256color', cols: 80, rows: 24, cwd: tmpdir(), env: BASE_ENV, encoding: null });
  let bytes = 0;
  let wake: (() => void) | null = null;
  term.onData((d: string | Buffer) => {
    bytes += d.length;
    wake?.();
  });
  term.write('ready\r');
  await sleep(200);
  const raw: number[] = [];
  for (let i = 0; i < keys + 10; i++) {
    const before = bytes;
    const t0 = now();
    const got = new Promise<number>((r) => (wake = () => bytes > before && r(now())));
    term.write('k');
    const t = await got;
    wake = null;
    if (i >= 10) raw.push(t - t0);
    await sleep(KEY_GAP_MS);
  }
  try {
    process.kill(term.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  return { p50: median(via), p99: percentile(via, 0.99), baseline_p50: median(raw), baseline_p99: percentile(raw, 0.99), keys };
}

/* ---------------- 4. truncated runs ---------------- */

const DATA_20K = Array.from({ length: 256 }, (_, i) => `${String(i).padStart(5, '0')} ${'the quick brown fox jumps over the lazy dog '.repeat(2).slice(0, 72)}\n`).join('');
const CAT_DATA = "import os\nos.execvp('cat', ['cat', 'data.txt'])\n";

async function benchTruncation(url: string, runs = 300) {
  const expected = Buffer.from(DATA_20K.replace(/\n/g, '\r\n'));
  const c = await connect(url);
  await openSession(c, [
    { name: 'server.py', content: CAT_DATA },
    { name: 'data.txt', content: DATA_20K },
  ]);
  let truncated = 0;
  let other = 0;
  for (let i = 0; i < runs; i++) {
    const from = c.messages.length;
    c.send({ type: 'run', clients: 0 });
    const exited = await c.waitForProc((p) => p.name === 'server' && p.state === 'exited', 20_000, from);
    const got = Buffer.concat(c.output.get(exited.id)?.chunks ?? []);
    if (got.length < expected.length) truncated++;
    else if (!got.equals(expected)) other++;
  }
  await c.close();

  const dir = mkdtempSync(join(tmpdir(), 'socklab-bench-'));
  writeFileSync(join(dir, 'data.txt'), DATA_20K);
  let rawTruncated = 0;
  for (let i = 0; i < runs; i++) {
    let bytes = 0;
    const term = pty.spawn('cat', ['data.txt'], { name: 'xterm-256color', cols: 80, rows: 24, cwd: dir, env: BASE_ENV, encoding: null });
    term.onData((d: string | Buffer) => (bytes += d.length));
    await new Promise<void>((r) => term.onExit(() => r()));
    await sleep(10);
    if (bytes < expected.length) rawTruncated++;
  }
  rmSync(dir, { recursive: true, force: true });
  return { truncated, corrupted: other, baseline_truncated: rawTruncated, runs, bytes: expected.length };
}

/* ---------------- 5. memory per idle session, and how many start ---------------- */

interface Held {
  client: TestClient;
}

/** Opens a session running the solution server and two clients waiting for input. */
async function startIdleSession(url: string, files: StudentFile[]): Promise<Held> {
  const c = await connect(url, { keepOutput: false });
  try {
    await openSession(c, files);
    c.send({ type: 'run', clients: 2 });
    await c.waitForProc((p) => p.name === 'server' && p.state === 'listening', 20_000);
    await c.waitForProc((p) => p.name === 'client 2' && p.state === 'running', 20_000);
    if (c.errors.length) throw new Error(`${c.errors[0]!.code}: ${c.errors[0]!.message}`);
  } catch (err) {
    await c.close();
    throw err;
  }
  return { client: c };
}

/**
 * PSS of the runner's descendants: in all, and the student's programs
 * (python3) apart from the rest (holder, nsenter, bwraps, launchers), which
 * is what socklab itself adds. Grouped by uid: one uid per session as root.
 */
function sessionMemory(runnerPid: number) {
  const procs = descendantsOf(runnerPid);
  remember(procs);
  const perUid = new Map<number, number>();
  let total = 0;
  let programs = 0;
  for (const p of procs) {
    const pss = pssBytes(p.pid);
    total += pss;
    if (p.name.startsWith('python')) programs += pss;
    perUid.set(p.uid, (perUid.get(p.uid) ?? 0) + pss);
  }
  return { perUid, total, programs, pythons: procs.filter((p) => p.name.startsWith('python')).length, procs };
}

async function waitPythons(runnerPid: number, count: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (descendantsOf(runnerPid).filter((p) => p.name.startsWith('python')).length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} python processes`);
    await sleep(50);
  }
  await sleep(300); // let them reach accept()/readline()
}

/** The same three programs run directly (no sandbox, no runner), to subtract. */
async function rawProgramsPss(sets: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'socklab-bench-raw-'));
  const server = readFileSync(join(SOLUTION, 'server.py'), 'utf8');
  const client = readFileSync(join(SOLUTION, 'client.py'), 'utf8');
  const procs: ChildProcess[] = [];
  const basePort = await freePort();
  for (let i = 0; i < sets; i++) {
    // Each set on its own port so they can all listen on the host.
    const port = String(basePort + 1 + i);
    writeFileSync(join(dir, `server${i}.py`), server.replace('SERVER_PORT = 12000', `SERVER_PORT = ${port}`));
    writeFileSync(join(dir, `client${i}.py`), client.replace('SERVER_PORT = 12000', `SERVER_PORT = ${port}`));
    for (const file of [`server${i}.py`, `client${i}.py`, `client${i}.py`]) {
      const p = spawn('python3', [file], { cwd: dir, stdio: ['pipe', 'ignore', 'ignore'], env: BASE_ENV });
      children.add(p);
      procs.push(p);
    }
  }
  await sleep(1500);
  const total = procs.reduce((sum, p) => sum + pssBytes(p.pid!), 0);
  for (const p of procs) {
    killByPid(p.pid);
    children.delete(p);
  }
  rmSync(dir, { recursive: true, force: true });
  return total / sets;
}

async function benchSessions(measureAt = 20, maxTry = 250, budgetMs = 120_000) {
  const files = readFolder(SOLUTION);
  const rawPerSet = await rawProgramsPss(measureAt);

  const runner = await startRunner();
  const runnerPid = runner.child.pid!;
  const held: Held[] = [];
  try {
    // Warm the runner up (code paths, JIT), then take its idle size.
    const warm = await startIdleSession(runner.url, files);
    await warm.client.close();
    await sleep(500);
    const rss0 = rssBytes(runnerPid);

    for (let i = 0; i < measureAt; i++) held.push(await startIdleSession(runner.url, files));
    await waitPythons(runnerPid, 3 * measureAt);
    const m = sessionMemory(runnerPid);
    const growth = rssBytes(runnerPid) - rss0;
    const sandboxUids = [...m.perUid.keys()].filter((u) => u >= 200_000);
    // Every process of each session's uid (as root: one uid per session).
    const uidPss = sandboxUids.length === measureAt ? sandboxUids.reduce((s, u) => s + m.perUid.get(u)!, 0) : m.total;
    const perSessionPss = uidPss / measureAt;
    const perSession = perSessionPss + growth / measureAt;
    const programsPerSession = m.programs / measureAt;
    const overhead = perSession - programsPerSession;

    // How many start: keep opening until one fails, or time or memory runs short.
    const started0 = Date.now();
    const memFloor = Math.max(2 * 1024 * MiB, totalmem() * 0.1);
    let stopReason = `reached ${maxTry}`;
    while (held.length < maxTry) {
      if (Date.now() - started0 > budgetMs) {
        stopReason = `time budget (${budgetMs / 1000} s)`;
        break;
      }
      if (memAvailable() < memFloor) {
        stopReason = 'memory available fell below 10%';
        break;
      }
      try {
        held.push(await startIdleSession(runner.url, files));
      } catch (err) {
        stopReason = `session ${held.length + 1} failed: ${(err as Error).message.slice(0, 200)}`;
        break;
      }
    }
    const secondsToFill = (Date.now() - started0) / 1000;
    const mAll = sessionMemory(runnerPid);
    const perSessionAtMax = (mAll.total + (rssBytes(runnerPid) - rss0)) / held.length;
    const memoryBound = Math.floor((memAvailable() + mAll.total) / perSessionAtMax);
    return {
      session_mb: perSession / MB,
      session_pss_mb: perSessionPss / MB,
      programs_mb: programsPerSession / MB,
      runner_growth_mb_per_session: growth / measureAt / MB,
      raw_programs_mb: rawPerSet / MB,
      overhead_mb: overhead / MB,
      measured_at_sessions: measureAt,
      max_sessions: held.length,
      max_tried: maxTry,
      stop_reason: stopReason,
      seconds_to_fill: secondsToFill,
      session_mb_at_max: perSessionAtMax / MB,
      memory_bound_estimate: memoryBound,
      processes_at_max: mAll.procs.length,
    };
  } finally {
    // Close in small groups so the runner tears sandboxes down in order.
    for (let i = 0; i < held.length; i += 25) await Promise.all(held.slice(i, i + 25).map((h) => h.client.close()));
    await sleep(500);
    await stopRunner(runner);
  }
}

/* ---------------- main ---------------- */

interface Row {
  metric: string;
  value: string;
  baseline: string;
  ratio: string;
  goal: string;
  ok: boolean;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? '?', mem_gib: round(totalmem() / 1024 ** 3, 1), kernel: release(), node: process.version, uid: process.getuid?.() };
  console.log(`socklab bench: ${machine.cpus} x ${machine.cpu}, ${machine.mem_gib} GiB, Linux ${machine.kernel}, Node ${machine.node}\n`);

  // `npm run bench -- keys` runs only some sections (first_byte, throughput, keys, truncation, sessions, site).
  const only = process.argv.slice(2);
  const want = (name: string) => only.length === 0 || only.includes(name);
  let firstByte, throughput, keystrokes, truncation, sessions, site;
  const runner = ['first_byte', 'throughput', 'keys', 'truncation'].some(want) ? await startRunner() : null;
  if (runner) {
    try {
      if (want('first_byte')) {
        console.log('run to first byte (30 runs)...');
        firstByte = await benchFirstByte(runner.url);
      }
      if (want('throughput')) {
        console.log('terminal throughput (5 x 64 MiB each way)...');
        throughput = await benchThroughput(runner.url, runner.child.pid!);
      }
      if (want('keys')) {
        console.log('keystroke echo (200 keys)...');
        keystrokes = await benchKeystrokes(runner.url);
      }
      if (want('truncation')) {
        console.log('truncated runs (300 x 20 KB)...');
        truncation = await benchTruncation(runner.url);
      }
    } finally {
      await stopRunner(runner);
    }
  }
  if (want('site')) {
    console.log('the site in chromium: lesson JS, workbench ready (5 cold loads), Check vs socklab grade (3 each)...');
    site = await benchSite();
  }
  if (want('sessions')) {
    console.log('memory per session and max sessions (up to ~2 min)...');
    sessions = await benchSessions();
  }
  const leftover = await cleanupAll();

  const rows: Row[] = [];
  if (firstByte) {
    rows.push(
      {
        metric: 'run_to_first_byte_ms p50',
        value: round(firstByte.p50, 1).toString(),
        baseline: `${round(firstByte.baseline_p50, 1)} (python3 -c)`,
        ratio: `${round(firstByte.p50 / firstByte.baseline_p50, 1)}x`,
        goal: 'p50 <= 60',
        ok: firstByte.p50 <= 60,
      },
      {
        metric: 'run_to_first_byte_ms p95',
        value: round(firstByte.p95, 1).toString(),
        baseline: `${round(firstByte.baseline_p95, 1)} (python3 -c)`,
        ratio: `${round(firstByte.p95 / firstByte.baseline_p95, 1)}x`,
        goal: '',
        ok: true,
      },
      {
        metric: '  files+run only, p50/p95',
        value: `${round(firstByte.run_only_p50, 1)}/${round(firstByte.run_only_p95, 1)}`,
        baseline: '',
        ratio: '',
        goal: '',
        ok: true,
      },
    );
  }
  if (throughput) {
    rows.push({
      metric: 'terminal_mb_s',
      value: round(throughput.mb_s, 1).toString(),
      baseline: `${round(throughput.baseline_mb_s, 1)} (raw node-pty, nice ${DEFAULT_LIMITS.sandboxNice})`,
      ratio: `${Math.round(throughput.ratio * 100)}%`,
      goal: '>= 90% of raw',
      ok: throughput.ratio >= 0.9 && throughput.all_bytes_arrived,
    });
    rows.push({
      metric: '  same runner in-process, no WebSocket',
      value: round(throughput.in_process_no_websocket_mb_s, 1).toString(),
      baseline: '',
      ratio: `${Math.round((throughput.in_process_no_websocket_mb_s / throughput.baseline_mb_s) * 100)}%`,
      goal: '',
      ok: true,
    });
    rows.push({
      metric: '  raw node-pty, not niced',
      value: '',
      baseline: round(throughput.baseline_not_niced_mb_s, 1).toString(),
      ratio: `${Math.round((throughput.mb_s / throughput.baseline_not_niced_mb_s) * 100)}%`,
      goal: '',
      ok: true,
    });
  }
  if (keystrokes) {
    rows.push(
      {
        metric: 'keystroke_echo_ms p50',
        value: round(keystrokes.p50, 2).toString(),
        baseline: `${round(keystrokes.baseline_p50, 2)} (raw node-pty cat)`,
        ratio: `+${round(keystrokes.p50 - keystrokes.baseline_p50, 2)} ms`,
        goal: 'p50 <= 5',
        ok: keystrokes.p50 <= 5,
      },
      {
        metric: 'keystroke_echo_ms p99',
        value: round(keystrokes.p99, 2).toString(),
        baseline: `${round(keystrokes.baseline_p99, 2)} (raw node-pty cat)`,
        ratio: `+${round(keystrokes.p99 - keystrokes.baseline_p99, 2)} ms`,
        goal: '',
        ok: true,
      },
    );
  }
  if (truncation) {
    rows.push({
      metric: `truncated_runs /${truncation.runs}`,
      value: `${truncation.truncated}${truncation.corrupted ? ` (+${truncation.corrupted} garbled)` : ''}`,
      baseline: `${truncation.baseline_truncated} (raw node-pty)`,
      ratio: '',
      goal: '0 truncated',
      ok: truncation.truncated === 0 && truncation.corrupted === 0,
    });
  }
  if (sessions) {
    rows.push(
      {
        metric: 'session_overhead_mb',
        value: round(sessions.overhead_mb, 2).toString(),
        baseline: `${round(sessions.raw_programs_mb, 2)} (the 3 programs alone)`,
        ratio: `${round(sessions.session_mb, 2)} MB in all`,
        goal: '<= 10',
        ok: sessions.overhead_mb <= 10,
      },
      {
        metric: 'max_sessions',
        value: String(sessions.max_sessions),
        baseline: `${sessions.memory_bound_estimate} (memory bound)`,
        ratio: '',
        goal: '>= 200',
        ok: sessions.max_sessions >= 200,
      },
    );
  }

  if (site) rows.push(...siteRows(site));

  const widths = (['metric', 'value', 'baseline', 'ratio', 'goal'] as const).map((k) => Math.max(k.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log();
  console.log(line(['metric', 'value', 'baseline', 'ratio', 'goal']) + '  ok');
  console.log(widths.map((w) => '-'.repeat(w)).join('  ') + '  --');
  for (const r of rows) console.log(line([r.metric, r.value, r.baseline, r.ratio, r.goal]) + `  ${r.goal ? (r.ok ? 'yes' : 'NO') : ''}`);
  if (throughput) {
    console.log(
      `\nterminal: per 64 MiB run the runner process used ${Math.round(throughput.runner_cpu_ms_per_run)} ms of CPU and this client ` +
        `${Math.round(throughput.client_cpu_ms_per_run)} ms, on ${cpus().length} cores shared with the program (load average now ${loadavg()[0]!.toFixed(1)})`,
    );
  }
  if (sessions) {
    console.log(`\nmax_sessions stopped: ${sessions.stop_reason}; ${round(sessions.seconds_to_fill, 1)} s to fill, ${sessions.processes_at_max} processes, ${round(sessions.session_mb_at_max, 2)} MB per session at the max`);
    console.log(
    `memory per session at ${sessions.measured_at_sessions} sessions: ${round(sessions.session_pss_mb, 2)} MB PSS of the session's uid ` +
      `(${round(sessions.programs_mb, 2)} MB of it the three python3 programs) + ${round(sessions.runner_growth_mb_per_session, 2)} MB runner RSS growth; ` +
      `overhead = the rest`,
    );
  }
  if (leftover) console.log(`cleanup: killed ${leftover} leftover processes by pid`);
  console.log(`bench took ${round((Date.now() - t0) / 1000, 1)} s`);

  const results = {
    date: new Date().toISOString(),
    machine,
    run_to_first_byte_ms: firstByte,
    terminal_mb_s: throughput,
    keystroke_echo_ms: keystrokes,
    truncated_runs: truncation,
    sessions,
    site,
    goals: Object.fromEntries(rows.filter((r) => r.goal).map((r) => [r.metric, { goal: r.goal, ok: r.ok }])),
    leftover_processes_killed: leftover,
  };
  if (only.length) {
    console.log(JSON.stringify(results));
    console.log('(a partial run: bench/results.json left as it was)');
    return;
  }
  writeFileSync(join(ROOT, 'bench/results.json'), JSON.stringify(results, null, 2) + '\n');
  console.log('wrote bench/results.json');
}

const onSignal = () => {
  void cleanupAll().then(() => process.exit(130));
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    console.error('bench failed:', err);
    await cleanupAll();
    process.exit(1);
  },
);
