/**
 * The grader of lab 06, websocket-chat (LABS.md section 6): the student's
 * server over real HTTP (node:http through a socket inside the sandbox) and
 * real WebSockets (the ws package over such a socket), and the student's
 * web page in a real Chromium (h.openPage) talking to the student's server.
 * Messages the grader sends carry timestamps of its own, so every failure
 * text is the same from run to run.
 */
import { request } from 'node:http';
import { defineChecks, WebSocket, type Harness, type Program, type WebPage } from '../../runner/grader/api.ts';
import messages from './messages.ts';

type H = Harness<typeof messages.en>;

const PORT = 4000;
/** How long an answer or a pushed frame may take. */
const WAIT_MS = 5000;
/** A check in the browser: Chromium takes seconds to start on a loaded machine, and waits its turn behind other checks' browsers. */
const BROWSER_CHECK_MS = 45_000;
/**
 * How often web-form looks at what the page sent and what the server
 * answered: the look is a glance at arrays the page's events fill, and the
 * loops count their naps, so each window is still WAIT_MS of naps at least.
 */
const FORM_LOOK_MS = 20;
/**
 * How often the page itself looks at what it shows (waitForFunction's
 * polling, in the page): a glance at a small page's text, and the gap is
 * how late a page that already shows it is seen (at 100 ms, half of that
 * on the average, on each of the page checks, the Check's longest chains).
 */
const PAGE_LOOK_MS = 20;

interface Message {
  text: string;
  timestamp: string;
}

const q = (s: string) => JSON.stringify(s);
/** Whether `t` is a timestamp as a server sets one: an ISO 8601 string that Date.parse reads. */
const isIsoTime = (t: unknown): t is string => typeof t === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(t) && !Number.isNaN(Date.parse(t));
const msg = (text: string, minute = 0): Message => ({ text, timestamp: `2026-03-01T10:${String(minute).padStart(2, '0')}:00.000Z` });

interface Answer {
  status: number;
  type: string;
  body: string;
}

/** One HTTP request on a connection of its own (Connection: close: a non-persistent exchange). */
async function http(h: H, method: 'GET' | 'POST', path: string, body?: string): Promise<Answer> {
  const socket = await h.socket(PORT, { label: 'http' });
  h.note(`→ ${method} ${path}${body === undefined ? '' : ` ${body.length > 120 ? `${body.slice(0, 120)}…` : body}`}`);
  const answer = await new Promise<Answer | string>((resolve) => {
    const req = request({
      method,
      path,
      host: 'localhost',
      port: PORT,
      headers: { connection: 'close', ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }) },
      createConnection: () => socket,
      timeout: WAIT_MS,
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(h.t('http.noAnswer', { s: WAIT_MS / 1000 }));
    });
    req.on('error', (err) => resolve(h.t('http.failed', { error: err.message })));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => resolve(h.t('http.cut')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.end(body);
  });
  if (typeof answer === 'string') {
    h.fail(h.t('http.fail', { request: `${method} ${path}`, why: answer }), { expected: h.t('http.expected'), received: h.t('nothing'), hint: h.t('http.hint') });
  }
  h.note(`← ${answer.status} ${answer.type} ${answer.body.length > 200 ? `${answer.body.slice(0, 200)}…` : answer.body}`);
  return answer;
}

/** GET /messages, failing unless it answers 200 with a JSON array. */
async function history(h: H): Promise<unknown[]> {
  const a = await http(h, 'GET', '/messages');
  if (a.status !== 200) h.fail(h.t('history.status'), { expected: '200', received: String(a.status), hint: h.t('history.statusHint') });
  if (!/^application\/json\b/i.test(a.type)) {
    h.fail(h.t('history.json'), { expected: 'Content-Type: application/json', received: a.type ? `Content-Type: ${a.type}` : h.t('history.noType'), hint: h.t('history.jsonHint') });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(a.body);
  } catch {
    h.fail(h.t('history.array'), { expected: '[...]', received: q(a.body.slice(0, 200)) });
  }
  if (!Array.isArray(parsed)) h.fail(h.t('history.array'), { expected: '[...]', received: a.body.slice(0, 200) });
  return parsed;
}

