/**
 * Previews of a student's web server: the runner proxies HTTP and the
 * WebSocket upgrade from the browser to the student's port inside the
 * session's network namespace (through the sandbox's agent, as the grader
 * reaches student ports).
 *
 * A preview lives at a host of its own, `<token>.<the page's host>` (every
 * browser resolves `*.localhost` to loopback; a public host needs a wildcard
 * DNS name), so the student's page keeps its absolute paths (`/messages`,
 * `ws://${location.host}/ws`) and they reach the student's server, never the
 * course's. The token (128 random bits) is the only key: unguessable, bound
 * to one session, and forgotten, with every connection through it, when
 * that session ends.
 *
 * The student's page is untrusted: every proxied response carries
 * `Content-Security-Policy: sandbox allow-scripts allow-forms` (no
 * allow-same-origin), so even opened in a tab of its own it runs in an
 * opaque origin, with no access to any storage or cookie and no way to open
 * the course's /ws (the runner refuses Origin "null"). An opaque origin's
 * fetch to its own server is cross-origin, so the proxy lets opaque origins
 * read previews (Access-Control-Allow-Origin: null) and answers their
 * preflights itself. Every opaque origin is "null" and Chromium sends such a
 * page's requests with no Referer, so a preview cannot tell its own page
 * from another session's: the token in the host is the whole key, and a
 * page reaches another session's preview only if that address is given to it.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Session } from '../session.ts';
import { localeOf, t, type Locale } from '../../protocol/i18n/catalog.ts';

/** The header that makes a preview an opaque origin. */
export const PREVIEW_CSP = 'sandbox allow-scripts allow-forms';
/** Preview tokens a session may hold; a newer one retires the oldest. */
const MAX_TOKENS_PER_SESSION = 8;
/** Connections (HTTP requests in flight and WebSockets) open at once through one session's previews (below the runner's bound per address). */
export const MAX_PREVIEW_CONNECTIONS = 32;
/** Bytes one HTTP exchange may carry each way. */
export const MAX_PREVIEW_HTTP_BYTES = 8 * 1024 * 1024;
/** Bytes one proxied WebSocket may carry each way over its life. */
export const MAX_PREVIEW_WS_BYTES = 32 * 1024 * 1024;
/** An HTTP exchange with no bytes either way for this long is cut. */
const HTTP_IDLE_MS = 30_000;
/** A proxied WebSocket with no bytes either way for this long is cut. */
const WS_IDLE_MS = 10 * 60_000;
/** How long the student's server may take to accept a connection. */
const CONNECT_TIMEOUT_MS = 5000;
/** How long a request waits for the student's server to bind its port (a page loaded just after Run) before the waiting page answers. */
export const PREVIEW_BIND_WAIT_MS = 3000;
/** How often, while waiting, the port is tried again. */
const BIND_RETRY_MS = 150;

/** Headers of one hop only (RFC 9110 7.6.1), never forwarded. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);

interface SessionPreviews {
  session: Session;
  port: number;
  tokens: string[];
  /** The browser's side of every open connection through this session's previews, to count and to end with it. */
  open: Set<Duplex>;
}

/** The previews of every session of one runner server. */
export class Previews {
  private readonly byToken = new Map<string, SessionPreviews>();
  private readonly bySession = new Map<Session, SessionPreviews>();

