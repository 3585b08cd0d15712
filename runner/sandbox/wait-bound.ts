/**
 * Waiting for a program to be ready: its port bound (UDP) or listening
 * (TCP) in the sandbox's network namespace. The session (before it starts
 * the clients) and the grader (before a check talks to a server) wait the
 * same way.
 */
import type { Sandbox } from './types.ts';

/** How long a sandbox that waits (isBound's waitMs) may look before `stop` is asked again. */
const STOP_CHECK_MS = 50;

/** How a wait for a bound port ended. */
export type BoundWait = 'bound' | 'stopped' | 'timeout';

/**
 * Polls the sandbox until `port`/`protocol` is bound.
 * `stop` is asked before each look (the program exited, the session ended):
 * true ends the wait with "stopped".
 */
export async function waitUntilBound(
  sandbox: Pick<Sandbox, 'isBound' | 'waitsForBound'>,
  port: number,
  protocol: 'tcp' | 'udp',
  opts: { timeoutMs: number; pollMs?: number; stop?: () => boolean },
): Promise<BoundWait> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (opts.stop?.()) return 'stopped';
    // A sandbox that waits does the looking itself, answering as soon as the port is bound: one
    // request per STOP_CHECK_MS instead of one per look (each costs the runner's event loop a message).
    if (await sandbox.isBound(port, protocol, sandbox.waitsForBound ? Math.min(STOP_CHECK_MS, Math.max(0, deadline - Date.now())) : 0)) return 'bound';
    if (Date.now() > deadline) return 'timeout';
    if (!sandbox.waitsForBound) await new Promise((r) => setTimeout(r, opts.pollMs ?? 10));
  }
}