/** POST /messages, failing unless it answers 201; `why5xx` says what may have made the server fail. */
async function post(h: H, message: unknown, why5xx = ''): Promise<void> {
  const body = JSON.stringify(message);
  const a = await http(h, 'POST', '/messages', body);
  if (a.status !== 201) {
    h.fail(h.t('post.fail', { body }), {
      expected: '201',
      received: String(a.status),
      hint: a.status === 200
        ? h.t('post.hint200')
        : a.status >= 500
          ? h.t('post.hint5xx', { status: a.status, more: why5xx ? ` ${why5xx}` : '' })
          : h.t('post.hintOther'),
    });
  }
}

/** A grader's WebSocket to /ws, with the frames it received. */
class Peer {
  private frames: string[] = [];
  private waiting: (() => void) | null = null;
  closed = false;

  constructor(readonly label: string, readonly ws: WebSocket, private readonly h: H) {
    ws.on('message', (data, isBinary) => {
      this.frames.push(isBinary ? h.t('frame.binary', { n: (data as Buffer).length }) : data.toString());
      this.waiting?.();
    });
    ws.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
  }

  /** Sends one text frame. */
  send(text: string): void {
    this.h.note(`${this.label} ⇒ ${text}`);
    this.ws.send(text);
  }

  /** The next frame, or null when none comes in `ms` (or once `until` resolves). */
  async next(ms = WAIT_MS, until?: Promise<unknown>): Promise<string | null> {
    let over = false;
    void until?.then(() => {
      over = true;
      this.waiting?.();
    }, () => {});
    await this.settle(ms, () => over);
    return this.frames.shift() ?? null;
  }

