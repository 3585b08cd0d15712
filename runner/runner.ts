/**
 * The runner: the labs, the sandbox backend, the limits, and every open
 * session. One per process; the HTTP/WebSocket server and the CLI use it.
 */
import { randomUUID } from 'node:crypto';
import type { Language } from '../protocol/messages.ts';
import { findLab, type Lab } from './labs/load.ts';
import { loadCourseLabs } from './course/labs.ts';
import { resolveLimits, type Limits } from './limits.ts';
import { chooseBackend, type Backend, type BackendChoice } from './sandbox/index.ts';
import { Session, SessionError, type SessionEvents } from './session.ts';
import { gradeFiles, type GradeOptions, type GradeReport } from './grader/engine.ts';
import { BrowserAhead } from './grader/harness/browser-ahead.ts';
import { RunnerMetrics } from './metrics.ts';
import { SandboxAhead } from './sandbox-ahead.ts';
import { startWithSandbox } from './terminal/program-ahead.ts';
import { warmForker } from './terminal/forker.ts';
import { onAbort } from './abort.ts';

export interface RunnerOptions {
  labsDir?: string;
  sandbox?: BackendChoice;
  limits?: Partial<Limits>;
  /**
   * Keep the next sessions' sandboxes made ahead (a server for many
   * sessions: `socklab serve`, the dev server); off for one-session runs
   * and tests, where it would only start a sandbox nobody takes.
   */
  sandboxAhead?: boolean;
  /**
   * Keep a Chromium made ahead for the next Check that opens a page, from
   * the first such Check on (grader/harness/browser-ahead.ts): on where
   * sandboxAhead is, for the same reason.
   */
  browserAhead?: boolean;
}

/** Refused to open a session; `code` is a protocol ErrorCode. */
export class OpenError extends Error {
  constructor(readonly code: 'unknown_lab' | 'language_not_offered' | 'too_many_sessions' | 'sandbox_failed', message: string) {
    super(message);
    this.name = 'OpenError';
  }
}

export class Runner {
  readonly limits: Limits;
  readonly backend: Backend;
  readonly labs: Lab[];
  /** Prometheus metrics of this runner (served at /metrics). */
  readonly metrics: RunnerMetrics = new RunnerMetrics(this);
  private readonly sessions = new Map<string, { session: Session; client: string }>();
  private closing = false;
  /** Set by close (not by a drain's stopOpening, whose sessions still opening go on). */
  private closed = false;
  private checksRunning = 0;
  /** Clients whose sessions are being created right now. */
  private readonly opening: string[] = [];
  private readonly checkQueue: { client: string; start: () => void }[] = [];
  /** Checks grading right now, per client address. */
  private readonly checksByClient = new Map<string, number>();
  /** Sessions being opened, which close awaits (one whose sandbox is made after it began is closed, not registered). */
  private readonly opens = new Set<Promise<Session>>();
  /** The grades in flight, which close awaits (their sandboxes and browsers closed). */
  private readonly grades = new Set<Promise<GradeReport>>();
  /** The next sessions' sandboxes, made ahead (from the first session on) when RunnerOptions.sandboxAhead asks. */
  private readonly sandboxAhead: SandboxAhead;
  /** The next page Check's browser, made ahead when RunnerOptions.browserAhead asks. */
  private readonly browserAhead: BrowserAhead | undefined;

  constructor(opts: RunnerOptions = {}) {
    this.limits = resolveLimits(opts.limits);
    // The course's labs: its own, the built-ins its config takes in, less the hidden.
    this.labs = loadCourseLabs(opts.labsDir);
    this.backend = this.metrics.countSandboxes(chooseBackend(opts.sandbox ?? 'auto'));
    // Room for `count` made ahead: as many more than the sessions open and opening (whose count includes the one taking one).
    const ahead = opts.sandboxAhead === true;
    this.browserAhead = opts.browserAhead ? new BrowserAhead(this.limits) : undefined;
    this.sandboxAhead = new SandboxAhead((standby) => this.backend.create(this.limits, { standby }).then((s) => (startWithSandbox(s, this.limits), s)), (count) => ahead && !this.closing && this.sessions.size + this.opening.length + count <= Math.min(this.limits.maxSessions, this.backend.maxSessions));
  }

  /** Opens a session for `client` (its address): checks limits, starts a sandbox. */
  open(labName: string, lang: Language, client: string, events: SessionEvents): Promise<Session> {
    const opened = this.metrics.countOpen(() => this.openSession(labName, lang, client, this.metrics.countOutput(events)));
    this.opens.add(opened);
    void opened.finally(() => this.opens.delete(opened)).catch(() => {});
    return opened;
  }

