/**
 * `npm run soak`: many students working against one runner for a long time,
 * then the figures that show whether it wears out.
 *
 * The runner is the real `socklab serve` in a child process. N simulated
 * students (default 100, `--sessions`) work for M minutes (default 10,
 * `--minutes`), each from its own loopback address, doing what students do
 * on the tcp-echo page: Run, type a line into a client and read the reply,
 * restart a client, add clients, Check (and wait for the verdict), Run
 * again, close the tab and open it again. A probe session in a process of
 * its own types a key every 50 ms throughout; the same probe runs first
 * against the quiet runner for the comparison.
 *
 * Figures (bench/soak-results.json): the runner's RSS and open descriptors
 * at the start and the end (both with only the probe's session open),
 * processes left once every session closed (must be 0), unexpected errors
 * (must be 0: an `internal` error, a malformed message, a step that timed
 * out), and keystroke echo p50/p99 quiet and during the soak.
 *
 *   node bin/run-ts.js bench/soak.ts [--sessions 100] [--minutes 10] [--out FILE]
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ProcInfo, ServerMessage, StudentFile } from '../protocol/messages.ts';
import { spawnEchoProbe } from '../test/support/echo-probe.ts';
import { serveChild } from '../test/support/serve-child.ts';
import { descendantsOf, rssBytes, stillRunning, TestClient } from '../test/support/test-client.ts';
import { percentile, round } from './stats.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const SOLUTION = join(ROOT, 'labs/02-tcp-echo/solution/python');
const MiB = 1024 * 1024;
/** How long the probe measures the quiet runner before the students arrive. */
const QUIET_MS = 15_000;
/** A student's pause between two actions. */
const THINK_MS: [number, number] = [1500, 6000];
/** Errors a student can cause by doing things in a hurry; anything else is unexpected. */
const EXPECTED_CODES = new Set(['too_many_processes', 'check_running', 'unknown_process', 'session_ended']);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const between = ([lo, hi]: [number, number]) => lo + Math.random() * (hi - lo);

const { values: args } = parseArgs({
  options: { sessions: { type: 'string', default: '100' }, minutes: { type: 'string', default: '10' }, out: { type: 'string', default: join(ROOT, 'bench/soak-results.json') } },
});
const SESSIONS = Number(args.sessions);
const MINUTES = Number(args.minutes);
if (!(SESSIONS >= 1 && MINUTES > 0)) {
  console.error('usage: node bin/run-ts.js bench/soak.ts [--sessions N] [--minutes M] [--out FILE]');
  process.exit(2);
}

const files: StudentFile[] = readdirSync(SOLUTION).map((name) => ({ name, content: readFileSync(join(SOLUTION, name), 'utf8') }));
const actions: Record<string, number> = {};
const errorsByCode: Record<string, number> = {};
const unexpected: string[] = [];

/** Counts what a client was told, then closes it. */
async function retire(n: number, client: TestClient): Promise<void> {
  for (const m of client.messages) {
    if (m.type !== 'error') continue;
    errorsByCode[m.code] = (errorsByCode[m.code] ?? 0) + 1;
    if (!EXPECTED_CODES.has(m.code)) unexpected.push(`student ${n}: error ${m.code}: ${m.message}`);
  }
  if (client.invalid.length) unexpected.push(`student ${n}: ${client.invalid.length} malformed messages`);
  await client.close();
}

/** One student: works until `deadline`, then closes the tab. */
async function student(n: number, url: string, deadline: number): Promise<void> {
  const localAddress = `127.2.${(n >> 8) & 255}.${(n & 255) + 1}`;
  let c: TestClient | null = null;
  const count = (what: string) => (actions[what] = (actions[what] ?? 0) + 1);
  const step = async <T>(what: string, body: (c: TestClient) => Promise<T>): Promise<T | null> => {
    count(what);
    try {
      return await body(c!);
    } catch (err) {
      unexpected.push(`student ${n}, ${what}: ${(err as Error).message.slice(0, 300)}`);
      if (c) await retire(n, c);
      c = null;
      return null;
    }
  };
  const open = async () => {
    c = await TestClient.connect(url, { ws: { localAddress }, keepOutput: true });
    runFrom = 0;
    await c.waitFor((m) => m.type === 'hello', 20_000);
    c.send({ type: 'open', lab: 'tcp-echo', lang: 'python' });
    const m = await c.waitFor((x) => x.type === 'opened' || x.type === 'error', 60_000);
    if (m.type !== 'opened') throw new Error(`open: ${JSON.stringify(m)}`);
    c.send({ type: 'files', files });
    await run(c);
  };
  /** Where the current run plan's messages begin: processes of earlier runs are gone. */
  let runFrom = 0;
  const run = async (c: TestClient) => {
    const from = c.messages.length;
    runFrom = from;
    c.send({ type: 'run' });
    await c.waitForProc((p) => p.name === 'server' && p.state === 'listening', 60_000, from);
    await c.waitForProc((p) => p.name === 'client 1' && p.state === 'running', 60_000, from);
  };
  /**
   * The processes of the current run, as last reported: those that started
   * since the Run (the exits of the previous run's processes come after it too).
   */
  const current = (c: TestClient) => {
    const procs = new Map<number, ProcInfo>();
    for (const m of c.messages.slice(runFrom)) {
      if (m.type === 'proc' && (procs.has(m.proc.id) || m.proc.state === 'starting')) procs.set(m.proc.id, m.proc);
    }
    return [...procs.values()];
  };
  /** A client still waiting for its line, if any. */
  const waitingClient = (c: TestClient) => current(c).find((p) => p.role === 'client' && p.state === 'running');
  const anyClient = (c: TestClient) => current(c).filter((p) => p.role === 'client').sort(() => Math.random() - 0.5)[0];

  while (Date.now() < deadline) {
    if (!c) {
      await step('open', open);
      if (!c) {
        await sleep(5000);
        continue;
      }
    }
    await sleep(between(THINK_MS));
    if (Date.now() >= deadline) break;
    const r = Math.random();
    if (r < 0.45) {
      await step('type', async (c) => {
        const p = waitingClient(c);
        if (!p) return;
        const word = `word${Math.floor(Math.random() * 1e6)}`;
        c.send({ type: 'input', proc: p.id, data: `${word}\r` });
        await c.waitForOutput(p.id, new RegExp(word.toUpperCase()), 30_000);
      });
    } else if (r < 0.65) {
      await step('restart', async (c) => {
        const p = anyClient(c);
        if (!p) return;
        const from = c.messages.length;
        c.send({ type: 'restart', proc: p.id });
        await c.waitForProc((q) => q.id === p.id && q.state === 'running', 60_000, from);
      });
    } else if (r < 0.78) {
      await step('addClient', async (c) => {
        if (current(c).filter((p) => p.state !== 'exited').length >= 4) return;
        const from = c.messages.length;
        c.send({ type: 'addClient' });
        await c.waitFor((m) => (m.type === 'proc' && m.proc.role === 'client' && m.proc.state === 'running') || m.type === 'error', 60_000, from);
      });
    } else if (r < 0.88) {
      await step('run', run);
    } else if (r < 0.95) {
      await step('reopen', async (c) => {
        await retire(n, c);
        await open();
      });
    } else {
      await step('check', async (c) => {
        const from = c.messages.length;
        c.send({ type: 'check' });
        const done = await c.waitFor<Extract<ServerMessage, { type: 'checkDone' }>>((m) => m.type === 'checkDone' || (m.type === 'error' && m.code !== 'check_running'), 600_000, from);
        if (done.type !== 'checkDone' || done.failed > 0) throw new Error(`Check: ${JSON.stringify(c.messages.slice(from).filter((m) => m.type !== 'checkResult' || m.result.status === 'failed')).slice(0, 300)}`);
      });
    }
  }
  if (c) await retire(n, c);
}