  /** Waits until a frame is there, the connection has closed, `over` says so (asked at each wake), or `ms` passed. */
  private async settle(ms: number, over: () => boolean = () => false): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.frames.length === 0 && !this.closed && !over() && Date.now() < deadline) await this.nap(deadline);
  }

  /** Waits until the connection has closed (the server answered the close, or the socket is gone), `ms` at most; true once it has. */
  async waitClosed(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) await this.nap(deadline);
    return this.closed;
  }

  /** Sleeps until `deadline` or the next frame or close, whichever comes first. */
  private async nap(deadline: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, deadline - Date.now());
      this.waiting = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.waiting = null;
  }

  /**
   * Waits for a frame holding `want` as JSON and fails otherwise: a Message
   * exactly, or (a string) the message of that text as the server stored it,
   * with a timestamp of its own (it was sent without one; a server that
   * pushes the body or frame as it came pushes none). Given the `silent`
   * server (the grader sends nothing while it waits), also fails once that
   * server waits for ever (Program.waitBlocked). `hint`: the check's own word
   * on a failure, when it has one (else the usual hint for a missing or wrong
   * frame).
   */
  async expect(want: Message | string, why: string, silent?: Program, hint?: () => string | undefined): Promise<void> {
    const done = new AbortController();
    const blocked = silent?.waitBlocked(WAIT_MS, done.signal);
    // Only a blocked server ends the wait early; at the cap the wait ends by itself.
    const frame = await this.next(WAIT_MS, blocked?.then((call) => call ?? new Promise(() => {})));
    done.abort(); // a frame came, or the wait is over: no more looks at /proc
    const call = frame === null ? await blocked : undefined;
    if (frame !== null) this.h.note(`${this.label} ⇐ ${frame}`);
    let got: Partial<Message> | null = null;
    try {
      got = frame === null ? null : (JSON.parse(frame) as Partial<Message>);
    } catch {
      /* shown below */
    }
    const stored = typeof want === 'string';
    const text = stored ? want : want.text;
    if (got && got.text === text && (stored ? isIsoTime(got.timestamp) : got.timestamp === want.timestamp)) return;
    this.h.fail(this.h.t('frame.expect', { who: this.label, what: why }), {
      expected: stored ? `{"text":${q(text)},"timestamp":"2026-…T…Z"}` : JSON.stringify(want),
      received: frame !== null ? frame : this.closed ? this.h.t('frame.noneClosed', { s: WAIT_MS / 1000 }) : call ? this.h.t('frame.noneBlocked', { call }) : this.h.t('frame.none', { s: WAIT_MS / 1000 }),
      hint: hint?.() ?? (stored && got?.text === text ? this.h.t('frame.hintStored', { shape: '{text, timestamp}' }) : this.h.t(frame !== null && got === null ? 'frame.hintJson' : 'frame.hintEveryone')),
    });
  }

  /**
   * Fails when a frame arrives within `ms`; with `until`, the window ends
   * early once it resolves (the server's waitIdle: a server that waits for
   * input sends nothing more).
   */
  async expectNothing(ms: number, why: string, until?: Promise<unknown>): Promise<void> {
    let frame = await this.next(ms, until);
    // Ended early: a frame the kernel already holds for this socket is read in the event loop's next poll, so look once more after it.
    if (until && frame === null) {
      await new Promise((r) => setImmediate(() => setImmediate(r)));
      frame = this.frames.shift() ?? null;
    }
    if (frame !== null) this.h.fail(this.h.t('frame.unexpected', { who: this.label, why }), { expected: this.h.t('nothing'), received: frame, hint: this.h.t('frame.hintValid') });
  }

  /** Ends the connection abruptly: a reset, no close frame. */
  reset(): void {
    this.h.note(this.h.t('ws.vanishes', { who: this.label }));
    const socket = (this.ws as unknown as { _socket?: { resetAndDestroy?: () => void; destroy(): void } })._socket;
    if (socket?.resetAndDestroy) socket.resetAndDestroy();
    else socket?.destroy();
  }
}

/** Opens a WebSocket to /ws from inside the sandbox; fails the check when the server does not upgrade. */
async function connectWs(h: H, label: string): Promise<Peer> {
  const socket = await h.socket(PORT, { label });
  h.note(`${label}: GET /ws (Upgrade: websocket)`);
  const ws = new WebSocket(`ws://localhost:${PORT}/ws`, { createConnection: () => socket, handshakeTimeout: WAIT_MS, perMessageDeflate: false });
  const outcome = await new Promise<string | null>((resolve) => {
    ws.once('open', () => resolve(null));
    ws.once('unexpected-response', (_req, res) => {
      resolve(h.t('ws.answered', { status: `${res.statusCode} ${res.statusMessage ?? ''}`.trim() }));
      res.resume();
      ws.terminate();
    });
    ws.once('error', (err) => resolve(err.message));
  });
  ws.on('error', () => {});
  h.teardown(() => ws.terminate());
  if (outcome !== null) {
    h.fail(h.t('ws.noConnect', { port: PORT }), {
      expected: '101 Switching Protocols',
      received: outcome,
      hint: h.t('ws.hint', { wsServer: "new WebSocketServer({ server, path: '/ws' })" }),
    });
  }
  h.note(`${label}: 101 Switching Protocols`);
  return new Peer(label, ws, h);
}

async function peers(h: H, n: number, prefix = 'ws'): Promise<Peer[]> {
  const list: Peer[] = [];
  for (let i = 1; i <= n; i++) list.push(await connectWs(h, `${prefix}${i}`));
  return list;
}