  /**
   * A new preview URL (`//<token>.<host>/`, protocol-relative) for `session`,
   * whose page came to the runner as `pageHost` (its Host header), or null
   * when the lab has no preview or the host cannot carry a subdomain.
   */
  create(session: Session, pageHost: string | undefined): string | null {
    const port = session.lab.meta.preview?.port;
    if (!port || session.isClosed || !pageHost) return null;
    let host: URL;
    try {
      host = new URL(`http://${pageHost}`);
    } catch {
      return null;
    }
    // An IP address has no subdomains: the loopback name serves a browser on this machine.
    const name = /^[\d.]+$|^\[/.test(host.hostname) ? 'localhost' : host.hostname;
    let entry = this.bySession.get(session);
    if (!entry) {
      const created: SessionPreviews = { session, port, tokens: [], open: new Set() };
      entry = created;
      this.bySession.set(session, created);
      void session.sandbox.ended.then(() => this.end(created));
    }
    const token = randomBytes(16).toString('hex');
    entry.tokens.push(token);
    this.byToken.set(token, entry);
    if (entry.tokens.length > MAX_TOKENS_PER_SESSION) this.byToken.delete(entry.tokens.shift()!);
    return `//${token}.${name}${host.port ? `:${host.port}` : ''}/`;
  }

  /** Forgets a session's previews and cuts every connection through them. */
  private end(entry: SessionPreviews): void {
    for (const token of entry.tokens) this.byToken.delete(token);
    entry.tokens = [];
    this.bySession.delete(entry.session);
    for (const socket of entry.open) socket.destroy();
    entry.open.clear();
  }

  /** Whether `req` is for a preview host (live or not): then the preview answers it, and nothing else may. */
  isPreview(req: IncomingMessage): boolean {
    return tokenOf(req) !== null;
  }

  /** Serves an HTTP request for a preview host; false when `req` is not one (the caller serves it). */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const token = tokenOf(req);
    if (token === null) return false;
    const entry = this.byToken.get(token);
    if (!entry) {
      res.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Security-Policy': PREVIEW_CSP }).end('this preview has ended (its session is over): open a new one from the workbench\n');
      return true;
    }
    if (req.headers.origin === 'null' && req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res.writeHead(204, {
        ...corsHeaders(),
        'Access-Control-Allow-Methods': 'GET, HEAD, POST, PUT, PATCH, DELETE',
        'Access-Control-Allow-Headers': String(req.headers['access-control-request-headers'] ?? '').slice(0, 1000),
        'Access-Control-Max-Age': '600',
      }).end();
      return true;
    }
    if (entry.open.size >= MAX_PREVIEW_CONNECTIONS) {
      res.writeHead(503, { 'Content-Type': 'text/plain', 'Retry-After': '2', 'Content-Security-Policy': PREVIEW_CSP }).end(`at most ${MAX_PREVIEW_CONNECTIONS} connections at once go through a session's previews\n`);
      return true;
    }
    void this.proxyHttp(entry, req, res);
    return true;
  }

  /** Serves a WebSocket (or any) upgrade for a preview host; false when `req` is not one. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const token = tokenOf(req);
    if (token === null) return false;
    socket.on('error', () => socket.destroy());
    const entry = this.byToken.get(token);
    if (!entry || entry.open.size >= MAX_PREVIEW_CONNECTIONS) {
      socket.end(`HTTP/1.1 ${entry ? '503 Service Unavailable' : '404 Not Found'}\r\nConnection: close\r\n\r\n`);
      return true;
    }
    void this.proxyUpgrade(entry, req, socket, head);
    return true;
  }

  private async connect(entry: SessionPreviews): Promise<Socket> {
    return entry.session.sandbox.connectTcp(entry.port, '127.0.0.1', CONNECT_TIMEOUT_MS);
  }

  /** Connects, trying again for PREVIEW_BIND_WAIT_MS while the port is not bound yet (the server is still starting); gives up early if the browser left. */
  private async connectWhenBound(entry: SessionPreviews, res: ServerResponse): Promise<Socket> {
    const deadline = Date.now() + PREVIEW_BIND_WAIT_MS;
    for (;;) {
      try {
        return await this.connect(entry);
      } catch (err) {
        if (Date.now() + BIND_RETRY_MS > deadline || res.destroyed || !this.byToken.has(entry.tokens[0] ?? '')) throw err;
        await new Promise((r) => setTimeout(r, BIND_RETRY_MS));
      }
    }
  }

