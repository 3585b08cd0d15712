/**
 * What a load balancer and a monitoring system ask a replica: `/healthz`
 * (the process answers), `/readyz` (it takes newcomers: not draining, below
 * capacity), `/metrics` (Prometheus text), and HAProxy's agent check on a
 * port of its own (`drain` while it takes no newcomers, `ready` otherwise).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:net';
import { READY_PATH } from '../../protocol/constants.ts';
import type { Replica } from './replica.ts';

/** The probe paths, named once: the Kubernetes manifests and HAProxy config use these. */
export const HEALTH_PATH = '/healthz';
export { READY_PATH };
export const METRICS_PATH = '/metrics';

/** Answers a probe or scrape; false when the request is for another path. */
export function serveHealth(req: IncomingMessage, res: ServerResponse, replica: Replica): boolean {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== HEALTH_PATH && path !== READY_PATH && path !== METRICS_PATH) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return true;
  }
  const text = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' };
  if (path === HEALTH_PATH) res.writeHead(200, text).end('ok\n');
  else if (path === READY_PATH) {
    if (replica.ready) res.writeHead(200, text).end('ready\n');
    // The page reads this after its upgrade was refused (a browser hides the refusal's status and headers).
    else res.writeHead(503, { ...text, 'Retry-After': String(replica.runner.limits.retryAfterSeconds) }).end(replica.isDraining ? 'draining\n' : 'full\n');
  } else {
    const registry = replica.runner.metrics.registry;
    registry.metrics().then(
      (body) => res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' }).end(body),
      () => res.writeHead(500, text).end('metrics unavailable\n'),
    );
  }
  return true;
}

/**
 * HAProxy's agent check: on each connection, one line saying whether this
 * replica takes newcomers. `drain` keeps the connections it has (and
 * persistent reloads) but sends it no new ones.
 */
export async function startAgent(replica: Replica, port: number, host: string): Promise<Server> {
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.end(replica.ready ? 'ready\n' : 'drain\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