/** Fails unless the last messages of the history are `expected`, in that order. */
async function expectHistoryEnds(h: H, expected: Message[], what: string): Promise<void> {
  const all = await history(h);
  const tail = all.slice(-expected.length);
  const same = tail.length === expected.length && tail.every((m, i) => {
    const o = m as Partial<Message> | null;
    return typeof o === 'object' && o !== null && o.text === expected[i]!.text && o.timestamp === expected[i]!.timestamp;
  });
  if (!same) {
    h.fail(h.t('history.ends', { what }), {
      expected: JSON.stringify(expected),
      received: JSON.stringify(tail),
      hint: h.t('history.endsHint'),
    });
  }
}

type Chat = Harness<(typeof messages)['en']>;

/** The student's page from their server, loaded in the grader's Chromium; fails when it is not theirs or not served. */
async function openChat(h: Chat): Promise<WebPage> {
  if (!h.submitted('public/index.html')) h.fail(h.t('web.noPage'), { expected: 'public/index.html', received: h.t('nothing'), hint: h.t('web.noPageHint') });
  const web = await h.openPage(PORT);
  if (web.status !== 200) h.fail(h.t('web.notServed', { status: web.status }), { expected: '200', received: String(web.status), hint: h.t('web.notServedHint') });
  return web;
}

/** The text the page shows (what a person reads), on one line; '' from a page too busy to answer within a second. */
async function shown(web: WebPage): Promise<string> {
  const text = web.page.evaluate(() => document.body?.innerText ?? '').catch(() => '');
  return (await Promise.race([text, new Promise<string>((r) => setTimeout(() => r(''), 1000))])).replace(/\s+/g, ' ').trim();
}

/** Waits up to `ms` for the page to show every one of `texts`; true when it did. */
async function showsAll(web: WebPage, texts: string[], ms = WAIT_MS): Promise<boolean> {
  return web.page
    .waitForFunction((want) => want.every((t) => (document.body?.innerText ?? '').includes(t)), texts, { timeout: ms, polling: PAGE_LOOK_MS })
    .then(() => true, () => false);
}

/** What the page shows, and its first error, for a failure's "received". */
async function pageState(h: Chat, web: WebPage): Promise<string> {
  const text = await shown(web);
  const words = text ? h.t('web.pageText', { text: text.length > 300 ? `${text.slice(0, 300)}…` : text }) : h.t('web.pageEmpty');
  return web.errors[0] ? words + h.t('web.errors', { error: web.errors[0] }) : words;
}

/**
 * The hint for a page that asked for another server, or whose script
 * stopped on an error (it never got as far as the step the check missed),
 * or undefined.
 */
function refusedHint(h: Chat, web: WebPage): string | undefined {
  if (web.refused[0]) return h.t('web.refusedHint', { url: web.refused[0] });
  return web.thrown[0] ? h.t('web.scriptErrorHint', { error: web.thrown[0] }) : undefined;
}

