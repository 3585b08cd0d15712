/**
 * Truncated runs: a program printing 20 KB and exiting at once, run again
 * and again in one session; how many runs arrived short (or garbled) at the
 * client. Baseline: the same through a raw node-pty in this process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pty from 'node-pty';
import type { Figure, Row } from './figure.ts';
import { BASE_ENV, sleep } from './processes.ts';
import { connect, openSession, withRunner } from './serve.ts';

const RUNS = 300;
const DATA_20K = Array.from({ length: 256 }, (_, i) => `${String(i).padStart(5, '0')} ${'the quick brown fox jumps over the lazy dog '.repeat(2).slice(0, 72)}\n`).join('');
const CAT_DATA = "import os\nos.execvp('cat', ['cat', 'data.txt'])\n";

export interface TruncationResults {
  truncated: number;
  corrupted: number;
  baseline_truncated: number;
  runs: number;
  bytes: number;
}

/** Counts short and garbled runs via a fresh runner, then via a raw pty. */
export async function benchTruncation(runs = RUNS): Promise<TruncationResults> {
  const expected = Buffer.from(DATA_20K.replace(/\n/g, '\r\n'));
  const { truncated, corrupted } = await withRunner(async ({ url }) => {
    const c = await connect(url);
    let truncated = 0;
    let corrupted = 0;
    try {
      await openSession(c, [
        { name: 'server.py', content: CAT_DATA },
        { name: 'data.txt', content: DATA_20K },
      ]);
      for (let i = 0; i < runs; i++) {
        const from = c.messages.length;
        c.send({ type: 'run', clients: 0 });
        const exited = await c.waitForProc((p) => p.name === 'server' && p.state === 'exited', 20_000, from);
        const got = Buffer.concat(c.output.get(exited.id)?.chunks ?? []);
        if (got.length < expected.length) truncated++;
        else if (!got.equals(expected)) corrupted++;
      }
    } finally {
      await c.close();
    }
    return { truncated, corrupted };
  });

  const dir = mkdtempSync(join(tmpdir(), 'socklab-bench-'));
  let rawTruncated = 0;
  try {
    writeFileSync(join(dir, 'data.txt'), DATA_20K);
    for (let i = 0; i < runs; i++) {
      let bytes = 0;
      const term = pty.spawn('cat', ['data.txt'], { name: 'xterm-256color', cols: 80, rows: 24, cwd: dir, env: BASE_ENV, encoding: null });
      term.onData((d: string | Buffer) => (bytes += d.length));
      await new Promise<void>((r) => term.onExit(() => r()));
      await sleep(10);
      if (bytes < expected.length) rawTruncated++;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { truncated, corrupted, baseline_truncated: rawTruncated, runs, bytes: expected.length };
}

export function truncationRows(r: TruncationResults): Row[] {
  return [
    {
      metric: `truncated_runs /${r.runs}`,
      value: `${r.truncated}${r.corrupted ? ` (+${r.corrupted} garbled)` : ''}`,
      baseline: `${r.baseline_truncated} (raw node-pty)`,
      ratio: '',
      goal: '0 truncated',
      ok: r.truncated === 0 && r.corrupted === 0,
    },
  ];
}

export const truncationFigure: Figure<TruncationResults> = {
  name: 'truncation',
  key: 'truncated_runs',
  title: `truncated runs (${RUNS} x 20 KB via the runner and a raw pty)`,
  run: () => benchTruncation(),
  rows: truncationRows,
};
