/**
 * Waiting for a program to be ready: its port bound (UDP) or listening
 * (TCP) in the sandbox's network namespace. The session (before it starts
 * the clients) and the grader (before a check talks to a server) wait the
 * same way.
 */
import type { Sandbox } from './types.ts';

/** How a wait for a bound port ended. */
export type BoundWait = 'bound' | 'stopped' | 'timeout';

/**
 * Polls the sandbox until `port`/`protocol` is bound.
 * `stop` is asked before each look (the program exited, the session ended):
 * true ends the wait with "stopped".
 */
export async function waitUntilBound(
  sandbox: Pick<Sandbox, 'isBound'>,
  port: number,
  protocol: 'tcp' | 'udp',
  opts: { timeoutMs: number; pollMs?: number; stop?: () => boolean },
): Promise<BoundWait> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (opts.stop?.()) return 'stopped';
    if (await sandbox.isBound(port, protocol)) return 'bound';
    if (Date.now() > deadline) return 'timeout';
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 10));
  }
}
