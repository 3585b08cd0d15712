/**
 * Terminal throughput: ~64 MB written by a program in the sandbox, read by
 * a WebSocket client that acknowledges like xterm. The goal's baseline is a
 * minimal relay (bench/minimal-relay.ts: node-pty onData straight to
 * ws.send in a process of its own) read by the same client: the same
 * WebSocket hop and process count, without socklab's sandbox, batching and
 * flow control. For information: the same program's bytes read by this
 * process from a raw node-pty (at the sandbox's niceness, and not niced),
 * and the runner in this process with no WebSocket. All interleaved round
 * by round.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as pty from 'node-pty';
import { DEFAULT_LIMITS } from '../runner/limits.ts';
import { Runner } from '../runner/runner.ts';
import { childrenOf } from '../runner/sandbox/procfs.ts';
import type { Session } from '../runner/session.ts';
import { info, type Figure, type Row } from './figure.ts';
import { BASE_ENV, killByPid, sleep, track, untrack } from './processes.ts';
import { connect, openSession, ROOT, withRunner } from './serve.ts';
import { freePort } from '../test/support/test-client.ts';
import { median, round } from './stats.ts';

const MB = 1e6;
const MiB = 1024 * 1024;
const ROUNDS = 5;
const now = () => performance.now();

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

/** Starts bench/minimal-relay.ts in a process of its own; resolves once it listens. */
async function startRelay(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = track(spawn(process.execPath, ['bin/run-ts.js', 'bench/minimal-relay.ts', String(port), String(DEFAULT_LIMITS.sandboxNice)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] }));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()).includes('listening') && resolve());
    child.once('exit', (code) => reject(new Error(`the minimal relay exited (${code}) before listening`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

/** One flood through the minimal relay, read by the same acknowledging client as the runner's. */
async function relayRun(url: string, relayPid: number): Promise<{ mbs: number; cpuMs: number; complete: boolean }> {
  const c = await connect(url, { keepOutput: false });
  try {
    const cpu0 = cpuMs(relayPid);
    c.sendRaw(JSON.stringify({ type: 'run', program: FLOOD_64 }), false);
    const exited = await c.waitForProc((p) => p.state === 'exited', 120_000);
    // node-pty may report the exit before the last reads of the pty (socklab
    // waits for its launcher's exit marker instead): give the tail a moment.
    await c.until(() => c.bytes(exited.id) >= FLOOD_BYTES_ON_PTY, 2000, 'the last bytes').catch(() => undefined);
    const out = c.output.get(exited.id)!;
    if (out.bytes !== FLOOD_BYTES_ON_PTY || exited.exitCode !== 0) console.warn(`minimal relay: ${out.bytes} bytes of ${FLOOD_BYTES_ON_PTY}, exit ${exited.exitCode}`);
    return {
      mbs: out.bytes / MB / ((out.lastByteAt! - out.firstByteAt!) / 1000),
      cpuMs: cpuMs(relayPid) - cpu0,
      complete: out.bytes === FLOOD_BYTES_ON_PTY && exited.exitCode === 0,
    };
  } finally {
    await c.close();
  }
}

/**
 * The CPU time of the runner's terminal relays (its forker's children named
 * socklab-relay: each terminal's, reading the program's output for the
 * runner) until `done`: the runner's own work on the way, counted with its
 * process's. Looked at every 20 ms while they run (a relay's last 20 ms at
 * most are not counted: it is gone by the time the run is seen to end).
 */
async function relayCpuUntil(runnerPid: number, done: Promise<unknown>): Promise<number> {
  let over = false;
  void done.then(() => (over = true), () => (over = true));
  const seen = new Map<number, number>();
  while (!over) {
    for (const pid of relaysOf(runnerPid)) seen.set(pid, cpuMs(pid) || seen.get(pid) || 0);
    await new Promise((r) => setTimeout(r, 20));
  }
  return [...seen.values()].reduce((a, b) => a + b, 0);
}

/** The runner's relays now: grandchildren of `runnerPid` (through its forker) named socklab-relay. */
function relaysOf(runnerPid: number): number[] {
  const out: number[] = [];
  for (const forker of childrenOf(runnerPid)) {
    for (const pid of childrenOf(forker)) {
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'socklab-relay') out.push(pid);
      } catch {
        /* gone */
      }
    }
  }
  return out;
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
  let exited!: () => void;
  const done = new Promise<void>((r) => (exited = r));
  const session: Session = await runner.open('tcp-echo', 'python', 'bench', {
    output: (proc, data) => {
      if (!first) first = now();
      bytes += data.length;
      last = now();
      setImmediate(() => session.ack(proc, data.length));
    },
    proc: (p) => {
      if (p.state === 'exited') exited();
    },
    notice: () => {},
  });
  session.setFiles([{ name: 'server.py', content: FLOOD_64 }]);
  await session.run(0);
  await done;
  await session.close();
  return bytes / MB / ((last - first) / 1000);
}

export interface TerminalResults {
  mb_s: number;
  /** The minimal relay's MB/s (the goal's baseline). */
  relay_mb_s: number;
  /** Median per round of socklab's MB/s over the relay's measured beside it. */
  relay_ratio: number;
  relay_cpu_ms_per_run: number;
  relay_runs_mb_s: number[];
  baseline_mb_s: number;
  ratio: number;
  baseline_not_niced_mb_s: number;
  in_process_no_websocket_mb_s: number;
  including_start_mb_s: number;
  runner_cpu_ms_per_run: number;
  client_cpu_ms_per_run: number;
  /** Every byte of every run via the runner arrived (the goal requires it). */
  all_bytes_arrived: boolean;
  /** The same for the minimal relay, which node-pty may cut short at its exit (socklab waits for an exit marker instead). */
  relay_all_bytes_arrived: boolean;
  rounds: number;
  runs_mb_s: number[];
  baseline_runs_mb_s: number[];
  baseline_not_niced_runs_mb_s: number[];
  in_process_runs_mb_s: number[];
  /** The 1-minute load average when the rounds ended. */
  load_after: number;
}

/** Measures terminal throughput against a fresh runner. */
export async function benchTerminal(rounds = ROUNDS): Promise<TerminalResults> {
  const viaRunner: number[] = [];
  const raw: number[] = [];
  const rawNotNiced: number[] = [];
  const inProcess: number[] = [];
  const withStart: number[] = [];
  const runnerCpu: number[] = [];
  const clientCpu: number[] = [];
  const relay: number[] = [];
  const relayCpu: number[] = [];
  let complete = true;
  let relayComplete = true;
  const local = new Runner();
  const minimal = await startRelay();
  try {
    await withRunner(async ({ url, child }) => {
      // Interleaved, so a busy moment on the machine hits every side alike.
      for (let i = 0; i < rounds; i++) {
        const c = await connect(url, { keepOutput: false });
        await openSession(c, [{ name: 'server.py', content: FLOOD_64 }]);
        await c.waitFor((m) => m.type === 'files', 10_000);
        const from = c.messages.length;
        const cpu0 = cpuMs(child.pid!);
        const client0 = process.cpuUsage();
        const t0 = now();
        c.send({ type: 'run', clients: 0 });
        const exitedNow = c.waitForProc((p) => p.name === 'server' && p.state === 'exited', 120_000, from);
        const relayed = relayCpuUntil(child.pid!, exitedNow);
        const exited = await exitedNow;
        const out = c.output.get(exited.id)!;
        const client1 = process.cpuUsage(client0);
        runnerCpu.push(cpuMs(child.pid!) - cpu0 + (await relayed));
        clientCpu.push((client1.user + client1.system) / 1000);
        if (out.bytes !== FLOOD_BYTES_ON_PTY || exited.exitCode !== 0) {
          console.warn(`runner: ${out.bytes} bytes of ${FLOOD_BYTES_ON_PTY}, exit ${exited.exitCode}`);
          complete = false;
        }
        // From the first byte to the last: the rate of the stream itself (starting
        // a program is what run_to_first_byte measures).
        viaRunner.push(out.bytes / MB / ((out.lastByteAt! - out.firstByteAt!) / 1000));
        withStart.push(out.bytes / MB / ((out.lastByteAt! - t0) / 1000));
        await c.close();
        const r = await relayRun(minimal.url, minimal.child.pid!);
        relay.push(r.mbs);
        relayCpu.push(r.cpuMs);
        if (!r.complete) relayComplete = false;
        // The raw-pty program runs at the niceness the sandbox gives students'
        // programs, so the ratio is the pipeline's cost, not the priority's.
        raw.push(await rawPtyMbs(['nice', '-n', String(DEFAULT_LIMITS.sandboxNice), 'python3', '-c', FLOOD_64, 'raw']));
        rawNotNiced.push(await rawPtyMbs(['python3', '-c', FLOOD_64, 'raw']));
        inProcess.push(await inProcessMbs(local));
      }
    });
  } finally {
    await local.close();
    killByPid(minimal.child.pid);
    untrack(minimal.child);
  }
  return {
    mb_s: median(viaRunner),
    relay_mb_s: median(relay),
    relay_ratio: median(viaRunner.map((v, i) => v / relay[i]!)),
    relay_cpu_ms_per_run: median(relayCpu),
    relay_runs_mb_s: relay.map((x) => round(x, 1)),
    baseline_mb_s: median(raw),
    // Each round's runner figure against the raw one measured right after it.
    ratio: median(viaRunner.map((v, i) => v / raw[i]!)),
    baseline_not_niced_mb_s: median(rawNotNiced),
    in_process_no_websocket_mb_s: median(inProcess),
    including_start_mb_s: median(withStart),
    runner_cpu_ms_per_run: median(runnerCpu),
    client_cpu_ms_per_run: median(clientCpu),
    all_bytes_arrived: complete,
    relay_all_bytes_arrived: relayComplete,
    rounds,
    runs_mb_s: viaRunner.map((x) => round(x, 1)),
    baseline_runs_mb_s: raw.map((x) => round(x, 1)),
    baseline_not_niced_runs_mb_s: rawNotNiced.map((x) => round(x, 1)),
    in_process_runs_mb_s: inProcess.map((x) => round(x, 1)),
    load_after: round(loadavg()[0]!, 1),
  };
}

export function terminalRows(r: TerminalResults): Row[] {
  const cpuPerMb = r.runner_cpu_ms_per_run / (FLOOD_BYTES_ON_PTY / MB);
  const relayCpuPerMb = r.relay_cpu_ms_per_run / (FLOOD_BYTES_ON_PTY / MB);
  return [
    {
      metric: 'terminal_mb_s',
      value: round(r.mb_s, 1).toString(),
      baseline: `${round(r.relay_mb_s, 1)} (minimal relay)`,
      ratio: `${Math.round(r.relay_ratio * 100)}%`,
      goal: '>= 90% of relay',
      ok: r.relay_ratio >= 0.9 && r.all_bytes_arrived,
    },
    {
      metric: '  runner CPU ms per MB',
      value: round(cpuPerMb, 2).toString(),
      baseline: `${round(relayCpuPerMb, 2)} (minimal relay)`,
      ratio: `${round(cpuPerMb / relayCpuPerMb, 2)}x`,
      goal: '<= relay',
      ok: cpuPerMb <= relayCpuPerMb,
    },
    info('  raw node-pty, nice ' + DEFAULT_LIMITS.sandboxNice, '', round(r.baseline_mb_s, 1).toString(), `${Math.round(r.ratio * 100)}%`),
    info('  same runner in-process, no WebSocket', round(r.in_process_no_websocket_mb_s, 1).toString(), '', `${Math.round((r.in_process_no_websocket_mb_s / r.baseline_mb_s) * 100)}%`),
    info('  raw node-pty, not niced', '', round(r.baseline_not_niced_mb_s, 1).toString(), `${Math.round((r.mb_s / r.baseline_not_niced_mb_s) * 100)}%`),
  ];
}

export const terminalFigure: Figure<TerminalResults> = {
  name: 'terminal',
  key: 'terminal_mb_s',
  title: `terminal throughput (${ROUNDS} rounds of 64 MiB: via the runner, a minimal relay, raw pty niced and not, runner in-process)`,
  run: () => benchTerminal(),
  rows: terminalRows,
  notes: (r) => [
    `terminal: per 64 MiB run the runner (its process and the terminal's relay) used ${Math.round(r.runner_cpu_ms_per_run)} ms of CPU (the minimal relay ${Math.round(r.relay_cpu_ms_per_run)} ms) and this client ` +
      `${Math.round(r.client_cpu_ms_per_run)} ms, on ${cpus().length} cores shared with the program (load average ${r.load_after} after the rounds)` +
      (r.all_bytes_arrived ? '' : '; SOME BYTES DID NOT ARRIVE') +
      (r.relay_all_bytes_arrived ? '' : "; the minimal relay lost the tail of a run (node-pty's exit before its last read; its rate counts what arrived)"),
  ],
};
