/**
 * Previews of a student's web server through the runner (preview.ts), for
 * real: a real Runner and sandbox serving lab 06's solution, reached over
 * HTTP and WebSocket at the preview's own host. A preview answers only for
 * its session, carries the sandbox CSP on every answer, cannot be guessed,
 * and dies with its session; the runner's own /ws refuses an opaque origin.
 */
import { request } from 'node:http';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage, StudentFile } from '../../protocol/messages.ts';
import type { Runner } from '../runner.ts';
import { startRunner, type InProcessRunner } from '../../test/support/in-process-runner.ts';
import { MAX_PREVIEW_CONNECTIONS, MAX_PREVIEW_HTTP_BYTES, PREVIEW_BIND_WAIT_MS, PREVIEW_CSP } from './preview.ts';
import { TestClient } from '../../test/support/test-client.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const SOLUTION = join(ROOT, 'labs/06-websocket-chat/solution/javascript');

/** A folder's files, public/ included, as a page sends them. */
function readFolder(dir: string, prefix = ''): StudentFile[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? readFolder(path, `${prefix}${name}/`) : [{ name: `${prefix}${name}`, content: readFileSync(path, 'utf8') }];
  });
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request to the runner with the given Host header. */
function fetchAt(port: number, host: string, method: string, path: string, opts: { body?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host, ...(opts.headers ?? {}) }, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
      res.on('close', () => reject(new Error(`the answer was cut after ${body.length} bytes`)));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end(opts.body);
  });
}

