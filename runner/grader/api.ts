/**
 * The grader API that a lab's `checks.ts` uses. Checks are black-box: they
 * start the student's programs (or the lab's reference program for the
 * other role), talk to them over real sockets in the sandbox, type into
 * their terminals, and read what they print. Every exchange is logged, so a
 * failure shows what was sent, what was expected and what came back.
 *
 * A lab's words (check names, failure messages, hints, notes) live in its
 * messages.ts, `defineMessages(en, ko)`, and checks read them with `h.t()`
 * in the student's language.
 */
import type { Socket } from 'node:net';
import type { Page } from 'playwright-core';
import type { Locale, Messages, ParamArgs, Templates } from './i18n.ts';

export { defineMessages, sayer } from './i18n.ts';
/** A WebSocket client (the `ws` package) for checks of WebSocket servers: a course's labs get it from socklab, whatever their own folder holds. */
export { WebSocket } from 'ws';
export type { Messages } from './i18n.ts';

/** One named behaviour of a lab, checked against the student's program for `role`. */
export interface CheckDef<E extends Templates = Templates> {
  /** Stable slug, e.g. "upper-case". A mutant folder named after it must fail it. */
  id: string;
  /**
   * What a student reads, e.g. "replies in upper case": the key of it in
   * the lab's messages (or the English words, for a lab without messages).
   */
  name: keyof E & string;
  /** The role whose student program this check grades ("server", "client"). */
  role: string;
  /** Whole-check deadline in ms (default 20 s). A hang fails here, never hangs the grader. */
  timeoutMs?: number;
  /** Points this check is worth in a class report (`socklab grade --class`): a whole number >= 0, default 1. `socklab validate` reports any other value as checks_points at its line. */
  points?: number;
  /**
   * Ids of checks that must pass; otherwise this one is skipped. It may
   * start while they still run (in a sandbox of its own), but counts only
   * once they have passed, and is stopped as soon as one has not.
   */
  dependsOn?: string[];
  /**
   * Runs with no other check of the same Check at once (the others run side
   * by side, each in its own sandbox): for a check that measures time,
   * throughput or memory, which a neighbour on the same cores would decide.
   * It starts once its dependencies have passed, after the checks that can
   * run side by side.
   */
  alone?: boolean;
  /**
   * The check opens the student's page (Harness.openPage): once it counts
   * (its dependencies have passed) and the student sent a page of their
   * own (files under public/), the grade's Chromium starts beside the
   * check's own first steps (its server's start, its requests) instead of
   * after them, when it asks for the page.
   */
  opensPage?: boolean;
  run(h: Harness<E>): Promise<void>;
}

/** A lab's checks, in the order they run, and its words. */
export interface LabChecks {
  checks: CheckDef[];
  messages?: Messages;
}

/**
 * Declares a lab's checks (the default export of checks.ts): with the lab's
 * messages, check names are keys of them and `h.t()` reads them in the
 * student's language; without, everything is in English.
 */
export function defineChecks(checks: CheckDef[]): LabChecks;
export function defineChecks<E extends Templates>(messages: Messages<E>, checks: CheckDef<E>[]): LabChecks;
export function defineChecks(a: Messages | CheckDef[], b?: CheckDef[]): LabChecks {
  return Array.isArray(a) ? { checks: a } : { checks: b as CheckDef[], messages: a };
}