  private async openSession(labName: string, lang: Language, client: string, events: SessionEvents): Promise<Session> {
    if (this.closing) throw new OpenError('too_many_sessions', 'the runner is shutting down');
    const lab = findLab(this.labs, labName);
    if (!lab || lab.meta.processes.length === 0) throw new OpenError('unknown_lab', `no lab with programs is called "${labName}"`);
    if (!lab.meta.languages.includes(lang)) {
      throw new OpenError('language_not_offered', `${lab.meta.title} is offered in ${lab.meta.languages.join(', ')}, not ${lang}`);
    }
    // Count sessions still starting too: otherwise many opens at once all
    // pass the check before any of them is registered.
    const mine = [...this.sessions.values()].filter((s) => s.client === client).length + this.opening.filter((c) => c === client).length;
    if (mine >= this.limits.maxSessionsPerClient) throw new OpenError('too_many_sessions', `at most ${this.limits.maxSessionsPerClient} sessions at once from one address; close a tab`);
    const max = Math.min(this.limits.maxSessions, this.backend.maxSessions);
    if (this.sessions.size + this.opening.length >= max) {
      throw new OpenError('too_many_sessions', this.backend.name === 'host' ? 'without a sandbox only one session can run at a time' : 'the runner is full; try again in a minute');
    }
    this.opening.push(client);
    let sandbox;
    try {
      sandbox = await this.sandboxAhead.take();
    } catch (err) {
      throw new OpenError('sandbox_failed', (err as Error).message);
    } finally {
      this.opening.splice(this.opening.indexOf(client), 1);
    }
    // The runner began closing while this sandbox was being made: close would never see the session.
    if (this.closed) {
      await sandbox.close();
      throw new OpenError('too_many_sessions', 'the runner is shutting down');
    }
    // Sessions start their programs through the forker (terminal/forker.ts). The first bwrap sandbox started it already,
    // once the runner was in its own CPU group (cgroups.ts): born there, the forker's forks weigh what the runner's work does.
    void warmForker();
    // Its first program started: the next sandbox is made now, not between
    // the Run and the first byte (sandbox-ahead.ts). Started means its first
    // output came (or it ended): "running" comes as the go is written, while
    // the program is still being exec'd, and making a sandbox then (process
    // starts that block the event loop, CPU the program needs) delayed that
    // very first byte.
    let started = false;
    const programStarted = (): void => {
      if (started) return;
      started = true;
      this.sandboxAhead.programStarted();
    };
    const watched: SessionEvents = {
      ...events,
      output: (proc, data) => {
        events.output(proc, data);
        programStarted();
      },
      proc: (info) => {
        events.proc(info);
        if (info.state === 'exited') programStarted();
      },
    };
    const session = new Session(randomUUID(), lab, lang, sandbox, this.limits, watched);
    this.sessions.set(session.id, { session, client });
    // A sandbox that ends by itself (its holder died) ends the session too.
    void sandbox.ended.then(() => {
      this.sessions.delete(session.id);
      void session.close();
    });
    const maxTimer = setTimeout(() => {
      events.notice('session_time_limit', `a session lasts at most ${Math.round(this.limits.sessionMaxMs / 60_000)} minutes; reload to start a new one`);
      void session.close();
    }, this.limits.sessionMaxMs);
    maxTimer.unref();
    void sandbox.ended.then(() => clearTimeout(maxTimer));
    return session;
  }

  /** The open session with this id (tests and the CLI look sessions up by the id "opened" reports). */
  session(id: string): Session | undefined {
    return this.sessions.get(id)?.session;
  }

