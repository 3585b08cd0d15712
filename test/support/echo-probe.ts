/**
 * "Another session keeps echoing": a session whose program is `cat`, and a
 * probe that types one key at a time into it and times each echo. Tests of
 * hostile clients and the soak run it beside the attack to show that other
 * students are unharmed. Not part of the runner.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { TestClient } from './test-client.ts';

/** A program that turns into cat: every key comes back (terminal echo, then cat's copy per line). */
export const CAT_PROGRAM = "import os\nos.execvp('cat', ['cat'])\n";

export interface EchoProbe {
  client: TestClient;
  /** Types one key; resolves with the milliseconds until its echo arrived. */
  once(timeoutMs?: number): Promise<number>;
  /** Types a key every `gapMs` until `stop()`; resolves with every echo time. */
  watch(gapMs?: number): { stop(): Promise<number[]> };
  close(): Promise<void>;
}

/** Opens a tcp-echo session (from `localAddress`) running cat as its server, ready to echo. */
export async function startEchoProbe(url: string, localAddress = '127.0.0.1'): Promise<EchoProbe> {
  const client = await TestClient.connect(url, { ws: { localAddress } });
  await client.waitFor((m) => m.type === 'hello', 10_000);
  client.send({ type: 'open', lab: 'tcp-echo', lang: 'python' });
  const opened = await client.waitFor((m) => m.type === 'opened' || m.type === 'error', 20_000);
  if (opened.type !== 'opened') throw new Error(`the probe's session did not open: ${JSON.stringify(opened)}`);
  client.send({ type: 'files', files: [{ name: 'server.py', content: CAT_PROGRAM }] });
  client.send({ type: 'run', clients: 0 });
  const proc = await client.waitForProc((p) => p.name === 'server' && p.state === 'running', 20_000);
  client.send({ type: 'input', proc: proc.id, data: 'ready\r' });
  await client.waitForOutput(proc.id, /ready\r\nready\r\n/, 15_000);

  const once = async (timeoutMs = 10_000) => {
    const before = client.bytes(proc.id);
    const t0 = performance.now();
    client.send({ type: 'input', proc: proc.id, data: 'k' });
    const t = await client.until(() => client.bytes(proc.id) > before && client.output.get(proc.id)!.lastByteAt!, timeoutMs, 'a key echoed');
    return t - t0;
  };
  const watch = (gapMs = 50) => {
    const times: number[] = [];
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        times.push(await once());
        await new Promise((r) => setTimeout(r, gapMs));
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        await loop;
        return times;
      },
    };
  };
  return { client, once, watch, close: () => client.close() };
}

export interface EchoProbeProcess {
  /** Echo times since the last call (or since ready). */
  take(): number[];
  stop(): Promise<void>;
}

/** Starts the probe in its own process (see echo-probe-process.ts); resolves once it echoes. */
export async function spawnEchoProbe(url: string, localAddress: string): Promise<EchoProbeProcess> {
  const root = new URL('../..', import.meta.url).pathname;
  const child = spawn(process.execPath, ['bin/run-ts.js', 'test/support/echo-probe-process.ts', url, localAddress], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let times: number[] = [];
  let ready = false;
  let err = '';
  let partial = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (line === 'ready') ready = true;
      else if (line) times.push(Number(line));
    }
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 40_000;
  while (!ready) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the echo probe did not start: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  times = [];
  return {
    take: () => times.splice(0),
    stop: async () => {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The bar for "another session keeps echoing" on a shared 2-core machine:
 * the typical key echoes within 100 ms and none is frozen (over 1 s). The
 * p99 is returned for the log; on a loaded machine it measures the machine too.
 */
export function echoSummary(times: number[], what: string): { ok: boolean; summary: string } {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
  const summary = `echo during ${what}: ${times.length} keys, p50 ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms, max ${at(1).toFixed(1)} ms`;
  return { ok: times.length > 3 && at(0.5) < 100 && at(1) < 1000, summary };
}
