/**
 * Terminal throughput: ~64 MB written by a program in the sandbox, read by
 * a WebSocket client that acknowledges like xterm. Baseline: the same
 * program's bytes read by this process from a raw node-pty (at the
 * sandbox's niceness, and not niced), plus the runner in this process with
 * no WebSocket, all interleaved round by round.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as pty from 'node-pty';
import { DEFAULT_LIMITS } from '../runner/limits.ts';
import { Runner } from '../runner/runner.ts';
import type { Session } from '../runner/session.ts';
import { info, type Figure, type Row } from './figure.ts';
import { BASE_ENV, sleep } from './processes.ts';
import { connect, openSession, withRunner } from './serve.ts';
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
  baseline_mb_s: number;
  ratio: number;
  baseline_not_niced_mb_s: number;
  in_process_no_websocket_mb_s: number;
  including_start_mb_s: number;
  runner_cpu_ms_per_run: number;
  client_cpu_ms_per_run: number;
  all_bytes_arrived: boolean;
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
  let complete = true;
  const local = new Runner();
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
        const exited = await c.waitForProc((p) => p.name === 'server' && p.state === 'exited', 120_000, from);
        const out = c.output.get(exited.id)!;
        const client1 = process.cpuUsage(client0);
        runnerCpu.push(cpuMs(child.pid!) - cpu0);
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
    });
  } finally {
    await local.close();
  }
  return {
    mb_s: median(viaRunner),
    baseline_mb_s: median(raw),
    // Each round's runner figure against the raw one measured right after it.
    ratio: median(viaRunner.map((v, i) => v / raw[i]!)),
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
    load_after: round(loadavg()[0]!, 1),
  };
}

export function terminalRows(r: TerminalResults): Row[] {
  return [
    {
      metric: 'terminal_mb_s',
      value: round(r.mb_s, 1).toString(),
      baseline: `${round(r.baseline_mb_s, 1)} (raw node-pty, nice ${DEFAULT_LIMITS.sandboxNice})`,
      ratio: `${Math.round(r.ratio * 100)}%`,
      goal: '>= 90% of raw',
      ok: r.ratio >= 0.9 && r.all_bytes_arrived,
    },
    info('  same runner in-process, no WebSocket', round(r.in_process_no_websocket_mb_s, 1).toString(), '', `${Math.round((r.in_process_no_websocket_mb_s / r.baseline_mb_s) * 100)}%`),
    info('  raw node-pty, not niced', '', round(r.baseline_not_niced_mb_s, 1).toString(), `${Math.round((r.mb_s / r.baseline_not_niced_mb_s) * 100)}%`),
  ];
}

export const terminalFigure: Figure<TerminalResults> = {
  name: 'terminal',
  key: 'terminal_mb_s',
  title: `terminal throughput (${ROUNDS} rounds of 64 MiB: via the runner, raw pty niced and not, runner in-process)`,
  run: () => benchTerminal(),
  rows: terminalRows,
  notes: (r) => [
    `terminal: per 64 MiB run the runner process used ${Math.round(r.runner_cpu_ms_per_run)} ms of CPU and this client ` +
      `${Math.round(r.client_cpu_ms_per_run)} ms, on ${cpus().length} cores shared with the program (load average ${r.load_after} after the rounds)` +
      (r.all_bytes_arrived ? '' : '; SOME BYTES DID NOT ARRIVE'),
  ],
};
