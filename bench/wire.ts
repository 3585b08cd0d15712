/**
 * The wire view's cost: the runner's own CPU (the `socklab serve` process)
 * plus its packet reader's (socklab-capture), per second, while one session
 * is watched, against the same session unwatched in the same run. Two
 * sessions' worth of traffic: a steady echo exchange (100 lines a second
 * over TCP, what a student's lab looks like) and a UDP flood (as fast as the
 * program can send, capped by the wire view at wirePacketsPerSecond).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { type Figure, type Row } from './figure.ts';
import { sleep } from './processes.ts';
import { connect, openSession, withRunner } from './serve.ts';
import { round } from './stats.ts';

const WINDOW_MS = 5_000;
const CLK_TCK = 100;

/** An echo server and a client in one program: 100 exchanges a second. */
const STEADY = `
import socket, time
srv = socket.create_server(('', 12000))
c = socket.create_connection(('127.0.0.1', 12000))
s, _ = srv.accept()
print('ready', flush=True)
while True:
    c.sendall(b'hello, wire\\n')
    s.sendall(s.recv(4096))
    c.recv(4096)
    time.sleep(0.01)
`;

/** UDP datagrams to itself as fast as it can. */
const FLOOD = `
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 12000))
s.setblocking(False)
print('ready', flush=True)
while True:
    for _ in range(100):
        s.sendto(b'x' * 32, ('127.0.0.1', 12000))
    try:
        while True:
            s.recv(64)
    except BlockingIOError:
        pass
`;

export interface WireCase {
  off_cpu_pct: number;
  on_cpu_pct: number;
  reader_cpu_pct: number;
  packets_per_s: number;
  dropped_per_s: number;
}
export interface WireResults {
  steady: WireCase;
  flood: WireCase;
}

/** CPU seconds a process has used so far (its own); 0 once gone. */
function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** The runner's packet readers (by name, among its descendants). */
function readerOf(runnerPid: number): number | undefined {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      names.set(Number(d), stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
      parents.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  for (const [pid, name] of names) {
    if (name !== 'socklab-capture') continue;
    for (let p = parents.get(pid); p; p = parents.get(p)) if (p === runnerPid) return pid;
  }
  return undefined;
}

async function cpuPercentOver(pids: (number | undefined)[], ms: number): Promise<number[]> {
  const c0 = pids.map((p) => (p ? cpuSeconds(p) : 0));
  const t0 = performance.now();
  await sleep(ms);
  const s = (performance.now() - t0) / 1000;
  return pids.map((p, i) => (p ? (100 * (cpuSeconds(p) - c0[i]!)) / s : 0));
}

async function measure(program: string): Promise<WireCase> {
  return withRunner(async ({ url, pid }) => {
    const c = await connect(url);
    try {
      await openSession(c, [{ name: 'server.py', content: program }]);
      c.send({ type: 'run', clients: 0 });
      const proc = await c.waitForProc((p) => p.name === 'server' && p.state !== 'starting', 15_000);
      await c.waitForOutput(proc.id, /ready/, 15_000);
      await sleep(500);
      const [off] = await cpuPercentOver([pid], WINDOW_MS);
      c.send({ type: 'wire', on: true });
      await sleep(1000);
      const reader = readerOf(pid);
      if (!reader) throw new Error('the packet reader did not start');
      const from = c.messages.length;
      const [on, readerCpu] = await cpuPercentOver([pid, reader], WINDOW_MS);
      const batches = c.messages.slice(from).flatMap((m) => (m.type === 'wire' ? [m] : []));
      c.send({ type: 'wire', on: false });
      const per = (n: number) => n / (WINDOW_MS / 1000);
      return {
        off_cpu_pct: off!,
        on_cpu_pct: on!,
        reader_cpu_pct: readerCpu!,
        packets_per_s: per(batches.reduce((n, b) => n + b.packets.length, 0)),
        dropped_per_s: per(batches.reduce((n, b) => n + b.dropped, 0)),
      };
    } finally {
      await c.close();
    }
  });
}

export async function benchWire(): Promise<WireResults> {
  return { steady: await measure(STEADY), flood: await measure(FLOOD) };
}

function caseRows(name: string, r: WireCase, goal: number): Row[] {
  const cost = r.on_cpu_pct + r.reader_cpu_pct - r.off_cpu_pct;
  return [
    {
      metric: `wire ${name} cpu_pct per watched session (runner + reader)`,
      value: round(cost, 2).toString(),
      baseline: `${round(r.off_cpu_pct, 2)} (same session, unwatched)`,
      ratio: `runner ${round(r.on_cpu_pct, 2)} + reader ${round(r.reader_cpu_pct, 2)} watched`,
      goal: `<= ${goal}`,
      ok: cost <= goal,
    },
    {
      metric: `wire ${name} packets_sent_per_s`,
      value: round(r.packets_per_s, 1).toString(),
      baseline: '',
      ratio: `${round(r.dropped_per_s, 0)} left out per s`,
      goal: '',
      ok: true,
    },
  ];
}

export const wireFigure: Figure<WireResults> = {
  name: 'wire',
  key: 'wire',
  title: `wire view: the runner's and its packet reader's CPU over ${WINDOW_MS / 1000} s, one session unwatched then watched (steady echo, then a UDP flood)`,
  run: () => benchWire(),
  rows: (r) => [...caseRows('steady-echo', r.steady, 10), ...caseRows('flood', r.flood, 25)],
};
