/**
 * How `socklab serve` stops. The first SIGTERM (or Ctrl-C) drains the
 * replica: no new sessions (/readyz says 503), the pages are told, live
 * sessions go on until they end or the drain deadline passes. A second
 * signal stops at once. Either way every session's sandbox, and every
 * sandbox of a Check still grading, is ended before the process exits, so
 * no student program outlives the runner.
 */
import type { Server } from 'node:http';
import type { Runner } from '../runner.ts';
import type { Replica } from './replica.ts';

/** The drain a Kubernetes pod's terminationGracePeriodSeconds must cover (deploy/k8s). */
export const DEFAULT_DRAIN_SECONDS = 600;

/** Resolves once the server has drained (or been told twice to stop) and every session is closed. */
export async function serveUntilStopped(opts: { server: Server; runner: Runner; replica: Replica; drainMs: number; log: (line: string) => void; closeAlso?: { close(): void }[] }): Promise<void> {
  const { server, runner, replica, drainMs, log } = opts;
  const first = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const again = () => {
    log('socklab: stopping now');
    replica.stopNow();
  };
  process.on('SIGTERM', again);
  process.on('SIGINT', again);
  const held = runner.sessionCount;
  if (held > 0) log(`socklab: ${first}: draining ${held} session${held === 1 ? '' : 's'} for up to ${Math.round(drainMs / 1000)} s (signal again to stop now)`);
  const cut = await replica.drain(drainMs);
  if (cut > 0) log(`socklab: ${cut} session${cut === 1 ? '' : 's'} still open at the end of the drain; closing them`);
  server.close();
  for (const other of opts.closeAlso ?? []) other.close();
  server.closeAllConnections();
  await runner.close();
  process.off('SIGTERM', again);
  process.off('SIGINT', again);
}
