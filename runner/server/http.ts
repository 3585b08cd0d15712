/**
 * One Node process, one port: the built course site (static files from
 * dist/) and the runner's WebSocket endpoint at /ws.
 */
import { createReadStream, existsSync, statSync, type Stats } from 'node:fs';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer } from 'ws';
import { WS_PATH } from '../../protocol/constants.ts';
import type { Runner } from '../runner.ts';
import { acceptsGzip, compressible, gzipped } from './compressed.ts';
import { handleConnection } from './connection.ts';
import { Previews } from './preview.ts';
import { METRICS_PATH, serveHealth } from './health.ts';
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
  return studentOf(forwarded || req.socket.remoteAddress || 'unknown');
}

/**
 * The unit the per-student limits count: an IPv4 address, or an IPv6 /64
 * (one home or host gets a whole /64, so per-address limits would not
 * hold there). An IPv4 address written as IPv6 (::ffff:a.b.c.d) is IPv4.
 */
export function studentOf(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIP(address) !== 6) return address;
  const [head, tail = ''] = address.toLowerCase().split('%')[0]!.split('::') as [string, string?];
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/**
 * Serves the runner's WebSocket endpoint on an existing HTTP server (ours,
 * or the Astro dev server's). Upgrades to other paths are left alone.
 */
export function attachWebSocket(server: Server, runner: Runner, opts: { allowedOrigins?: string[]; publicHosts?: string[]; trustProxy?: boolean; replica?: Replica; previews?: Previews } = {}): void {
  // Twice the message limit: a message a little over it is read and answered
  // with message_too_large (connection.ts), the session kept; a far larger
  // one closes the socket (1009) before its bytes are buffered.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 2 * runner.limits.maxMessageBytes });
  /** Open WebSockets per client address. */
  const perClient = new Map<string, number>();
  const previews = opts.previews;
  if (previews) server.on('upgrade', (req, socket, head) => previews.handleUpgrade(req, socket, head));
  server.on('upgrade', (req, socket, head) => {
    if (pathOf(req) !== WS_PATH || previews?.isPreview(req)) return;
    // Node's HTTP server stops watching an upgraded socket: a reset now must not become an uncaught error.
    socket.on('error', () => socket.destroy());
    if (!hostAllowed(req, opts.publicHosts) || !originAllowed(req, opts.allowedOrigins)) {
      refuseUpgrade(socket, 403, 'Forbidden', 'origin not allowed');
      return;
    }
    if (opts.replica && !opts.replica.admit(req, socket)) return;
    const client = clientAddress(req, opts.trustProxy ?? false);
    const open = perClient.get(client) ?? 0;
    if (open >= runner.limits.maxConnectionsPerClient) {
      refuseUpgrade(socket, 429, 'Too Many Requests', `too_many_connections: at most ${runner.limits.maxConnectionsPerClient} connections from one address`);
      return;
    }
    perClient.set(client, open + 1);
    let counted = true;
    const release = () => {
      if (!counted) return;
      counted = false;
      const n = (perClient.get(client) ?? 1) - 1;
      if (n > 0) perClient.set(client, n);
      else perClient.delete(client);
    };
    // The upgrade may fail (bad key, socket gone) without ever calling back.
    socket.once('close', release);
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.once('close', release);
      if (opts.replica && !opts.replica.claim(ws, req)) return;
      const conn = handleConnection(ws, runner, client, previews && ((session) => previews.create(session, req.headers.host)));
      opts.replica?.track(ws, conn);
    });
  });
  server.on('close', () => wss.close());
}