/** A WebSocket to `path` on the runner's port, with the given Host (and Origin). */
function wsAt(port: number, host: string, path: string, origin?: string): Promise<{ ws: WebSocket; frames: string[] } | { refused: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: { host, ...(origin ? { origin } : {}) } });
    const frames: string[] = [];
    ws.on('message', (d) => frames.push(d.toString()));
    ws.once('open', () => resolve({ ws, frames }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ refused: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

async function eventually(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('previews of a student web server', () => {
  let runner: Runner;
  let served: InProcessRunner;
  let port: number;
  const clients: TestClient[] = [];
  const sockets: WebSocket[] = [];

  /** A session running the lab 06 solution (or `files` in `lang`); resolves with its client and preview host. */
  const running = async (files = readFolder(SOLUTION), lang: 'javascript' | 'python' = 'javascript'): Promise<{ c: TestClient; host: string }> => {
    const c = await TestClient.connect(`http://127.0.0.1:${port}`);
    clients.push(c);
    await c.waitFor((m) => m.type === 'hello');
    c.send({ type: 'open', lab: 'websocket-chat', lang });
    await c.waitFor((m) => m.type === 'opened', 15_000);
    c.send({ type: 'files', files });
    await c.waitFor((m) => m.type === 'files', 5000);
    c.send({ type: 'run' });
    await c.waitForProc((p) => p.name === 'server' && p.state === 'listening', 20_000);
    const from = c.messages.length;
    c.send({ type: 'preview' });
    const msg = await c.waitFor<Extract<ServerMessage, { type: 'preview' }>>((m) => m.type === 'preview', 5000, from);
    const m = /^\/\/([0-9a-f]{32}\.localhost:\d+)\/$/.exec(msg.url);
    expect(m, msg.url).not.toBeNull();
    return { c, host: m![1]! };
  };

  beforeAll(async () => {
    served = await startRunner();
    ({ runner, port } = served);
  });

  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await eventually(() => runner.sessionCount === 0, 10_000, 'every session ended');
  });

  afterAll(async () => {
    await served.close();
  });

  it('proxies the page, REST and the WebSocket push, every answer an opaque origin', async () => {
    const { host } = await running();
    const page = await fetchAt(port, host, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script src="client.js"></script>');
    expect(page.headers['content-security-policy']).toContain(PREVIEW_CSP);
    expect((await fetchAt(port, host, 'GET', '/client.js')).headers['content-security-policy']).toContain(PREVIEW_CSP);

    const open = await wsAt(port, host, '/ws', 'null');
    if (!('ws' in open)) throw new Error(`the preview refused the WebSocket: ${open.refused}`);
    sockets.push(open.ws);
    // A preview's page has an opaque origin: its fetch to its own server is cross-origin.
    const posted = await fetchAt(port, host, 'POST', '/messages', { body: JSON.stringify({ text: 'hi', timestamp: 't1' }), headers: { 'content-type': 'application/json', origin: 'null' } });
    expect(posted.status).toBe(201);
    expect(posted.headers['access-control-allow-origin']).toBe('null');
    await eventually(() => open.frames.length > 0, 5000, 'the pushed message');
    expect(JSON.parse(open.frames[0]!)).toEqual({ text: 'hi', timestamp: 't1' });
    const preflight = await fetchAt(port, host, 'OPTIONS', '/messages', { headers: { origin: 'null', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toBe('content-type');
  }, 60_000);

  it('answers only for its own session; a made-up token finds nothing', async () => {
    const a = await running();
    const b = await running();
    expect(a.host).not.toBe(b.host);
    expect((await fetchAt(port, a.host, 'POST', '/messages', { body: '{"text":"only in a"}' })).status).toBe(201);
    expect(JSON.parse((await fetchAt(port, a.host, 'GET', '/messages')).body)).toHaveLength(1);
    expect(JSON.parse((await fetchAt(port, b.host, 'GET', '/messages')).body)).toEqual([]);
    const guess = `${'0'.repeat(32)}.localhost:${port}`;
    expect((await fetchAt(port, guess, 'GET', '/messages')).status).toBe(404);
    expect(await wsAt(port, guess, '/ws')).toEqual({ refused: 404 });
  }, 90_000);

  it('keeps the course out of reach: /ws at a preview host is the student\'s, the runner\'s refuses an opaque origin', async () => {
    const { host } = await running();
    const student = await wsAt(port, host, '/ws', 'null');
    if (!('ws' in student)) throw new Error('the preview refused the WebSocket');
    sockets.push(student.ws);
    await new Promise((r) => setTimeout(r, 300));
    // The runner greets every page with hello; the student's server does not.
    expect(student.frames.some((f) => f.includes('"hello"'))).toBe(false);
    expect(await wsAt(port, `127.0.0.1:${port}`, '/ws', 'null')).toEqual({ refused: 403 });
  }, 60_000);

  it('ends with its session: the page is gone and open WebSockets close', async () => {
    const { c, host } = await running();
    const open = await wsAt(port, host, '/ws');
    if (!('ws' in open)) throw new Error('the preview refused the WebSocket');
    sockets.push(open.ws);
    const closed = new Promise<void>((r) => open.ws.once('close', () => r()));
    c.send({ type: 'close' });
    await closed;
    await eventually(() => runner.sessionCount === 0, 10_000, 'the session ended');
    const after = await fetchAt(port, host, 'GET', '/');
    expect(after.status).toBe(404);
    expect(after.body).toContain('this preview has ended');
  }, 60_000);

  it('bounds the connections open at once through a session\'s previews', async () => {
    const { host } = await running();
    for (let i = 0; i < MAX_PREVIEW_CONNECTIONS; i++) {
      const open = await wsAt(port, host, '/ws');
      if (!('ws' in open)) throw new Error(`WebSocket ${i + 1} was refused: ${open.refused}`);
      sockets.push(open.ws);
    }
    expect(await wsAt(port, host, '/ws')).toEqual({ refused: 503 });
    expect((await fetchAt(port, host, 'GET', '/messages')).status).toBe(503);
    sockets.pop()!.terminate();
    await new Promise((r) => setTimeout(r, 300));
    expect((await fetchAt(port, host, 'GET', '/messages')).status).toBe(200);
  }, 90_000);

  it('survives a hostile server: garbage, an invalid status, an endless body', async () => {
    const hostile = [
      'import socket, threading',
      's = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("", 4000)); s.listen(64)',
      'def serve(c):',
      '    try:',
      '        req = c.recv(65536).decode("latin-1")',
      '        if "/garbage" in req: c.sendall(b"this is not HTTP\\r\\n\\r\\n")',
      '        elif "/status" in req: c.sendall(b"HTTP/1.1 9999 Nope\\r\\nContent-Length: 0\\r\\n\\r\\n")',
      '        else:',
      '            c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\n")',
      '            while True: c.sendall(b"x" * 65536)',
      '    except OSError: pass',
      '    c.close()',
      'while True:',
      '    c, _ = s.accept()',
      '    threading.Thread(target=serve, args=(c,), daemon=True).start()',
    ].join('\n');
    const { host } = await running([{ name: 'server.py', content: hostile }], 'python');
    expect((await fetchAt(port, host, 'GET', '/garbage')).status).toBe(502);
    expect((await fetchAt(port, host, 'GET', '/status')).status).toBe(502);
    const endless = await fetchAt(port, host, 'GET', '/endless').catch((e: Error) => e);
    // Cut at the bound: either a short body or a reset connection, never more.
    if (!(endless instanceof Error)) expect(endless.body.length).toBeLessThanOrEqual(MAX_PREVIEW_HTTP_BYTES);
    expect((await fetchAt(port, host, 'GET', '/garbage')).status).toBe(502);
  }, 90_000);

  it('waits for a server that binds late, and shows a page in the student\'s language that reloads itself when none binds', async () => {
    /** A session whose server.py runs `code`; its preview host, asked for before anything listens. */
    const early = async (code: string): Promise<string> => {
      const c = await TestClient.connect(`http://127.0.0.1:${port}`);
      clients.push(c);
      await c.waitFor((m) => m.type === 'hello');
      c.send({ type: 'open', lab: 'websocket-chat', lang: 'python' });
      await c.waitFor((m) => m.type === 'opened', 15_000);
      c.send({ type: 'files', files: [{ name: 'server.py', content: code }] });
      await c.waitFor((m) => m.type === 'files', 5000);
      c.send({ type: 'run' });
      c.send({ type: 'preview' });
      const msg = await c.waitFor<Extract<ServerMessage, { type: 'preview' }>>((m) => m.type === 'preview', 5000);
      return /^\/\/([0-9a-f]{32}\.localhost:\d+)\/$/.exec(msg.url)![1]!;
    };
    const page = { accept: 'text/html,application/xhtml+xml', 'accept-language': 'ko-KR,ko;q=0.9,en;q=0.8' };
    const late = await early(['import socket, time', 'time.sleep(1.0)', 's = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("", 4000)); s.listen(8)', 'while True:', '    c, _ = s.accept(); c.recv(65536); c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok"); c.close()'].join('\n'));
    const waited = await fetchAt(port, late, 'GET', '/', { headers: page });
    expect(waited.status).toBe(200);
    expect(waited.body).toBe('ok');

    const never = await early('import time\ntime.sleep(600)');
    const started = Date.now();
    // At once: each waits PREVIEW_BIND_WAIT_MS for a port that never binds.
    const [ko, en, fetched] = await Promise.all([
      fetchAt(port, never, 'GET', '/', { headers: page }),
      fetchAt(port, never, 'GET', '/', { headers: { accept: 'text/html' } }),
      fetchAt(port, never, 'GET', '/messages', { headers: { accept: 'application/json' } }),
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(PREVIEW_BIND_WAIT_MS - 200);
    expect(ko.status).toBe(503);
    expect(ko.headers['content-security-policy']).toContain(PREVIEW_CSP);
    expect(ko.body).toContain('4000번 포트에서 여러분의 서버를 기다리는 중입니다');
    expect(ko.body).toContain('<meta http-equiv="refresh" content="1">');
    expect(en.body).toContain('Waiting for your server on port 4000');
    // A script's fetch gets a plain status it can handle, not a page.
    expect(fetched.status).toBe(502);
  }, 90_000);

  it('is not offered by a lab without a preview', async () => {
    const c = await TestClient.connect(`http://127.0.0.1:${port}`);
    clients.push(c);
    await c.waitFor((m) => m.type === 'hello');
    c.send({ type: 'open', lab: 'tcp-echo', lang: 'python' });
    await c.waitFor((m) => m.type === 'opened', 15_000);
    c.send({ type: 'preview' });
    expect((await c.waitForError('not_offered')).message).toContain('no preview');
  }, 30_000);
});
