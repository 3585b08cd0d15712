/**
 * The page's side of the runner protocol (protocol/messages.ts): one
 * WebSocket to the same origin's /ws, reconnecting with backoff when it
 * drops, no runner answers or the runner is full (then after the wait the
 * runner names), and at most one session per connection.
 *
 * protocol/messages.ts is imported for its types only: its zod schemas
 * would add ~60 KB to the page, and the runner validates everything it
 * receives. Server messages are trusted to have the shapes the types
 * describe, once the runner's hello says it speaks this page's
 * PROTOCOL_VERSION; a runner that speaks another gets no message at all.
 */
import { CloseCode, ErrorCode, PROTOCOL_VERSION, READY_PATH, RESUME_PARAM } from '../../protocol/constants.ts';
import { decodeOutputFrame } from '../../protocol/frames.ts';
import type { Locale } from '../../protocol/i18n/catalog.ts';
import type { ClientMessage, Language, ServerMessage } from '../../protocol/messages.ts';
import { runnerUrl, type EarlySocket } from './early-socket.ts';

/**
 * `full`: the runner answers but refused this page for capacity (every
 * place is taken); the link retries after the wait it was told.
 * `outdated`: the runner speaks another protocol version (the course was
 * updated since the page loaded); final until the page is reloaded.
 */
export type LinkState = 'connecting' | 'connected' | 'offline' | 'full' | 'outdated';

/** Errors to an `open` that mean the session will not open. */
const OPEN_REFUSED: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.unknown_lab,
  ErrorCode.language_not_offered,
  ErrorCode.too_many_sessions,
  ErrorCode.sandbox_failed,
  ErrorCode.session_exists,
]);

export interface LinkEvents {
  state(state: LinkState, detail: { attempt: number; retryInMs?: number }): void;
  message(msg: ServerMessage): void;
  output(proc: number, data: Uint8Array): void;
  /** The session this connection had is gone (socket closed, session ended). */
  sessionLost(): void;
}

/**
 * Short enough that a runner restarted while students work is found again
 * within a few seconds of coming back; a refused connection costs nothing.
 */
const BACKOFF_MS = [500, 1000, 2000, 3000, 5000];

/**
 * A full course: the wait when the runner names none (a proxy's own 503),
 * and the longest wait however often the page was refused. Each refusal
 * doubles the wait (never below the runner's Retry-After) and adds up to a
 * fifth at random, so a class refused at once does not come back at once.
 */
const FULL_WAIT_MS = 5000;
const FULL_MAX_MS = 30_000;
/** How long the page waits for the runner to say why it was refused. */
const PROBE_TIMEOUT_MS = 3000;

/** A Retry-After header's wait (seconds or an HTTP date), or null when it has none. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT"); Date.parse alone would take "1.5" for a date too.
  const at = /^[A-Za-z]{3}, /.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The wait before the `attempt`-th retry (from 0) of a page refused for capacity. */
export function fullWaitMs(told: number | null, attempt: number, random = Math.random()): number {
  const floor = told ?? FULL_WAIT_MS;
  const wait = Math.min(Math.max(floor, 1000) * 2 ** Math.min(attempt, 5), Math.max(FULL_MAX_MS, floor));
  return Math.round(wait * (1 + random / 5));
}

export class RunnerLink {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private everConnected = false;
  private disposed = false;
  /** The language of this connection's session, once "opened". */
  session: { lang: Language; id: string } | null = null;
  /** The session the socket had when it dropped: the reconnect names it, and learns it is lost. */
  private resume: string | null = null;
  private opening: { lang: Language; resolve: () => void; reject: (err: Error) => void } | null = null;
  state: LinkState = 'connecting';
  hello: Extract<ServerMessage, { type: 'hello' }> | null = null;

  constructor(
    private readonly lab: string,
    /** The page's language: the session's words (the grader's) come in it. */
    private readonly locale: Locale,
    private readonly events: LinkEvents,
    /** The first connection, opened by the loader while the bundle loaded (early-socket.ts); taken by the first connect(). */
    private early: EarlySocket | null = null,
  ) {}