/** Answers an upgrade with a plain HTTP error and closes the socket. */
function refuseUpgrade(socket: Duplex, status: number, text: string, body: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${body}\n`);
}

/**
 * Bounds raw TCP connections per peer address (a flood of idle or slow
 * connections from one machine), and keeps a reset socket from throwing.
 * Behind a trusted proxy every student shares the proxy's address, so the
 * bound is left to the proxy there.
 */
function guardConnections(server: Server, limit: number, trustProxy: boolean): void {
  const perPeer = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    socket.on('error', () => socket.destroy());
    if (trustProxy) return;
    const peer = socket.remoteAddress ?? 'unknown';
    const n = (perPeer.get(peer) ?? 0) + 1;
    if (n > limit) {
      // Said at once and the descriptor given back at once: a flood must not hold one each.
      socket.write(`HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\ntoo_many_connections: at most ${limit} connections from one address\n`);
      socket.destroy();
      return;
    }
    perPeer.set(peer, n);
    socket.once('close', () => {
      const left = (perPeer.get(peer) ?? 1) - 1;
      if (left > 0) perPeer.set(peer, left);
      else perPeer.delete(peer);
    });
  });
}

/** Starts the server; resolves once it listens. */
export async function serve(opts: ServeOptions): Promise<Server> {
  const { limits } = opts.runner;
  const replica = opts.replica ?? new Replica(opts.runner);
  const previews = new Previews();
  const server = createServer(
    // A client that sends its headers (an upgrade's too) a byte at a time is cut off.
    { headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.headersTimeoutMs * 2, connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs) },
    (req, res) => {
      // A preview host is the student's server's, every path of it.
      if (previews.handleRequest(req, res)) return;
      // The metrics count every student's sessions: a page on a rebound DNS name must not read them.
      if (pathOf(req) === METRICS_PATH && !hostAllowed(req, opts.publicHosts)) {
        res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' }).end('host not allowed\n');
        return;
      }
      if (!serveHealth(req, res, replica)) serveStatic(req, res, opts.siteDir);
    },
  );
  guardConnections(server, limits.maxConnectionsPerClient * 2, opts.trustProxy ?? false);
  attachWebSocket(server, opts.runner, { ...opts, replica, previews });
  server.on('upgrade', (req, socket) => {
    if (pathOf(req) !== WS_PATH && !previews.isPreview(req)) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  // After listening, an error (accept failing with EMFILE) is about one connection, never the end of the server.
  server.on('error', (err) => console.error(`socklab: ${err.message}`));
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
  if (isDirectory(file)) file = join(file, 'index.html');
  if (!existsSync(file)) {
    const notFound = join(root, '404.html');
    if (existsSync(notFound)) sendFile(req, res, notFound, 404, { 'Content-Type': TYPES['.html']! });
    else res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    return;
  }
  sendFile(req, res, file, 200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Cache-Control': path.startsWith('/_astro/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
}

/** Whether `path` is a folder; false when it cannot be looked at (gone, too long a name, no permission). */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Sends a file: gzipped (compressed.ts) when it is text and the client takes
 * it, else streamed once it is open: when it cannot be opened (out of
 * descriptors: EMFILE) the request gets a 503 and the server goes on; a
 * client that goes away mid-file closes the file too.
 */
function sendFile(req: IncomingMessage, res: ServerResponse, file: string, status: number, headers: OutgoingHttpHeaders): void {
  let stat: Stats | null = null;
  try {
    stat = statSync(file);
  } catch {
    /* the stream below says what went wrong */
  }
  const zip = stat !== null && compressible(file, stat.size);
  // A cache must keep the gzipped and the plain answer apart.
  if (zip) headers = { ...headers, Vary: 'Accept-Encoding' };
  if (req.method === 'HEAD') {
    res.writeHead(status, headers).end();
    return;
  }
  if (zip && acceptsGzip(req.headers['accept-encoding'])) {
    gzipped(file, stat!).then(
      (body) => {
        if (res.destroyed) return;
        res.writeHead(status, { ...headers, 'Content-Encoding': 'gzip', 'Content-Length': body.length }).end(body);
      },
      () => {
        if (!res.destroyed) streamFile(res, file, status, headers);
      },
    );
    return;
  }
  streamFile(res, file, status, headers);
}

/** Sends a file as it is, streamed. */
function streamFile(res: ServerResponse, file: string, status: number, headers: OutgoingHttpHeaders): void {
  const stream = createReadStream(file);
  stream.once('open', () => {
    res.writeHead(status, headers);
    pipeline(stream, res, () => undefined);
  });
  stream.once('error', (err: NodeJS.ErrnoException) => {
    if (res.headersSent) return; // pipeline ends the response
    const busy = err.code === 'EMFILE' || err.code === 'ENFILE';
    res.writeHead(busy ? 503 : 500, { 'Content-Type': 'text/plain', ...(busy ? { 'Retry-After': '2' } : {}) }).end(busy ? 'the server is busy; try again in a moment\n' : 'the file could not be read\n');
  });
}
