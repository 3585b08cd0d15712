/**
 * Run to first byte: open a session over the WebSocket, send files, run a
 * Python program printing one line, until the first output byte reaches the
 * client (and the same from `run` alone, in the open session), sessions
 * back to back (the goal's figure) and then SPACED_MS apart. Baseline:
 * `python3 -c` with the same program spawned directly, to its first byte,
 * measured in the same minutes as the sessions (a third before the
 * back-to-back ones, a third between them and the spaced ones, a third
 * after, with the runner up): on a shared machine a baseline taken after
 * the runner had stopped measured other load than the sessions had (once
 * 31.7 ms, against 7-9 ms alone a minute later).
 */
import { spawn } from 'node:child_process';
import { info, type Figure, type Row } from './figure.ts';
import { BASE_ENV } from './processes.ts';
import { connect, openSession, withRunner } from './serve.ts';
import { median, percentile, round } from './stats.ts';

const PRINT_ONE = "print('hello from the sandbox', flush=True)\n";
const ITERATIONS = 30;
const WARMUP = 3;
/**
 * The spaced figure's pause between one session's close and the next
 * open: back to back (the goal's figure), each open finds the sandboxes
 * made ahead still being made by the opens before it, which a student
 * opening a lab seldom does.
 */
const SPACED_MS = 300;

const now = () => performance.now();

export interface FirstByteResults {
  p50: number;
  p95: number;
  run_only_p50: number;
  run_only_p95: number;
  /** A fresh session opened SPACED_MS after the last one closed, to its first byte. */
  spaced_p50: number;
  baseline_p50: number;
  baseline_p95: number;
  iterations: number;
}

/** `count` bare starts of `python3 -c`, each to its first byte (after `warmup` not counted). */
async function bareStarts(count: number, warmup = 0): Promise<number[]> {
  const raw: number[] = [];
  for (let i = -warmup; i < count; i++) {
    const t0 = now();
    const child = spawn('python3', ['-c', PRINT_ONE], { stdio: ['ignore', 'pipe', 'ignore'], env: BASE_ENV });
    const t = await new Promise<number>((res) => child.stdout!.once('data', () => res(now())));
    await new Promise((r) => child.once('exit', r));
    if (i >= 0) raw.push(t - t0);
  }
  return raw;
}

/** Measures run to first byte against a fresh runner. */
export async function benchFirstByte(iterations = ITERATIONS): Promise<FirstByteResults> {
  const { full, runOnly, spaced, raw } = await withRunner(async ({ url }) => {
    const full: number[] = [];
    const runOnly: number[] = [];
    const spaced: number[] = [];
    const third = Math.ceil(iterations / 3);
    const raw = await bareStarts(third, WARMUP);
    for (let i = -WARMUP; i < 2 * iterations; i++) {
      if (i === iterations) raw.push(...(await bareStarts(third)));
      // The first half back to back, the second SPACED_MS apart.
      if (i >= iterations) await new Promise((r) => setTimeout(r, SPACED_MS));
      const t0 = now();
      const c = await connect(url);
      await openSession(c, [{ name: 'server.py', content: PRINT_ONE }]);
      const t1 = now();
      c.send({ type: 'run', clients: 0 });
      const first = await c.until(() => c.procByName('server') && c.output.get(c.procByName('server')!.id)?.firstByteAt, 10_000, 'first byte');
      if (i >= iterations) spaced.push(first - t0);
      else if (i >= 0) {
        full.push(first - t0);
        runOnly.push(first - t1);
      }
      await c.close();
    }
    raw.push(...(await bareStarts(third)));
    return { full, runOnly, spaced, raw };
  });
  return {
    p50: median(full),
    p95: percentile(full, 0.95),
    run_only_p50: median(runOnly),
    run_only_p95: percentile(runOnly, 0.95),
    spaced_p50: median(spaced),
    baseline_p50: median(raw),
    baseline_p95: percentile(raw, 0.95),
    iterations,
  };
}

export function firstByteRows(r: FirstByteResults): Row[] {
  return [
    {
      metric: 'run_to_first_byte_ms p50',
      value: round(r.p50, 1).toString(),
      baseline: `${round(r.baseline_p50, 1)} (python3 -c)`,
      ratio: `${round(r.p50 / r.baseline_p50, 1)}x`,
      goal: 'p50 <= 2.5x python3 -c',
      ok: r.p50 <= 2.5 * r.baseline_p50,
    },
    info('run_to_first_byte_ms p95', round(r.p95, 1).toString(), `${round(r.baseline_p95, 1)} (python3 -c)`, `${round(r.p95 / r.baseline_p95, 1)}x`),
    info('  files+run only, p50/p95', `${round(r.run_only_p50, 1)}/${round(r.run_only_p95, 1)}`, '', `${round(r.run_only_p50 / r.baseline_p50, 1)}x`),
    info(`  fresh session ${SPACED_MS} ms after the last, p50`, round(r.spaced_p50, 1).toString(), '', `${round(r.spaced_p50 / r.baseline_p50, 1)}x`),
  ];
}

export const firstByteFigure: Figure<FirstByteResults> = {
  name: 'first-byte',
  key: 'run_to_first_byte_ms',
  title: `run to first byte (${ITERATIONS} runs, and ${ITERATIONS} bare python3 -c)`,
  run: () => benchFirstByte(),
  rows: firstByteRows,
};