export interface Harness<E extends Templates = Templates> {
  /** One of the lab's messages in the student's language, its `{parameters}` filled in. */
  t<K extends keyof E & string>(key: K, ...params: ParamArgs<E[K] & string>): string;
  /** The student's language ("en", "ko"): for words shared by several labs (sayer(set, h.locale)). */
  readonly locale: Locale;
  /** The lab's language for this run ("python", ...). */
  readonly lang: string;
  /** The lab's first port (frontmatter `ports`), e.g. 12000: checks never repeat the number. */
  readonly port: number;
  /** Every port of the lab's frontmatter, in its order. */
  readonly ports: readonly { port: number; protocol: 'tcp' | 'udp' }[];
  /**
   * Starts the program of `role`: the student's when `role` is under test
   * here, the reference solution's otherwise. When the run plan says what
   * "ready" means (a bound port), waits for it and fails if it never comes.
   */
  start(role: string, opts?: { waitReady?: boolean }): Promise<Program>;
  /** Opens a TCP connection to a port inside the sandbox; fails the check with a hint if refused. */
  connect(port: number, opts?: { host?: '127.0.0.1' | '::1'; label?: string }): Promise<Conn>;
  /**
   * A raw TCP socket to a port inside the sandbox, for a check that speaks
   * through a library (node:http's createConnection, the ws package): such a
   * check writes its own transcript with note(). Failures as for connect().
   */
  socket(port: number, opts?: { host?: '127.0.0.1' | '::1'; label?: string }): Promise<Socket>;
  /** A UDP socket of the grader's own on an ephemeral port, to talk to a student's server. */
  udp(opts?: { label?: string }): Promise<UdpPeer>;
  /** A TCP server of the grader's own on `port` (both 127.0.0.1 and ::1), for testing clients. */
  listen(port: number): Promise<Listener>;
  /** A UDP server of the grader's own on `port`, for testing clients. */
  udpServer(port: number): Promise<UdpPeer>;
  /**
   * Network conditions (the lab's frontmatter `network.loss`): from now on
   * drops `percent` of the packets on that port, both directions counted
   * together, in the sandbox's fixed pattern (30%: packets 3, 6 and 9 of
   * every 10), so the same packets are lost on every run.
   */
  lose(percent: number): Promise<void>;
  /**
   * Opens `path` (default "/") of the web server at `port` in the sandbox in
   * a real headless Chromium, as the e2e tests drive theirs, and waits for
   * it to load. The page is at http://page.test/ (port 80, not `port`: as
   * behind the playground's preview, a page that names its server's port
   * does not reach it): its requests and WebSockets for its own host go to
   * `port` in the sandbox through the grader, and anything else it asks for
   * (localhost, another port, the internet) is refused and noted. Fails the check plainly, never passing,
   * when this machine has no Chromium. The grade's checks share one
   * browser, each page in a context of its own (no storage, cookies or
   * cache of another check's), closed with the check; a check calls this
   * once.
   */
  openPage(port: number, opts?: { path?: string }): Promise<WebPage>;
  /**
   * Whether the student's own files hold `name` (e.g. "public/index.html"):
   * the sandbox also holds the reference's files the student did not write.
   */
  submitted(name: string): boolean;
  /** Adds a line to the transcript. */
  note(text: string): void;
  /** Fails the check. `expected`/`received` are shown side by side. */
  fail(message: string, details?: FailureDetails): never;
  sleep(ms: number): Promise<void>;
  /** Runs `fn` after the check, pass or fail (reverse order of registration). */
  teardown(fn: () => void | Promise<void>): void;
}

export interface FailureDetails {
  expected?: string;
  received?: string;
  hint?: string;
}

