/**
 * Keystroke echo: a key sent over the WebSocket until its echo comes back
 * from `cat` on the sandbox's terminal. Baseline: the same keys written to a
 * raw node-pty running cat in this process.
 */
import { tmpdir } from 'node:os';
import * as pty from 'node-pty';
import { type Figure, type Row } from './figure.ts';
import { BASE_ENV, killByPid, sleep } from './processes.ts';
import { connect, openSession, withRunner } from './serve.ts';
import { median, percentile, round } from './stats.ts';

const CAT = "import os\nos.execvp('cat', ['cat'])\n";
const KEYS = 200;
const WARMUP = 10;
/**
 * Time between keystrokes: a very fast typist (40 keys a second). Output
 * that follows other output within the batch interval (5 ms) is batched on
 * purpose, so keys closer together than that measure the batching instead.
 */
const KEY_GAP_MS = 25;

const now = () => performance.now();

export interface KeysResults {
  p50: number;
  p99: number;
  baseline_p50: number;
  baseline_p99: number;
  keys: number;
}

async function viaRunner(url: string, keys: number): Promise<number[]> {
  const c = await connect(url);
  try {
    await openSession(c, [{ name: 'server.py', content: CAT }]);
    c.send({ type: 'run', clients: 0 });
    const proc = await c.waitForProc((p) => p.name === 'server' && p.state === 'running', 15_000);
    // cat is ready once a line comes back twice (the echo, then cat's copy).
    c.send({ type: 'input', proc: proc.id, data: 'ready\r' });
    await c.waitForOutput(proc.id, /ready\r\nready\r\n/, 10_000);
    const times: number[] = [];
    for (let i = -WARMUP; i < keys; i++) {
      const before = c.bytes(proc.id);
      const t0 = now();
      c.send({ type: 'input', proc: proc.id, data: 'k' });
      const t = await c.until(() => c.bytes(proc.id) > before && c.output.get(proc.id)!.lastByteAt!, 5000, 'echo');
      if (i >= 0) times.push(t - t0);
      await sleep(KEY_GAP_MS);
    }
    return times;
  } finally {
    await c.close();
  }
}

async function rawPty(keys: number): Promise<number[]> {
  const term = pty.spawn('cat', [], { name: 'xterm-256color', cols: 80, rows: 24, cwd: tmpdir(), env: BASE_ENV, encoding: null });
  try {
    let bytes = 0;
    let wake: (() => void) | null = null;
    term.onData((d: string | Buffer) => {
      bytes += d.length;
      wake?.();
    });
    term.write('ready\r');
    await sleep(200);
    const times: number[] = [];
    for (let i = -WARMUP; i < keys; i++) {
      const before = bytes;
      const t0 = now();
      const got = new Promise<number>((r) => (wake = () => bytes > before && r(now())));
      term.write('k');
      const t = await got;
      wake = null;
      if (i >= 0) times.push(t - t0);
      await sleep(KEY_GAP_MS);
    }
    return times;
  } finally {
    killByPid(term.pid);
  }
}

/** Measures keystroke echo against a fresh runner, then the raw pty. */
export async function benchKeys(keys = KEYS): Promise<KeysResults> {
  const via = await withRunner(({ url }) => viaRunner(url, keys));
  const raw = await rawPty(keys);
  return { p50: median(via), p99: percentile(via, 0.99), baseline_p50: median(raw), baseline_p99: percentile(raw, 0.99), keys };
}

export function keysRows(r: KeysResults): Row[] {
  return [
    {
      metric: 'keystroke_echo_ms p50',
      value: round(r.p50, 2).toString(),
      baseline: `${round(r.baseline_p50, 2)} (raw node-pty cat)`,
      ratio: `+${round(r.p50 - r.baseline_p50, 2)} ms`,
      goal: 'p50 <= 5',
      ok: r.p50 <= 5,
    },
    {
      metric: 'keystroke_echo_ms p99',
      value: round(r.p99, 2).toString(),
      baseline: `${round(r.baseline_p99, 2)} (raw node-pty cat)`,
      ratio: `+${round(r.p99 - r.baseline_p99, 2)} ms`,
      goal: '',
      ok: true,
    },
  ];
}

export const keysFigure: Figure<KeysResults> = {
  name: 'keys',
  key: 'keystroke_echo_ms',
  title: `keystroke echo (${KEYS} keys ${KEY_GAP_MS} ms apart, via the runner and a raw pty)`,
  run: () => benchKeys(),
  rows: keysRows,
};