  private async proxyHttp(entry: SessionPreviews, req: IncomingMessage, res: ServerResponse): Promise<void> {
    entry.open.add(req.socket);
    const done = () => entry.open.delete(req.socket);
    res.once('close', done);
    let upstream: Socket;
    try {
      upstream = await this.connectWhenBound(entry, res);
    } catch {
      done();
      if (res.headersSent || res.destroyed) return;
      if (wantsPage(req)) {
        // A page, not a fetch: tell the student in their words and try again by itself.
        const locale = localeOf(String(req.headers['accept-language'] ?? '').split(/[,;]/)[0]);
        res.writeHead(503, { 'Content-Type': 'text/html; charset=utf-8', 'Retry-After': '1', 'Cache-Control': 'no-store', 'Content-Security-Policy': PREVIEW_CSP }).end(waitingPage(locale, entry.port));
      } else {
        res.writeHead(502, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Security-Policy': PREVIEW_CSP }).end(`nothing answers on port ${entry.port} in the sandbox: is your server running?\n`);
      }
      return;
    }
    if (!this.byToken.has(tokenOf(req)!) || res.destroyed) {
      upstream.destroy();
      return;
    }
    upstream.on('error', () => {});
    res.once('close', () => upstream.destroy());
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !HOP_HEADERS.has(name)) headers[name] = value;
    headers.host = `localhost:${entry.port}`;
    const out = httpRequest({ method: req.method, path: req.url, headers: { ...headers, connection: 'close' }, createConnection: () => upstream, timeout: HTTP_IDLE_MS });
    out.on('timeout', () => out.destroy());
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Security-Policy': PREVIEW_CSP }).end('your server closed the connection without an answer\n');
      else res.destroy();
    });
    out.on('response', (answer) => {
      const back: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_HEADERS.has(name)) back[name] = value;
      // The student's own CSP (if any) stays; the sandbox one is added on top.
      back['content-security-policy'] = [...[back['content-security-policy'] ?? []].flat(), PREVIEW_CSP];
      if (req.headers.origin === 'null') Object.assign(back, corsHeaders());
      try {
        res.writeHead(answer.statusCode ?? 502, back);
      } catch {
        // A status or header Node will not send (the student's server is untrusted).
        answer.destroy();
        res.writeHead(502, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Security-Policy': PREVIEW_CSP }).end('your server answered with a status or header that is not valid HTTP\n');
        return;
      }
      limitedPipe(answer, res, MAX_PREVIEW_HTTP_BYTES);
    });
    res.setTimeout(HTTP_IDLE_MS, () => res.destroy());
    limitedPipe(req, out, MAX_PREVIEW_HTTP_BYTES);
  }

  private async proxyUpgrade(entry: SessionPreviews, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    entry.open.add(socket);
    socket.once('close', () => entry.open.delete(socket));
    let upstream: Socket;
    try {
      upstream = await this.connect(entry);
    } catch {
      socket.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n');
      return;
    }
    if (!this.byToken.has(tokenOf(req)!) || socket.destroyed) {
      upstream.destroy();
      socket.destroy();
      return;
    }
    // Only the browser's side counts (and is cut when the session ends): the upstream follows it.
    upstream.once('close', () => socket.destroy());
    socket.once('close', () => upstream.destroy());
    upstream.on('error', () => upstream.destroy());
    const lines = [`${req.method} ${req.url} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      lines.push(`${name}: ${name.toLowerCase() === 'host' ? `localhost:${entry.port}` : req.rawHeaders[i + 1]}`);
    }
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length) upstream.write(head);
    // An upgraded request's socket is a net.Socket.
    for (const s of [socket as Socket, upstream]) s.setTimeout(WS_IDLE_MS, () => s.destroy());
    limitedPipe(socket, upstream, MAX_PREVIEW_WS_BYTES);
    limitedPipe(upstream, socket, MAX_PREVIEW_WS_BYTES);
  }
}

/** What lets an opaque origin (a preview's own page) read a preview's answer. */
/** True for a browser loading a page (a navigation), not a script's fetch: it gets the waiting page. */
function wantsPage(req: IncomingMessage): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && String(req.headers.accept ?? '').includes('text/html');
}

/** The page shown while nothing listens on the lab's port: the student's words, reloading itself each second. */
export function waitingPage(locale: Locale, port: number): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta http-equiv="refresh" content="1"><title>${esc(t(locale, 'preview.waitingTitle'))}</title></head>
<body style="font:16px system-ui,sans-serif;margin:2rem;color:#444"><p>${esc(t(locale, 'preview.waiting', { port }))}</p><p>${esc(t(locale, 'preview.waitingWhy'))}</p></body></html>\n`;
}

function corsHeaders(): Record<string, string> {
  return { 'Access-Control-Allow-Origin': 'null', 'Access-Control-Allow-Credentials': 'false', Vary: 'Origin' };
}

/** The preview token a request's Host names (`<32 hex>.<anything>`), or null. */
function tokenOf(req: IncomingMessage): string | null {
  const m = /^([0-9a-f]{32})\./.exec(String(req.headers.host ?? '').toLowerCase());
  return m ? m[1]! : null;
}

/** Pipes `from` into `to` with backpressure, cutting both once more than `max` bytes went through. */
function limitedPipe(from: NodeJS.ReadableStream & Duplex | IncomingMessage, to: NodeJS.WritableStream & { destroy(): void }, max: number): void {
  let bytes = 0;
  from.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > max) {
      from.destroy();
      to.destroy();
      return;
    }
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  });
  from.once('end', () => to.end());
  // Every error has a listener: an unhandled one would take the runner down.
  from.on('error', () => to.destroy());
}