export default defineChecks(messages, [
  {
    id: 'listens',
    name: 'check.listens',
    role: 'server',
    async run(h) {
      const server = await h.start('server');
      await http(h, 'GET', '/messages');
      server.expectRunning(h.t('why.afterOneRequest'));
    },
  },
  {
    id: 'history-starts-empty',
    name: 'check.historyStartsEmpty',
    role: 'server',
    dependsOn: ['listens'],
    async run(h) {
      await h.start('server');
      const all = await history(h);
      if (all.length !== 0) {
        h.fail(h.t('empty.fail'), {
          expected: '[]',
          received: JSON.stringify(all).slice(0, 200),
          hint: h.t('empty.hint', { shape: '{"text", "timestamp"}' }),
        });
      }
    },
  },
  {
    id: 'post-201',
    name: 'check.post201',
    role: 'server',
    dependsOn: ['listens'],
    async run(h) {
      await h.start('server');
      await post(h, msg('first post', 1));
    },
  },
  {
    id: 'post-stores',
    name: 'check.postStores',
    role: 'server',
    dependsOn: ['post-201'],
    async run(h) {
      await h.start('server');
      await post(h, msg('with my own time', 2));
      await expectHistoryEnds(h, [msg('with my own time', 2)], h.t('stores.ownTime'));
      // A timestamp that is not a string is no timestamp: the server sets the time then too.
      for (const [body, why, hint] of [
        [{ text: 'no time given' }, 'stores.noTime', 'stores.hint'],
        [{ text: 'a number for a time', timestamp: 1772359200000 }, 'stores.badTime', 'stores.badTimeHint'],
      ] as const) {
        await post(h, body);
        const last = (await history(h)).find((m) => (m as Partial<Message> | null)?.text === body.text) as Partial<Message> | undefined;
        if (last?.text !== body.text || !isIsoTime(last.timestamp)) {
          h.fail(h.t(why), {
            expected: `{"text":${q(body.text)},"timestamp":"2026-…T…Z"}`,
            received: JSON.stringify(last ?? null),
            hint: h.t(hint),
          });
        }
      }
    },
  },
  {
    id: 'history-order',
    name: 'check.historyOrder',
    role: 'server',
    dependsOn: ['post-201'],
    async run(h) {
      await h.start('server');
      const sent = [msg('one', 3), msg('two', 4), msg('three', 5)];
      for (const m of sent) await post(h, m);
      await expectHistoryEnds(h, sent, h.t('order.three'));
    },
  },
  {
    id: 'ws-upgrade',
    name: 'check.wsUpgrade',
    role: 'server',
    dependsOn: ['listens'],
    async run(h) {
      const server = await h.start('server');
      const [a] = await peers(h, 1);
      // The window for a crash ends once the server has answered the close and waits again, 200 ms at most.
      const until = Date.now() + 200;
      a!.ws.close();
      await a!.waitClosed(200);
      await server.waitIdle(Math.max(0, until - Date.now()));
      server.expectRunning(h.t('why.afterWsLeft'));
    },
  },
  {
    id: 'post-broadcasts',
    name: 'check.postBroadcasts',
    role: 'server',
    dependsOn: ['post-201', 'ws-upgrade'],
    async run(h) {
      await h.start('server');
      const list = await peers(h, 3);
      const m = msg('pushed by a POST', 6);
      await post(h, m);
      for (const p of list) await p.expect(m, h.t('what.postedOverHttp'));
      // Pushed as stored: with the time the server set, not the body as it came.
      await post(h, { text: 'posted without a time' });
      for (const p of list) await p.expect('posted without a time', h.t('what.postedNoTime'));
    },
  },
  {
    id: 'post-validation',
    name: 'check.postValidation',
    role: 'server',
    dependsOn: ['post-201', 'ws-upgrade'],
    async run(h) {
      const server = await h.start('server');
      const [watcher] = await peers(h, 1, 'watcher');
      const before = (await history(h)).length;
      for (const body of ['this is not JSON', '{"text": "cut off', '{"nope": 1}', '{"text": 42}', '{"text": null}', '[]', 'null']) {
        const a = await http(h, 'POST', '/messages', body);
        if (a.status !== 400) {
          h.fail(h.t('validation.fail', { body }), {
            expected: '400',
            received: String(a.status),
            hint: h.t(a.status === 422 ? 'validation.hint422' : 'validation.hint'),
          });
        }
      }
      server.expectRunning(h.t('why.afterBadBodies'));
      // express.json()'s own error for a body that is not JSON: express prints its stack trace (the check would fail
      // as "printed a stack trace", with a hint to catch an error the student's code never saw).
      if (h.lang === 'javascript' && server.output.includes('entity.parse.failed')) {
        h.fail(h.t('validation.expressTrace'), { expected: h.t('validation.expressTraceExpected'), received: h.t('validation.expressTraceReceived'), hint: h.t('validation.expressTraceHint', { handler: "app.use((err, req, res, next) => res.status(400).json({ error: 'not JSON' }))", text: "express.text({ type: '*/*' })" }) });
      }
      const after = (await history(h)).length;
      if (after !== before) h.fail(h.t('validation.stored'), { expected: h.t('validation.count', { n: before }), received: `${after}` });
      await watcher!.expectNothing(300, h.t('why.afterBadPosts'), server.waitIdle(300));
    },
  },
  {
    id: 'ws-frame-broadcast',
    name: 'check.wsFrameBroadcast',
    role: 'server',
    dependsOn: ['ws-upgrade'],
    async run(h) {
      const server = await h.start('server');
      const list = await peers(h, 3);
      const m = msg('sent over the WebSocket', 7);
      list[0]!.send(JSON.stringify(m));
      for (const p of list) await p.expect(m, h.t('what.sentOverWs', { who: list[0]!.label }), server);
      list[1]!.send(JSON.stringify({ text: 'sent without a time' }));
      for (const p of list) await p.expect('sent without a time', h.t('what.sentNoTime', { who: list[1]!.label }));
    },
  },
  {
    id: 'ws-frame-stored',
    name: 'check.wsFrameStored',
    role: 'server',
    dependsOn: ['ws-frame-broadcast', 'history-starts-empty'],
    async run(h) {
      await h.start('server');
      const [a] = await peers(h, 1);
      const m = msg('keep me', 8);
      a!.send(JSON.stringify(m));
      await a!.expect(m, h.t('what.ownBack'));
      await expectHistoryEnds(h, [m], h.t('what.sentOverWsStored'));
    },
  },
  {
    id: 'ws-bad-frames',
    name: 'check.wsBadFrames',
    role: 'server',
    dependsOn: ['ws-frame-broadcast'],
    async run(h) {
      const server = await h.start('server');
      const [bad, watcher] = [await connectWs(h, 'bad'), await connectWs(h, 'watcher')];
      for (const frame of ['this is not JSON', '{"nope": 1}', '{"text": 42}', 'null']) bad.send(frame);
      const why = h.t('why.afterBadFrames');
      await server.expectSurvives(why, async () => {
        // Each window ends once the server waits again (it has read every frame), the old length at most.
        await server.waitIdle(500);
        await watcher.expectNothing(300, why, server.waitIdle(300));
        const late = await connectWs(h, 'late');
        const m = msg('still here', 9);
        late.send(JSON.stringify(m));
        // A handler that raised on a bad frame (and left its closed socket in the set) printed a trace: that is the cause, not the broadcast.
        await watcher.expect(m, h.t('what.validAfterBad'), undefined, () => (server.stackTrace ? h.t('badFrames.hintTraced') : undefined));
      });
    },
  },
  {
    id: 'abrupt-disconnect',
    name: 'check.abruptDisconnect',
    role: 'server',
    dependsOn: ['post-broadcasts'],
    async run(h) {
      const server = await h.start('server');
      const [gone1, stay, gone2] = await peers(h, 3);
      // The server has seen both leave once it has answered ws3's close and waits again (500 ms at most).
      const until = Date.now() + 500;
      gone1!.reset();
      gone2!.ws.close();
      h.note(h.t('abrupt.closes'));
      await gone2!.waitClosed(500);
      await server.waitIdle(Math.max(0, until - Date.now()));
      for (const [i, m] of [msg('after they left', 10), msg('and once more', 11)].entries()) {
        if (i === 0) await post(h, m, h.t('abrupt.why5xx'));
        else stay!.send(JSON.stringify(m));
        await stay!.expect(m, h.t('what.everyMessage'));
      }
      const newcomer = await connectWs(h, 'newcomer');
      const m = msg('welcome', 12);
      await post(h, m);
      await newcomer.expect(m, h.t('what.postedAfterJoin'));
      await stay!.expect(m, h.t('what.postedAfterNewcomer'));
      server.expectRunning(h.t('why.afterDisconnects'));
    },
  },
  {
    id: 'twenty-clients',
    // Beside the others: the contract asks that each of 20 clients receives every message, not how fast
    // (no more than the 5 s any frame may take), and a neighbour on the same cores decides neither.
    name: 'check.twentyClients',
    role: 'server',
    timeoutMs: 40_000,
    dependsOn: ['post-201', 'ws-upgrade'],
    async run(h) {
      await h.start('server');
      const list = await peers(h, 20);
      const sent = [msg('to all twenty', 13), msg('from the first', 14), msg('from the last', 15)];
      await post(h, sent[0]!);
      list[0]!.send(JSON.stringify(sent[1]));
      list[19]!.send(JSON.stringify(sent[2]));
      for (const p of list) {
        // The two frames may come in either order: two senders race.
        await p.expect(sent[0]!, h.t('what.posted'));
        const a = await p.next();
        const b = await p.next();
        const got = [a, b].map((f) => { try { return (JSON.parse(f ?? '') as Message).text; } catch { return f; } }).sort();
        if (got[0] !== 'from the first' || got[1] !== 'from the last') {
          h.fail(h.t('twenty.fail', { who: p.label }), {
            expected: h.t('twenty.expected'),
            received: h.t('twenty.both', { a: a ?? h.t('nothing'), b: b ?? h.t('nothing') }),
            hint: h.t('twenty.hint'),
          });
        }
      }
    },
  },
  {
    id: 'web-history',
    name: 'check.webHistory',
    role: 'server',
    timeoutMs: BROWSER_CHECK_MS,
    opensPage: true,
    dependsOn: ['post-201'],
    async run(h) {
      await h.start('server');
      const before = [msg('sent before the page opened', 20), msg('and a second one', 21)];
      for (const m of before) await post(h, m);
      const web = await openChat(h);
      if (await showsAll(web, before.map((m) => m.text))) {
        // A page opens its WebSocket after the history: the check ends once that handshake is over (2 s at
        // most, as web-form waits). A tab closed mid-handshake makes aiohttp print a trace ("Cannot write
        // to closing transport"), which would fail a correct server.
        await web.waitWebSockets(1, 2000);
        return;
      }
      const text = await shown(web);
      h.fail(h.t('web.historyMissing'), {
        expected: before.map((m) => q(m.text)).join(', '),
        received: await pageState(h, web),
        hint: refusedHint(h, web) ?? (!web.requests.includes('GET /messages') ? h.t('web.historyNoFetch') : text.includes('[object Object]') ? h.t('web.historyObject') : h.t('web.historyHint')),
      });
    },
  },
  {
    id: 'web-push',
    name: 'check.webPush',
    role: 'server',
    timeoutMs: BROWSER_CHECK_MS,
    opensPage: true,
    dependsOn: ['post-201', 'ws-upgrade'],
    async run(h) {
      const server = await h.start('server');
      const web = await openChat(h);
      if (!(await web.waitWebSockets(1, WAIT_MS))) {
        h.fail(h.t('web.noSocket'), { expected: 'GET /ws → 101', received: h.t('web.noSocketReceived', { s: WAIT_MS / 1000 }), hint: refusedHint(h, web) ?? h.t('web.noSocketHint') });
      }
      await server.waitIdle(200); // the server adds the socket to its clients just after its 101
      const m = msg('pushed while the page is open', 22);
      await post(h, m);
      const seen = await showsAll(web, [m.text]);
      if (web.loads > 1) h.fail(h.t('web.reloaded'), { expected: h.t('web.reloadedReceived', { n: 1 }), received: h.t('web.reloadedReceived', { n: web.loads }), hint: h.t('web.reloadedHint') });
      if (!seen) {
        const pushed = web.frames.some((f) => !f.sent && f.data.includes(m.text));
        h.fail(h.t('web.pushMissing'), { expected: q(m.text), received: await pageState(h, web), hint: pushed ? h.t('web.pushHint') : h.t('web.pushNotReceived') });
      }
    },
  },
  {
    id: 'web-form',
    name: 'check.webForm',
    role: 'server',
    timeoutMs: BROWSER_CHECK_MS,
    opensPage: true,
    dependsOn: ['post-201', 'ws-upgrade'],
    async run(h) {
      await h.start('server');
      const web = await openChat(h);
      // A page that sends over its WebSocket needs it open first; one that POSTs may have none.
      await web.waitWebSockets(1, 2000);
      const input = web.page.locator('form input:not([type]), form input[type="text"], form textarea').first();
      if ((await input.count()) === 0) h.fail(h.t('web.noInput'), { expected: '<form> … <input> … </form>', received: await pageState(h, web), hint: h.t('web.noInputHint') });
      const text = 'typed in the form';
      const posted: string[] = [];
      web.page.on('request', (r) => {
        if (r.method() === 'POST') posted.push(`POST ${new URL(r.url()).pathname} ${r.postData() ?? ''}`);
      });
      const sentBefore = web.frames.filter((f) => f.sent).length;
      // Sent as a person sends it: Enter in a text input submits its form, but types a newline in a text area,
      // whose form a person sends with its button.
      const button = web.page.locator('form:has(textarea) button:not([type="button"]):not([type="reset"]), form:has(textarea) input[type="submit"]').first();
      const click = (await input.evaluate((el) => el.tagName === 'TEXTAREA')) && (await button.count()) > 0;
      h.note(h.t(click ? 'web.typedClick' : 'web.typed', { text: q(text) }));
      await input.fill(text);
      if (click) await button.click();
      else await input.press('Enter');
      const sent = () => [...posted, ...web.frames.filter((f) => f.sent).slice(sentBefore).map((f) => `WebSocket ⇒ ${f.data}`)];
      for (let waited = 0; waited < WAIT_MS && sent().length === 0 && web.loads === 1; waited += FORM_LOOK_MS) await h.sleep(FORM_LOOK_MS);
      if (web.loads > 1) {
        // A Send button of type="button" sends on its click alone: Enter in the input submits the form the browser's way.
        const onClickOnly = (await web.page.locator('form button[type="button"]').count().catch(() => 0)) > 0;
        h.fail(h.t('web.formReloaded'), { expected: h.t('web.reloadedReceived', { n: 1 }), received: h.t('web.reloadedReceived', { n: web.loads }), hint: h.t(onClickOnly ? 'web.formReloadedButtonHint' : 'web.formReloadedHint') });
      }
      if (sent().length === 0) h.fail(h.t('web.formNothingSent'), { expected: `POST /messages {"text":${q(text)}}`, received: await pageState(h, web), hint: refusedHint(h, web) ?? h.t('web.formNothingSentHint') });
      // Stored once the server has answered the POST, or pushed the frame back: then the history holds it.
      const answered = () => web.requests.includes('POST /messages') || web.frames.some((f) => !f.sent && f.data.includes(text));
      for (let waited = 0; waited < WAIT_MS && !answered(); waited += FORM_LOOK_MS) await h.sleep(FORM_LOOK_MS);
      const stored = (await history(h)).some((m) => (m as Partial<Message> | null)?.text === text);
      if (!stored) h.fail(h.t('web.formNotStored', { text: q(text) }), { expected: `{"text":${q(text)},…}`, received: h.t('web.formSent', { sent: sent().join('; ') }), hint: h.t('web.formNotStoredHint') });
      const field = await input.elementHandle();
      await web.page.waitForFunction((el) => (el as HTMLInputElement | null)?.value === '', field, { timeout: 2000, polling: PAGE_LOOK_MS }).catch(() => {});
      const cleared = await input.inputValue().catch(() => '');
      if (cleared !== '') h.fail(h.t('web.formNotCleared'), { expected: '""', received: q(cleared), hint: h.t('web.formNotClearedHint') });
    },
  },
]);