/** A running program: the student's or a reference one. */
export interface Program {
  readonly name: string;
  readonly role: string;
  /** Types a line and Enter, as a person would. */
  type(line: string): void;
  /** Ctrl-D at the start of a line: end of input on a terminal. */
  endInput(): void;
  /** Everything printed so far (\r\n shown as \n). */
  readonly output: string;
  /**
   * How many characters it has printed so far, kept in `output` or not: a
   * cheap "has it printed anything since" (reading `output` of a flood
   * copies megabytes each time).
   */
  readonly printed: number;
  /**
   * Whether it has printed a stack trace (a Python traceback, Java's
   * "Exception in thread", Node's uncaught-error dump): an error that
   * ended a thread or handler of it, though it may live on.
   */
  readonly stackTrace: boolean;
  /**
   * Waits for printed text matching `pattern` after the previous match;
   * returns the matching line. `untilBlocked`: see {@link Program.blockedIn}.
   */
  expectOutput(pattern: string | RegExp, opts?: { timeoutMs?: number; what?: string; untilBlocked?: boolean }): Promise<string>;
  /**
   * Waits for the program to exit; fails if it is still running at the
   * deadline, or (with `code`) if it exits with another code.
   * `untilBlocked`: see {@link Program.blockedIn}.
   */
  expectExit(opts?: { timeoutMs?: number; why?: string; code?: number; untilBlocked?: boolean }): Promise<{ code: number; signal?: string }>;
  /**
   * Waits up to `ms` for the program to exit, never failing: undefined
   * while it still runs. `untilBlocked`: see {@link Program.blockedIn}.
   */
  waitExit(ms: number, opts?: { untilBlocked?: boolean }): Promise<{ code: number; signal?: string } | undefined>;
  /** Fails if the program has exited (e.g. a server that must keep serving). */
  expectRunning(why?: string): void;
  /**
   * Waits `ms` and fails as soon as the program exits meanwhile: the time a
   * broken program needs to go, so the failure always names its exit.
   */
  expectRunningFor(ms: number, why?: string): Promise<void>;
  /**
   * Runs `probe` (what only a program that still serves gets right: a
   * request and its reply) and, if the program dies at any point before
   * the probe ends, fails on that exit named after `why` ("after a client
   * reset the connection"), never on the probe's refused connection: a
   * dying program's sockets close a moment before its exit reaches the
   * grader, longer on a busy machine. A probe that fails while the program
   * lives fails as it would alone.
   */
  expectSurvives(why: string, probe: () => Promise<void>): Promise<void>;
  /**
   * Waits until the program waits for something from outside (a process of
   * it is left and none of its threads is on a CPU or asleep in sleep(),
   * seen at two looks in a row), at most `maxMs`: true once it waits, false
   * at the cap or once it has exited. A program that waits can do nothing
   * more until something reaches it (a connection, bytes, a datagram, a
   * typed line) or a timeout of its own ends (a poll's, a socket's): a
   * window for what must not come after an event can end there. A program whose processes are gone but whose exit has yet to
   * be reported is ending, not waiting. With `forever`, only a wait that
   * no timeout of its own can end before `maxMs` has passed counts (every
   * thread in a call that blockedIn names, or in a poll whose timeout ends
   * later, none woken for a moment): from then on it uses no CPU until
   * something reaches it or the window is over.
   */
  waitIdle(maxMs: number, opts?: { forever?: boolean }): Promise<boolean>;
  /**
   * The call the program waits in for ever ("recvfrom()"), or undefined:
   * every thread of it is blocked in a read, a receive, an accept or a poll
   * with no timeout of its own, and no alarm, timer or timerfd could end
   * the wait, and none of its threads has woken between two looks 0.1 s
   * apart, or for 1.5 s when a socket it receives on has a receive timeout
   * (SO_RCVTIMEO, which shows only when it ends) or the grader could not
   * read whether it has. Only input can wake it: a client
   * that waits for a reply with no timeout, a server with nothing left to
   * send. A wait given `untilBlocked: true` ends (failing as at its
   * deadline, and saying why) once every program of the check is blocked
   * so: give it only where the grader sends nothing while it waits.
   */
  blockedIn(): Promise<string | undefined>;
  /**
   * Waits until the program is blocked for ever (see blockedIn), or until
   * after `maxMs` (a poll whose own timeout cannot end before then: Node's
   * event loop always has one), at most `maxMs`: the call it waits in, or
   * undefined at the cap, once it has exited, or once `signal` aborts (the
   * wait it served is over: it stops looking at /proc). For a wait of the
   * check's own (e.g. a WebSocket frame) that can end early, as
   * `untilBlocked` ends the harness's waits: within the wait, such a
   * program does nothing unless something reaches it.
   */
  waitBlocked(maxMs: number, signal?: AbortSignal): Promise<string | undefined>;
  readonly exited: boolean;
  /** CPU time (user + system) used so far by the program and its children, in ms. */
  cpuMs(): Promise<number>;
  /** Resident memory of the program and its children, in bytes. */
  rssBytes(): Promise<number>;
  /** Threads of the program and its children, all counted. */
  threads(): Promise<number>;
  stop(): Promise<void>;
}

/** The student's web page in the grader's Chromium (Harness.openPage). */
export interface WebPage {
  /** The page, driven with playwright-core as the e2e tests drive theirs. */
  readonly page: Page;
  /** Its address: http://page.test/<path>. */
  readonly url: string;
  /** The HTTP status its server answered the page with. */
  readonly status: number;
  /** The page's uncaught errors and console.error lines, in order. */
  readonly errors: readonly string[];
  /** The page's uncaught errors alone: each stopped a script (a console.error line stops nothing). */
  readonly thrown: readonly string[];
  /** The page's HTTP requests to its own server, in order: "GET /messages", "POST /messages". */
  readonly requests: readonly string[];
  /** Text frames of the page's WebSockets to its own server, in order: `sent` by the page, or received. */
  readonly frames: readonly { sent: boolean; data: string }[];
  /** Addresses the page asked for outside its own server (refused), e.g. a hard-coded localhost:4000. */
  readonly refused: readonly string[];
  /** Times the page has loaded: 1 after openPage, more once it reloaded itself (or a form was submitted the browser's way). */
  readonly loads: number;
  /** Resolves true once the page's server has accepted `n` of the page's WebSockets (101), false after `ms`. */
  waitWebSockets(n: number, ms: number): Promise<boolean>;
}

