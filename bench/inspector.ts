/**
 * The socket inspector's cost: the runner's own CPU (utime + stime of the
 * `socklab serve` process, not of the sandboxed programs) and its session
 * holders' (which list the sockets for it) while one session is watched,
 * against the same session unwatched. The session holds a
 * listening server and a few connections whose queues keep changing, so
 * every sample is sent to the page, the inspector's worst case.
 */
import { readFileSync } from 'node:fs';
import { type Figure, type Row } from './figure.ts';
import { sleep } from './processes.ts';
import { connect, openSession, withRunner } from './serve.ts';
import { round } from './stats.ts';
import { descendantsOf } from '../test/support/test-client.ts';

const WINDOW_MS = 10_000;
const CLK_TCK = 100;

/** Connections to itself that trickle bytes, so the socket table changes between samples. */
const BUSY_SERVER = `
import socket, time
srv = socket.create_server(('', 12000))
pairs = []
for _ in range(4):
    c = socket.create_connection(('127.0.0.1', 12000))
    s, _ = srv.accept()
    pairs.append((c, s))
print('ready', flush=True)
i = 0
while True:
    for c, s in pairs:
        c.sendall(b'x' * (100 + i % 900))   # never read: the queue grows a little every tick
    i += 1
    time.sleep(0.05)
`;

export interface InspectorResults {
  idle_cpu_pct: number;
  watched_cpu_pct: number;
  sockets_messages_per_s: number;
}

/** CPU seconds the process has used so far (its own, not its children's). */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

/** The runner and its session holders (holder.c: the sandboxes' socket lists are theirs to make). */
function runnerAndHolders(pid: number): number[] {
  // Its name is the file bwrap runs it from: /.socklab/holder.
  return [pid, ...descendantsOf(pid).filter((p) => p.name === 'holder').map((p) => p.pid)];
}

/** CPU % of the runner and its holders over `ms` (the holders those that lived through it). */
async function cpuPercentOver(pid: number, ms: number): Promise<number> {
  const pids = runnerAndHolders(pid);
  const c0 = pids.map(cpuSeconds);
  const t0 = performance.now();
  await sleep(ms);
  const used = pids.reduce((sum, p, i) => {
    try {
      return sum + cpuSeconds(p) - c0[i]!;
    } catch {
      return sum; // a holder ended in the window (a sandbox made ahead, taken and closed): not the inspector's
    }
  }, 0);
  return (100 * used) / ((performance.now() - t0) / 1000);
}

/** Measures the runner's CPU with one session unwatched, then watched. */
export async function benchInspector(): Promise<InspectorResults> {
  return withRunner(async ({ url, pid }) => {
    const c = await connect(url);
    try {
      await openSession(c, [{ name: 'server.py', content: BUSY_SERVER }]);
      c.send({ type: 'run', clients: 0 });
      const proc = await c.waitForProc((p) => p.name === 'server' && p.state === 'running', 15_000);
      await c.waitForOutput(proc.id, /ready/, 15_000);
      const idle = await cpuPercentOver(pid, WINDOW_MS);
      c.send({ type: 'inspect', on: true });
      await sleep(1000);
      const from = c.messages.length;
      const watched = await cpuPercentOver(pid, WINDOW_MS);
      const sent = c.messages.slice(from).filter((m) => m.type === 'sockets').length;
      c.send({ type: 'inspect', on: false });
      return { idle_cpu_pct: idle, watched_cpu_pct: watched, sockets_messages_per_s: sent / (WINDOW_MS / 1000) };
    } finally {
      await c.close();
    }
  });
}

export function inspectorRows(r: InspectorResults): Row[] {
  const cost = r.watched_cpu_pct - r.idle_cpu_pct;
  return [
    {
      metric: 'inspector runner+holder cpu_pct per watched session',
      value: round(cost, 2).toString(),
      baseline: `${round(r.idle_cpu_pct, 2)} (same session, unwatched)`,
      ratio: `${round(r.watched_cpu_pct, 2)} % watched`,
      goal: '<= 10',
      ok: cost <= 10,
    },
    {
      metric: 'inspector samples_sent_per_s',
      value: round(r.sockets_messages_per_s, 1).toString(),
      baseline: '',
      ratio: '',
      goal: '>= 5',
      ok: r.sockets_messages_per_s >= 5,
    },
  ];
}

export const inspectorFigure: Figure<InspectorResults> = {
  name: 'inspector',
  key: 'inspector',
  title: `socket inspector: the runner's and its session holders' CPU over ${WINDOW_MS / 1000} s, one session unwatched then watched`,
  run: () => benchInspector(),
  rows: inspectorRows,
};
