/**
 * The only way out of a grader's Chromium: an HTTP proxy on the grader's
 * loopback that takes the page's requests for its own server (one made-up
 * host, `page.test`, on port 80) to the server's port inside the sandbox,
 * through the sandbox's connectTcp (as every grader connection goes), and
 * refuses everything else: another host, another port (the server's own
 * port too: behind the playground's preview, or a course's public host, the
 * page is not served at it, so a page that names it works only here), the
 * runner, the internet. Chromium tunnels WebSockets through a proxy with
 * CONNECT, so the page's `ws://${location.host}/ws` is a CONNECT to the
 * same host, piped as is.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** The host the page is served at (port 80, so `location.host` names no port): no real name, so nothing but this proxy can answer it. */
export const PAGE_HOST = 'page.test';

/** Connections through one proxy at once (a page needs a few; a page that opens hundreds is cut). */
const MAX_CONNECTIONS = 32;
/** Headers of one hop only (RFC 9110 7.6.1), never forwarded. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);

/** What went through the proxy, as it happened: for the check's transcript. */
export interface ProxyEvents {
  /** An HTTP exchange with the page's server ended: "GET /messages", 200 (0: no answer). */
  exchange(request: string, status: number): void;
  /** A tunnel's first request and the server's status line: "GET /ws", 101. */
  upgrade(request: string, status: number): void;
}

export interface PageProxy {
  /** The proxy's loopback port. */
  readonly port: number;
  /** The page's own address: http://page.test/ */
  readonly origin: string;
  /** WebSocket upgrades the page's server accepted (101) so far. */
  readonly webSockets: number;
  /** Resolves true once the server has accepted `n` of the page's WebSockets, false after `ms`. */
  waitWebSockets(n: number, ms: number): Promise<boolean>;
  /** Stops listening and cuts every connection through it. */
  close(): void;
}

/** Starts a proxy whose one destination is `connect()`, a fresh connection to the page's server each time. */
export async function startPageProxy(connect: () => Promise<Socket>, events: ProxyEvents): Promise<PageProxy> {
  const open = new Set<Duplex>();
  let webSockets = 0;
  let waiters: (() => void)[] = [];
  const track = (s: Duplex): boolean => {
    if (open.size >= MAX_CONNECTIONS) {
      s.destroy();
      return false;
    }
    open.add(s);
    s.once('close', () => open.delete(s));
    s.on('error', () => s.destroy());
    return true;
  };

  const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000 });
  server.on('connection', (s: Socket) => void track(s));
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    let url: URL | null = null;
    try {
      url = new URL(req.url ?? '');
    } catch {
      /* not absolute: no browser sends that to a proxy */
    }
    // Not the page's server: cut, as a host that does not answer would be.
    if (!url || url.protocol !== 'http:' || url.host !== PAGE_HOST) return void req.socket.destroy();
    const path = `${url.pathname}${url.search}`;
    const what = `${req.method} ${path}`;
    connect().then(
      (upstream) => {
        track(upstream);
        const forward = httpRequest({ method: req.method, path, headers: { ...oneHop(req.headers), host: PAGE_HOST, connection: 'close' }, createConnection: () => upstream }, (answer) => {
          if (path !== '/favicon.ico') events.exchange(what, answer.statusCode ?? 0); // the browser asks for it, not the page
          res.writeHead(answer.statusCode ?? 502, answer.statusMessage, oneHop(answer.headers));
          answer.pipe(res);
          answer.on('error', () => res.destroy());
        });
        forward.on('error', () => {
          events.exchange(what, 0);
          res.destroy();
        });
        req.pipe(forward);
      },
      () => {
        events.exchange(what, 0);
        res.writeHead(502, { connection: 'close' }).end();
      },
    );
  });
  server.on('connect', (req: IncomingMessage, browser: Duplex, head: Buffer) => {
    if (!track(browser)) return;
    if (req.url !== `${PAGE_HOST}:80`) return void browser.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    connect().then(
      (upstream) => {
        if (!track(upstream)) return void browser.destroy();
        browser.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        let request = '';
        browser.once('data', (chunk: Buffer) => (request = firstLine(chunk).split(' ').slice(0, 2).join(' ')));
        upstream.once('data', (chunk: Buffer) => {
          const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(firstLine(chunk))?.[1] ?? 0);
          events.upgrade(request, status);
          if (status === 101) {
            webSockets++;
            for (const wake of waiters) wake();
          }
        });
        if (head.length) upstream.write(head);
        browser.pipe(upstream).on('error', () => {});
        upstream.pipe(browser).on('error', () => {});
        browser.once('close', () => upstream.destroy());
        upstream.once('close', () => browser.destroy());
      },
      () => browser.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'),
    );
  });
  // Chromium tunnels WebSockets with CONNECT; an upgrade sent to the proxy itself is not the page's.
  server.on('upgrade', (_req: IncomingMessage, s: Duplex) => s.destroy());
  server.on('clientError', (_err, s: Duplex) => s.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    origin: `http://${PAGE_HOST}/`,
    get webSockets() {
      return webSockets;
    },
    waitWebSockets(n, ms) {
      if (webSockets >= n) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== wake);
          resolve(false);
        }, ms);
        const wake = () => {
          if (webSockets < n) return;
          clearTimeout(timer);
          waiters = waiters.filter((w) => w !== wake);
          resolve(true);
        };
        waiters.push(wake);
      });
    },
    close() {
      server.close();
      for (const s of open) s.destroy();
      open.clear();
    },
  };
}

/** `headers` less those of one hop. */
function oneHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !HOP_HEADERS.has(k.toLowerCase())));
}

/** The first line of a chunk of HTTP, bounded. */
function firstLine(chunk: Buffer): string {
  return chunk.subarray(0, 200).toString('latin1').split('\r\n')[0] ?? '';
}