/** A TCP connection of the grader's. */
export interface Conn {
  readonly label: string;
  send(data: string | Uint8Array): Promise<void>;
  /** Sends `text` + "\n". */
  sendLine(text: string): Promise<void>;
  /**
   * Sends each piece separately (a line split across segments): the next
   * once the program has read the one before and is idle again (see
   * waitTaken), or `pauseMs` after it at most, so each arrives, and is read,
   * on its own.
   */
  sendPieces(pieces: (string | Uint8Array)[], pauseMs: number): Promise<void>;
  /**
   * Waits until the program at the other end is done with what passed on
   * this connection and idle again: it has accepted the connection and read
   * everything sent (or the grader's close or reset has reached its end),
   * no bytes are unacknowledged or unread either way (what it sent is in
   * `pending`), and no program of the check is on a CPU (each waits for
   * more, or has closed or exited). What is sent next then arrives, and is
   * read, on its own. Resolves false when that has not happened within
   * `maxMs` (a program that reads late, or a thread that keeps running).
   */
  waitTaken(maxMs: number): Promise<boolean>;
  /**
   * Reads one line (without "\n" and a trailing "\r"); null at end of stream.
   * Fails when none came within `timeoutMs` (5 s), or sooner once the
   * connection has waited to be accepted while the check's programs used
   * a second of CPU: that server is stuck elsewhere and will not answer.
   * `untilBlocked`: sooner too once every program of the check waits for
   * ever (see {@link Program.blockedIn}). `bytes`: the line's bytes as they
   * came, not decoded (a flood's lines compared by the thousand).
   */
  readLine<Bytes extends boolean = false>(opts?: { timeoutMs?: number; untilBlocked?: boolean; bytes?: Bytes }): Promise<(Bytes extends true ? Uint8Array : string) | null>;
  /** Reads a line and fails unless it equals `expected` (or matches it); waits as readLine does. */
  expectLine(expected: string | RegExp, opts?: { timeoutMs?: number; what?: string; untilBlocked?: boolean }): Promise<string>;
  /** Waits until the peer closes its side; fails if it does not. */
  expectEnd(opts?: { timeoutMs?: number; why?: string }): Promise<void>;
  /** Stops sending (FIN); reading goes on. */
  halfClose(): void;
  /** Aborts the connection with a reset (RST). */
  reset(): void;
  /**
   * Half-closes, reads what is pending until the program closes its end
   * (1 s at most; with `until`, no longer than until it resolves: the
   * program will not close it), then closes.
   */
  close(opts?: { until?: Promise<unknown> }): Promise<void>;
  readonly ended: boolean;
  /**
   * Whether the peer ended the connection with a reset (RST) rather than a
   * close (FIN): a program that dies with the connection unread, or still
   * waiting in its listening queue, resets it.
   */
  readonly wasReset: boolean;
  /** The bytes received and not yet read (by readLine/expectLine): e.g. a line still missing its "\n". */
  readonly pending: Uint8Array;
}

/** A grader TCP server; `accept` returns the next connection. */
export interface Listener {
  accept(opts?: { timeoutMs?: number; why?: string }): Promise<Conn>;
}

export interface Datagram {
  data: Uint8Array;
  text: string;
  address: string;
  port: number;
}

/** A grader UDP socket. */
export interface UdpPeer {
  readonly port: number;
  send(data: string | Uint8Array, port: number, host?: string): Promise<void>;
  /** Waits for the next datagram; fails at the deadline. */
  receive(opts?: { timeoutMs?: number; what?: string }): Promise<Datagram>;
  /** Waits for the next datagram, never failing: undefined if none came within the time. */
  maybeReceive(opts?: { timeoutMs?: number }): Promise<Datagram | undefined>;
  /**
   * Fails if any datagram arrives within `ms` (one request, one reply). With
   * `until`, the window ends early once it resolves (e.g. the sender's
   * waitIdle: a program that waits sends nothing more); the failure still
   * names `ms`.
   */
  expectNothing(ms: number, opts?: { message?: string; expected?: string; hint?: string; until?: Promise<unknown> }): Promise<void>;
  /** Waits for a datagram and fails unless its text equals `expected`. */
  expectDatagram(expected: string | Uint8Array, opts?: { timeoutMs?: number; what?: string }): Promise<Datagram>;
  /** Answers a received datagram. */
  reply(to: Datagram, data: string | Uint8Array): Promise<void>;
}
