/**
 * The runner as one replica among several behind a load balancer: whether
 * it takes newcomers (admission), which sessions it owns (a reconnect for a
 * session held elsewhere is told so), and its drain (stop taking sessions,
 * tell the pages, let live sessions finish up to a deadline).
 *
 * A session lives as long as its WebSocket: a page that reconnects names
 * its old session (RESUME_PARAM) and is told by a close code that it cannot
 * continue, never silently handed someone else's session or a blank one
 * under the old id.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Gauge } from 'prom-client';
import type { WebSocket } from 'ws';
import { CloseCode, RESUME_PARAM } from '../../protocol/constants.ts';
import type { ServerMessage } from '../../protocol/messages.ts';
import type { Runner } from '../runner.ts';

/** What the replica needs to know of one connection (connection.ts returns it). */
export interface HeldConnection {
  /** Whether the connection has a session, or is opening one. */
  readonly hasSession: boolean;
}

/** How often a drain looks whether its sessions have ended. */
const DRAIN_POLL_MS = 250;

export class Replica {
  private draining = false;
  private readonly held = new Map<WebSocket, HeldConnection>();
  private wake: () => void = () => {};
  private stopping = false;

  constructor(readonly runner: Runner) {
    const registers = [runner.metrics.registry];
    const self = this;
    new Gauge({
      name: 'socklab_draining',
      help: '1 while this runner drains (takes no new sessions), else 0.',
      registers,
      collect() {
        this.set(self.draining ? 1 : 0);
      },
    });
    new Gauge({
      name: 'socklab_connections',
      help: 'Pages connected to this runner (each holds at most one session).',
      registers,
      collect() {
        this.set(self.held.size);
      },
    });
  }

  /** Pages connected now; admission counts these against the capacity. */
  get connections(): number {
    return this.held.size;
  }

  /** Whether the replica takes newcomers: not draining and below its capacity. */
  get ready(): boolean {
    return !this.draining && this.held.size < this.runner.limits.maxSessions;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /**
   * Admission, before the WebSocket handshake: a newcomer to a replica that
   * is draining or full is refused with 503 and Retry-After (the proxy
   * retries another replica). A reconnect that names its session passes:
   * `claim` answers it.
   */
  admit(req: IncomingMessage, socket: Duplex): boolean {
    if (this.ready || resumeOf(req) !== null) return true;
    const why = this.draining ? 'this runner is restarting' : 'the course is full here';
    socket.end(`HTTP/1.1 503 Service Unavailable\r\nRetry-After: ${this.runner.limits.retryAfterSeconds}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${why}; retrying\n`);
    return false;
  }

  /**
   * Ownership, right after the handshake: a connection that names a session
   * is closed with `session_lost` (not held here) or `session_in_use` (held
   * by another live connection). Returns whether the connection may go on.
   */
  claim(ws: WebSocket, req: IncomingMessage): boolean {
    const id = resumeOf(req);
    if (id === null) return true;
    if (this.runner.session(id)) ws.close(CloseCode.session_in_use, 'session in use by another connection');
    else ws.close(CloseCode.session_lost, 'session lost');
    return false;
  }

  /** Counts a connection until it closes. */
  track(ws: WebSocket, conn: HeldConnection): void {
    this.held.set(ws, conn);
    ws.once('close', () => {
      this.held.delete(ws);
      this.wake();
    });
  }

  /**
   * Drains: refuse newcomers (admit, /readyz), tell every page with a
   * session, send away connections without one, and wait until no session
   * is left or `ms` has passed or `stopNow` is called; then close every
   * connection still here. Resolves with the sessions cut by the deadline.
   */
  async drain(ms: number): Promise<number> {
    this.draining = true;
    // A page without a session is sent away at the next look; one that asks for a session before then is refused.
    this.runner.stopOpening();
    const deadline = Date.now() + ms;
    const minutes = Math.max(1, Math.round(ms / 60_000));
    const notice: ServerMessage = {
      type: 'notice',
      code: 'runner_draining',
      message: `This server is being restarted: your session goes on for at most ${minutes} minute${minutes === 1 ? '' : 's'}. Your code stays in this browser; the next session starts on another server.`,
    };
    for (const [ws, conn] of this.held) if (conn.hasSession && ws.readyState === ws.OPEN) ws.send(JSON.stringify(notice));
    for (;;) {
      for (const [ws, conn] of this.held) if (!conn.hasSession) ws.close(CloseCode.runner_leaving, 'runner draining');
      const live = [...this.held.values()].filter((c) => c.hasSession).length;
      if (live === 0 || this.stopping || Date.now() >= deadline) {
        this.leave();
        return live;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(DRAIN_POLL_MS, deadline - Date.now()));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Ends a drain at once (a second SIGTERM): every connection is closed. */
  stopNow(): void {
    this.draining = true;
    this.stopping = true;
    this.leave();
    this.wake();
  }

  private leave(): void {
    for (const ws of this.held.keys()) ws.close(CloseCode.runner_leaving, 'runner stopping');
  }
}

/** The session id a reconnecting page names, or null for a newcomer. */
function resumeOf(req: IncomingMessage): string | null {
  try {
    const id = new URL(req.url ?? '/', 'http://x').searchParams.get(RESUME_PARAM);
    return id && id.length <= 64 ? id : null;
  } catch {
    return null;
  }
}