  /**
   * Grades a session's current files with the lab's checks, in fresh
   * sandboxes of their own. At most `maxConcurrentChecks` grade at once
   * across the runner, and at most `maxChecksPerClient` for one client
   * address, so one student's slow Checks cannot hold every grader while
   * others wait; the rest wait (`onQueued` tells them), and a freed grader
   * goes to the first waiting Check whose client may start one. It stops
   * when its session closes (or the runner does) and then throws
   * `session_ended` once its sandboxes are closed; stopped by
   * `events.signal` (the student's Stop), it throws `check_stopped`.
   */
  async check(session: Session, only: string | undefined, events: Pick<GradeOptions, 'onPlan' | 'onResult' | 'locale' | 'wire'> & { onQueued?: () => void; signal?: AbortSignal }): Promise<GradeReport> {
    const { onQueued, signal: stopped, ...gradeEvents } = events;
    const client = [...this.sessions.values()].find((s) => s.session === session)?.client ?? session.id;
    const stoppedError = () => new SessionError('check_stopped', 'the Check was stopped before every check ran');
    if (stopped?.aborted) throw stoppedError();
    if (!this.mayStartCheck(client)) {
      if (this.checkQueue.length >= this.limits.maxQueuedChecks) throw new SessionError('check_running', 'too many Checks are waiting right now; try again in a minute');
      onQueued?.();
      const waiting = { client, start: () => {} };
      let unlisten = (): void => {};
      const started = await new Promise<boolean>((resolve) => {
        waiting.start = () => resolve(true);
        this.checkQueue.push(waiting);
        unlisten = onAbort([session.signal, stopped], () => {
          // Out of the queue at once: a grader freed before this continuation runs goes to the next one, not to this.
          const i = this.checkQueue.indexOf(waiting);
          if (i >= 0) this.checkQueue.splice(i, 1);
          resolve(false);
        });
      });
      unlisten();
      if (!started) {
        // Stopped, or its tab closed, while it waited: it left the queue, holding no grader and no place in it.
        throw session.isClosed ? new SessionError('session_ended', 'the session ended while its Check waited') : stoppedError();
      }
    }
    this.checksRunning++;
    this.checksByClient.set(client, (this.checksByClient.get(client) ?? 0) + 1);
    try {
      if (session.isClosed) throw new SessionError('session_ended', 'the session has ended');
      const files = session.currentFiles();
      // It stops with its session (a closed tab, or the runner's close, which closes every session) or the
      // student's Stop, not after its last check. Listeners removed with it, not AbortSignal.any: on Node 20
      // a signal that outlives many Checks (a session's) kept an entry for each of them.
      const stop = new AbortController();
      const unlisten = onAbort([session.signal, stopped], () => stop.abort());
      const grade = this.metrics.timeCheck(() => gradeFiles({ lab: session.lab, lang: session.lang, files, backend: this.backend, limits: this.limits, ...(only ? { only: [only] } : {}), ...(this.browserAhead ? { browserAhead: this.browserAhead } : {}), ...gradeEvents, signal: stop.signal }));
      this.grades.add(grade);
      try {
        const report = await grade;
        // Stopped part-way: what it reported is no verdict.
        if (session.signal.aborted) throw new SessionError('session_ended', 'the session ended before its Check was over');
        // A Stop that came once every result was in (the grade closing its sandboxes) leaves the verdict.
        if (report.stopped) throw stoppedError();
        return report;
      } finally {
        this.grades.delete(grade);
        unlisten();
      }
    } finally {
      this.checksRunning--;
      const n = this.checksByClient.get(client)! - 1;
      if (n > 0) this.checksByClient.set(client, n);
      else this.checksByClient.delete(client);
      const next = this.checkQueue.findIndex((w) => this.mayStartCheck(w.client));
      if (next >= 0) this.checkQueue.splice(next, 1)[0]!.start();
    }
  }

  private mayStartCheck(client: string): boolean {
    return this.checksRunning < this.limits.maxConcurrentChecks && (this.checksByClient.get(client) ?? 0) < this.limits.maxChecksPerClient;
  }

  /** Open sessions right now. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Checks grading right now. */
  get checksActive(): number {
    return this.checksRunning;
  }

  /** Checks waiting for a free grader. */
  get checksWaiting(): number {
    return this.checkQueue.length;
  }

  /** Students' programs running in open sessions. */
  liveProcesses(): number {
    let n = 0;
    for (const { session } of this.sessions.values()) n += session.list().filter((p) => p.state !== 'exited').length;
    return n;
  }

  /** Opens no more sessions (a draining replica); the open ones go on. */
  stopOpening(): void {
    this.closing = true;
    void this.sandboxAhead.close();
  }

  /**
   * Ends every session, the sandbox and the browser made ahead, and every
   * Check (runner shutdown): it resolves once nothing they started is left.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.closed = true;
    this.metrics.close();
    // Closing a session stops its Check, or takes it out of the queue (Session.signal, Runner.check).
    const sessions = [...this.sessions.values()].map(({ session }) => session.close());
    // Every one awaited, whatever another's end: one that fails does not cut the wait for the rest short.
    await Promise.allSettled([this.sandboxAhead.close(), this.browserAhead?.close(), ...sessions, ...this.grades, ...this.opens]);
  }
}