  connect(): void {
    if (this.disposed || this.state === 'outdated') return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.setState('connecting');
    const early = this.early;
    this.early = null;
    let ws: WebSocket;
    if (early) ws = early.ws;
    else {
      try {
        ws = new WebSocket(runnerUrl(this.resume ? `?${RESUME_PARAM}=${encodeURIComponent(this.resume)}` : ''));
      } catch {
        this.scheduleRetry();
        return;
      }
      ws.binaryType = 'arraybuffer';
    }
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
    };

    ws.onmessage = (ev: MessageEvent) => {
      if (ws !== this.ws) return;
      if (typeof ev.data === 'string') this.onText(ev.data);
      else {
        const frame = decodeOutputFrame(new Uint8Array(ev.data as ArrayBuffer));
        if (frame) this.events.output(frame.proc, frame.data);
      }
    };
    ws.onclose = (ev: CloseEvent) => {
      if (ws !== this.ws) return;
      this.ws = null;
      const lost = ev.code === CloseCode.session_lost || ev.code === CloseCode.session_in_use;
      // Worded by the page, like every code (the catalog's notice.session_lost).
      if (lost) this.events.message({ type: 'notice', code: 'session_lost', message: 'the runner does not hold this session any more' });
      this.resume = lost ? null : (this.session?.id ?? this.resume);
      this.dropSession(new Error('the connection to the runner closed'));
      // Sent away on purpose (a draining runner, a lost session): another replica answers at once.
      if (lost || ev.code === CloseCode.runner_leaving) {
        this.attempt = 0;
        this.connect();
      } else if (!opened) void this.whyRefused();
      else this.scheduleRetry();
    };
    ws.onerror = () => {
      /* followed by close */
    };
    // What the early socket said before it was ours, in order (the handlers above are set, so nothing comes between).
    if (early) {
      if (early.opened) ws.onopen!(new Event('open'));
      for (const ev of early.queued) ws.onmessage!(ev);
      if (early.closed) ws.onclose!(early.closed);
    }
  }

  /** Sends a message if connected; false when not. */
  send(msg: ClientMessage): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN || this.state !== 'connected') return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  /**
   * Makes sure this connection has a session in `lang`: opens one, or ends
   * one in another language first (the runner then closes the socket, and
   * the next connection opens the new one).
   */
  async ensureSession(lang: Language): Promise<void> {
    if (this.session?.lang === lang) return;
    if (this.opening) {
      if (this.opening.lang === lang) return this.waitOpening();
      throw new Error('a session is still opening');
    }
    if (this.session) {
      await this.endSession();
    }
    if (!this.connected) throw new Error('not connected to a runner');
    const opened = new Promise<void>((resolve, reject) => {
      this.opening = { lang, resolve, reject };
    });
    this.send({ type: 'open', lab: this.lab, lang, locale: this.locale });
    return opened;
  }

  private waitOpening(): Promise<void> {
    const o = this.opening!;
    return new Promise((resolve, reject) => {
      const { resolve: r0, reject: j0 } = o;
      o.resolve = () => (r0(), resolve());
      o.reject = (e) => (j0(e), reject(e));
    });
  }

  /**
   * Ends the session (every process stops) and reconnects at once, so the
   * next Run opens a fresh one. Resolves when the new connection is ready.
   */
  async endSession(): Promise<void> {
    if (!this.session && !this.opening) return;
    const reconnected = new Promise<void>((resolve, reject) => {
      const t0 = Date.now();
      const poll = () => {
        if (this.connected && !this.session) resolve();
        else if (this.disposed || this.state === 'outdated') reject(new Error('the workbench is no longer connected'));
        else if (Date.now() - t0 > 15000) reject(new Error('the runner did not come back after ending the session'));
        else setTimeout(poll, 50);
      };
      setTimeout(poll, 50);
    });
    this.send({ type: 'close' });
    this.restartSocket();
    return reconnected;
  }

  /** Closes this socket and connects again right away (no backoff). */
  private restartSocket(): void {
    const ws = this.ws;
    this.ws = null;
    this.dropSession(new Error('the session ended'));
    // Close after the "close" message is flushed; the runner ends the session either way.
    if (ws) setTimeout(() => ws.close(1000, 'new session'), 0);
    this.attempt = 0;
    this.connect();
  }

  private onText(text: string): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(text) as ServerMessage;
    } catch {
      return;
    }
    switch (msg.type) {
      case 'hello':
        if (msg.protocol !== PROTOCOL_VERSION) return this.outdated();
        this.hello = msg;
        this.resume = null; // a runner that answers hello does not know resumes: nothing to learn
        this.attempt = 0;
        this.everConnected = true;
        this.setState('connected');
        break;
      case 'opened':
        this.session = { lang: msg.lang, id: msg.session };
        this.opening?.resolve();
        this.opening = null;
        break;
      case 'error':
        if (this.opening && OPEN_REFUSED.has(msg.code)) {
          // The code travels with the error: the page words it in its language.
          this.opening.reject(Object.assign(new Error(msg.message), { code: msg.code }));
          this.opening = null;
        }
        if (msg.code === ErrorCode.session_ended || msg.code === ErrorCode.no_session) {
          // The runner no longer has our session: start over on a fresh socket.
          this.events.message(msg);
          this.restartSocket();
          return;
        }
        break;
      case 'closed':
        // The session is over (idle, time limit, sandbox gone). A connection
        // holds one session for life, so the next Run needs a new socket.
        this.events.message(msg);
        this.restartSocket();
        return;
    }
    this.events.message(msg);
  }

  /** The runner speaks another protocol: stop here, send nothing, retry never. */
  private outdated(): void {
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000, 'protocol version mismatch');
    this.dropSession(new Error('the course was updated: reload the page'));
    this.setState('outdated');
  }

  private dropSession(err: Error): void {
    const had = this.session !== null || this.opening !== null;
    this.session = null;
    this.opening?.reject(err);
    this.opening = null;
    if (had) this.events.sessionLost();
  }

  /**
   * The WebSocket never opened: no runner, or one that refused this page
   * (503: full or draining). A browser hides a refused upgrade's answer, so
   * the page asks the runner's readiness probe, which says why and how long
   * to wait.
   */
  private async whyRefused(): Promise<void> {
    let full = false;
    let told: number | null = null;
    try {
      const res = await fetch(READY_PATH, { cache: 'no-store', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      // A draining runner is leaving, not full: the next try finds another one.
      full = res.status === 503 && !(await res.text()).startsWith('draining');
      told = retryAfterMs(res.headers.get('Retry-After'));
    } catch {
      /* no answer at all: no runner */
    }
    // Connected again meanwhile (Retry now), or closed.
    if (this.disposed || this.ws || this.retryTimer || this.state === 'outdated') return;
    if (!full) return this.scheduleRetry();
    const delay = fullWaitMs(told, this.attempt);
    this.attempt++;
    this.setState('full', delay);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private scheduleRetry(): void {
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)]!;
    this.attempt++;
    this.setState('offline', delay);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /** Tries again now (the "Retry now" button). */
  retryNow(): void {
    if (this.state === 'offline' || this.state === 'full') this.connect();
  }

  /** Whether a runner has answered at least once since the page loaded. */
  get seenRunner(): boolean {
    return this.everConnected;
  }

  private setState(state: LinkState, retryInMs?: number): void {
    this.state = state;
    this.events.state(state, { attempt: this.attempt, ...(retryInMs !== undefined ? { retryInMs } : {}) });
  }

  /** Closes the connection for good (its session ends with it); no event follows. */
  dispose(): void {
    this.disposed = true;
    this.early?.ws.close(1000, 'workbench closed');
    this.early = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000, 'workbench closed');
    this.session = null;
    this.opening?.reject(new Error('the workbench was closed'));
    this.opening = null;
  }
}
