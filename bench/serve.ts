/**
 * The runner under test: the real `socklab serve` in a child process
 * (test/support/serve-child.ts: default limits, real sandbox), and clients that connect to it over the
 * WebSocket as the page does. Every client connects from its own loopback
 * address (127.1.x.y) so the per-client session limit does not stand in for
 * the machine's.
 */
import type { StudentFile } from '../protocol/messages.ts';
import { serveChild, type ServedRunner } from '../test/support/serve-child.ts';
import { TestClient } from '../test/support/test-client.ts';
import { track, untrack } from './processes.ts';

export const ROOT = new URL('..', import.meta.url).pathname;

/**
 * Runs `fn` against a runner of its own, stopped afterwards whatever happens
 * (its child is tracked meanwhile, so a Ctrl-C of the bench kills it too).
 */
export async function withRunner<T>(fn: (runner: ServedRunner) => Promise<T>): Promise<T> {
  const runner = await serveChild();
  track(runner.child);
  if (/warning/i.test(runner.log())) console.warn(runner.log().trim());
  try {
    return await fn(runner);
  } finally {
    await runner.stop();
    untrack(runner.child);
  }
}

let addressCounter = 0;
/** A fresh loopback source address per session (the runner limits sessions per address). */
function nextAddress(): string {
  const n = ++addressCounter;
  return `127.1.${(n >> 8) & 255}.${(n & 255) || 254}`;
}

/** A client connected from a fresh address, past the server's hello. */
export async function connect(url: string, opts: { ack?: 'auto' | 'never'; keepOutput?: boolean } = {}): Promise<TestClient> {
  const c = await TestClient.connect(url, { ...opts, ws: { localAddress: nextAddress() } });
  await c.waitFor((m) => m.type === 'hello', 10_000);
  return c;
}

/** Opens a tcp-echo Python session and sends it `files`. */
export async function openSession(c: TestClient, files: StudentFile[]): Promise<void> {
  const from = c.messages.length;
  c.send({ type: 'open', lab: 'tcp-echo', lang: 'python' });
  const m = await c.waitFor((x) => x.type === 'opened' || x.type === 'error', 20_000, from);
  if (m.type !== 'opened') throw new Error(`open failed: ${JSON.stringify(m)}`);
  c.send({ type: 'files', files });
}
