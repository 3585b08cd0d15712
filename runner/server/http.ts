/**
 * One Node process, one port: the built course site (static files from
 * dist/) and the runner's WebSocket endpoint at /ws.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer } from 'ws';
import { WS_PATH } from '../../protocol/constants.ts';
import type { Runner } from '../runner.ts';
import { handleConnection } from './connection.ts';
import { serveHealth } from './health.ts';
import { Replica } from './replica.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
  '.wasm': 'application/wasm',
  '.pf_fragment': 'application/octet-stream',
  '.pf_index': 'application/octet-stream',
  '.pf_meta': 'application/octet-stream',
};

export interface ServeOptions {
  runner: Runner;
  /** Folder of the built site; when absent only /ws is served. */
  siteDir?: string;
  port: number;
  host: string;
  /** Origins allowed besides the page's own (e.g. the Astro dev server's). */
  allowedOrigins?: string[];
  /** Host names (besides IP addresses and localhost) students use to reach this server. */
  publicHosts?: string[];
  /**
   * Behind a reverse proxy every student arrives from the proxy's address:
   * count sessions per address by the first X-Forwarded-For entry instead.
   * Only for a proxy that sets that header itself.
   */
  trustProxy?: boolean;
  /** Admission, ownership and drain (one is made when absent). */
  replica?: Replica;
}

/**
 * Whether the Host header names this server: an IP address, localhost, or
 * one of `publicHosts`. Any other name is refused, so a web page on a
 * domain that its owner points at 127.0.0.1 (DNS rebinding) cannot pass as
 * same-origin and drive the runner.
 */
export function hostAllowed(req: IncomingMessage, publicHosts: string[] = []): boolean {
  const host = req.headers.host;
  if (!host) return false;
  let name: string;
  try {
    name = new URL(`http://${host}`).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return false;
  }
  return isIP(name) !== 0 || name === 'localhost' || publicHosts.map((h) => h.toLowerCase()).includes(name);
}

/** Whether a WebSocket upgrade may proceed: same origin as the page, or allowed. */
export function originAllowed(req: IncomingMessage, allowed: string[] = []): boolean {
  const origin = req.headers.origin;
  // Non-browser clients (tests, the CLI) send no Origin; browsers always do.
  if (!origin) return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** The address sessions are counted by: the peer's, or the proxy's word for it. */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? String(req.headers['x-forwarded-for'] ?? '').split(',')[0]!.trim() : '';
  return forwarded || req.socket.remoteAddress || 'unknown';
}

/**
 * Serves the runner's WebSocket endpoint on an existing HTTP server (ours,
 * or the Astro dev server's). Upgrades to other paths are left alone.
 */
export function attachWebSocket(server: Server, runner: Runner, opts: { allowedOrigins?: string[]; publicHosts?: string[]; trustProxy?: boolean; replica?: Replica } = {}): void {
  // Twice the message limit: a message a little over it is read and answered
  // with message_too_large (connection.ts), the session kept; a far larger
  // one closes the socket (1009) before its bytes are buffered.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 2 * runner.limits.maxMessageBytes });
  server.on('upgrade', (req, socket, head) => {
    if (pathOf(req) !== WS_PATH) return;
    if (!hostAllowed(req, opts.publicHosts) || !originAllowed(req, opts.allowedOrigins)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\norigin not allowed\n');
      return;
    }
    if (opts.replica && !opts.replica.admit(req, socket)) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (opts.replica && !opts.replica.claim(ws, req)) return;
      const conn = handleConnection(ws, runner, clientAddress(req, opts.trustProxy ?? false));
      opts.replica?.track(ws, conn);
    });
  });
  server.on('close', () => wss.close());
}

/** Starts the server; resolves once it listens. */
export async function serve(opts: ServeOptions): Promise<Server> {
  const replica = opts.replica ?? new Replica(opts.runner);
  const server = createServer((req, res) => serveHealth(req, res, replica) || serveStatic(req, res, opts.siteDir));
  attachWebSocket(server, opts.runner, { ...opts, replica });
  server.on('upgrade', (req, socket) => {
    if (pathOf(req) !== WS_PATH) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolvePromise());
  });
  return server;
}

/** The request's path, or null when its target is not a valid URL path. */
function pathOf(req: IncomingMessage): string | null {
  try {
    return new URL(req.url ?? '/', 'http://x').pathname;
  } catch {
    return null;
  }
}

function serveStatic(req: IncomingMessage, res: ServerResponse, siteDir?: string): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  if (!siteDir) {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('socklab runner: no site built\n');
    return;
  }
  let path: string;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    res.writeHead(400).end();
    return;
  }
  const root = resolve(siteDir);
  let file = normalize(join(root, path));
  if (file !== root && !file.startsWith(root + sep)) {
    res.writeHead(403).end();
    return;
  }
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
  if (!existsSync(file)) {
    const notFound = join(root, '404.html');
    res.writeHead(404, { 'Content-Type': TYPES['.html']! });
    if (existsSync(notFound)) createReadStream(notFound).pipe(res);
    else res.end('not found\n');
    return;
  }
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Cache-Control': path.startsWith('/_astro/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
}