function echoFigures(times: number[]) {
  return { keys: times.length, p50: round(percentile(times, 0.5)), p99: round(percentile(times, 0.99)), max: round(Math.max(...times)) };
}

async function main(): Promise<void> {
  const runner = await serveChild();
  const before = new Set(descendantsOf(runner.pid).map((p) => `${p.pid}:${p.start}`));
  const probe = await spawnEchoProbe(runner.url, '127.2.255.254');
  let results: unknown;
  try {
    console.log(`quiet runner: probing echo for ${QUIET_MS / 1000} s...`);
    await sleep(QUIET_MS);
    const quiet = probe.take();
    const start = { rss_mib: round(rssBytes(runner.pid) / MiB, 1), open_fds: runner.openFiles() };
    console.log(`soak: ${SESSIONS} students for ${MINUTES} min...`);
    const deadline = Date.now() + MINUTES * 60_000;
    let peakRss = 0;
    let peakFds = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, rssBytes(runner.pid));
      peakFds = Math.max(peakFds, runner.openFiles());
    }, 1000);
    const progress = setInterval(() => console.log(`  ${Math.round((deadline - Date.now()) / 1000)} s left; actions ${JSON.stringify(actions)}; unexpected ${unexpected.length}`), 30_000);
    // Students arrive over the first tenth of the soak, as a class does.
    await Promise.all(Array.from({ length: SESSIONS }, (_, i) => sleep((i / SESSIONS) * MINUTES * 6000).then(() => student(i, runner.url, deadline))));
    clearInterval(progress);
    clearInterval(sampler);
    const during = probe.take();
    // Every student's session closed; wait until the runner has ended them all.
    const settle = Date.now() + 30_000;
    const leftNow = () => descendantsOf(runner.pid).filter((p) => !before.has(`${p.pid}:${p.start}`) && stillRunning(p));
    const probeProcs = () => leftNow().length;
    let lastCount = probeProcs();
    while (Date.now() < settle) {
      await sleep(1000);
      const count = probeProcs();
      if (count === lastCount) break;
      lastCount = count;
    }
    const end = { rss_mib: round(rssBytes(runner.pid) / MiB, 1), open_fds: runner.openFiles() };
    await probe.stop();
    let left = leftNow();
    for (const stop = Date.now() + 15_000; left.length && Date.now() < stop; left = leftNow()) await sleep(500);
    results = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, loadavg_1m_at_end: round(loadavg()[0]!, 2) },
      sessions: SESSIONS,
      minutes: MINUTES,
      runner: { start, end, peak: { rss_mib: round(peakRss / MiB, 1), open_fds: peakFds } },
      processes_left_after_close: left.length,
      unexpected_errors: unexpected.length,
      unexpected: unexpected.slice(0, 20),
      error_codes: errorsByCode,
      actions,
      keystroke_echo_ms: { quiet: echoFigures(quiet), during_soak: echoFigures(during) },
    };
  } finally {
    await probe.stop().catch(() => undefined);
    const killed = await runner.stop();
    if (killed) console.error(`soak: killed ${killed} processes the runner left behind`);
  }
  writeFileSync(args.out!, JSON.stringify(results, null, 2) + '\n');
  console.log(JSON.stringify(results, null, 2));
  console.log(`wrote ${args.out}`);
  const r = results as { processes_left_after_close: number; unexpected_errors: number };
  process.exit(r.processes_left_after_close === 0 && r.unexpected_errors === 0 ? 0 : 1);
}

await main();
