/**
 * The browser <-> runner protocol: one WebSocket per tab carrying JSON
 * control messages (text frames) and terminal output (binary frames, see
 * frames.ts), as zod schemas the runner validates with.
 *
 * The page imports this module for its types only (`import type`): the
 * values it needs (codes, version, path) are in constants.ts, so its bundle
 * ships no zod. Every enum here is built from constants.ts.
 *
 * Every message a client sends is parsed with `ClientMessage`; anything
 * else is answered with an `error` message whose `code` is one of
 * `ErrorCode`, never with a stack trace.
 */
import { z } from 'zod';
import * as codes from './constants.ts';
import { LOCALES, type Locale } from './i18n/catalog.ts';

/** Languages a lab may offer. */
export const Language = z.enum(codes.Language);
export type Language = z.infer<typeof Language>;

/**
 * A file name a student may send: a plain name, no dot files; the one folder
 * is PUBLIC_DIR, the web page a lab's server serves (LABS.md section 6).
 */
export const FileName = z
  .string()
  .regex(/^(?:public\/)?[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, 'a plain file name (letters, digits, _ . -), no folders but public/')
  .refine((name) => !name.includes('..'), 'a plain file name, no ".."');

/** The only folder a student's files may be in: the web page their server serves. */
export const PUBLIC_DIR = 'public';

/** One file of the student's program. */
export const StudentFile = z.strictObject({
  name: FileName,
  content: z.string(),
});
export type StudentFile = z.infer<typeof StudentFile>;

const ProcId = z.number().int().min(1).max(255);

/** Messages a client (page, test, CLI) sends to the runner. */
export const ClientMessage = z.discriminatedUnion('type', [
  /** Start a session for a lab in a language. One session per socket. */
  z.strictObject({
    type: z.literal('open'),
    lab: z.string().min(1).max(64),
    lang: Language,
    /** The student's language: the session's notices and Check results are in it (default English). */
    locale: z.enum(LOCALES as [Locale, ...Locale[]]).optional(),
  }),
  /** Replace the student's files in the session's work dir. */
  z.strictObject({ type: z.literal('files'), files: z.array(StudentFile).max(64) }),
  /** Stop everything, then start the lab's plan: server(s), then clients. */
  z.strictObject({ type: z.literal('run'), clients: z.number().int().min(0).max(16).optional() }),
  /** Keystrokes for one process's terminal. */
  z.strictObject({ type: z.literal('input'), proc: ProcId, data: z.string().max(64 * 1024) }),
  /** The terminal's size changed. */
  z.strictObject({
    type: z.literal('resize'),
    proc: ProcId,
    cols: z.number().int().min(2).max(1000),
    rows: z.number().int().min(1).max(500),
  }),
  /** The client has rendered this many more bytes of a process's output. */
  z.strictObject({ type: z.literal('ack'), proc: ProcId, bytes: z.number().int().min(0).max(2 ** 40) }),
  /** Stop one process, or all of them when proc is absent. */
  z.strictObject({ type: z.literal('stop'), proc: ProcId.optional() }),
  /** Stop one process and start it again with the current files. */
  z.strictObject({ type: z.literal('restart'), proc: ProcId }),
  /** Start one more client. */
  z.strictObject({ type: z.literal('addClient') }),
  /** End the session: every process stops. */
  z.strictObject({ type: z.literal('close') }),
  /** Start or stop the live socket view (a `sockets` message whenever it changes). */
  z.strictObject({ type: z.literal('inspect'), on: z.boolean() }),
  /**
   * Grade the current files with the lab's checks (the same as `socklab grade`).
   * `wire`: each check's result carries the packets of its sandbox (off by default).
   */
  z.strictObject({ type: z.literal('check'), only: z.string().max(32).optional(), wire: z.boolean().optional() }),
  /** Stop the session's Check: its checks end, and it answers error check_stopped (no answer when no Check runs). */
  z.strictObject({ type: z.literal('checkStop') }),
  /** Turn the lab's network conditions (its `network.loss`) on or off; they hold from the next Run on. */
  z.strictObject({ type: z.literal('network'), loss: z.boolean() }),
  /** The reference solution in the session's language, when the lab's policy allows (else error solution_hidden). */
  z.strictObject({ type: z.literal('solution') }),
  /** A new preview URL of the student's web server (labs with `preview`); each is valid until the session ends. */
  z.strictObject({ type: z.literal('preview') }),
  /** Start or stop the wire view: the session's packets, decoded, streamed as `wire` messages. */
  z.strictObject({ type: z.literal('wire'), on: z.boolean() }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

/** The `type` of a client message. */
export const RequestType = z.enum(ClientMessage.options.map((o) => o.shape.type.value) as [ClientMessage['type'], ...ClientMessage['type'][]]);
export type RequestType = z.infer<typeof RequestType>;

/** Stable error codes; clients match on these, never on the text. */
export const ErrorCode = z.enum(codes.ErrorCode);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** What a `notice` is about. */
export const NoticeCode = z.enum(codes.NoticeCode);
export type NoticeCode = z.infer<typeof NoticeCode>;
export const WarningCode = z.enum(codes.WarningCode);
export type WarningCode = z.infer<typeof WarningCode>;

/** Why a session ended. */
export const CloseReason = z.enum(codes.CloseReason);
export type CloseReason = z.infer<typeof CloseReason>;

/** Where a process is in its life. */
export const ProcState = z.enum(codes.ProcState);
export type ProcState = z.infer<typeof ProcState>;

/** Transport of a port. */
export const Transport = z.enum(codes.Transport);
export type Transport = z.infer<typeof Transport>;

/** One process of a session, as the page shows it. */
export const ProcInfo = z.strictObject({
  id: ProcId,
  /** "server", "client 1", ... */
  name: z.string(),
  role: z.string(),
  state: ProcState,
  /** Set when state is "listening": what it bound. */
  listening: z.array(z.strictObject({ port: z.number().int(), protocol: Transport })).optional(),
  exitCode: z.number().int().optional(),
  signal: z.string().optional(),
});
export type ProcInfo = z.infer<typeof ProcInfo>;

/** One line of a check's transcript: the grader's voice, the program's, or a note. */
export const TranscriptEntry = z.strictObject({
  at: z.number(),
  who: z.enum(['grader', 'program', 'note']),
  channel: z.string(),
  text: z.string(),
});
export type TranscriptEntry = z.infer<typeof TranscriptEntry>;

/** One socket of the session's network namespace, for the inspector. */
export const SocketView = z.strictObject({
  protocol: Transport,
  /** LISTEN, ESTABLISHED, CLOSE_WAIT, ... (UDP: BOUND or CONNECTED). */
  state: z.string(),
  /** "0.0.0.0:12000", "[::1]:40210". */
  local: z.string(),
  remote: z.string(),
  /** Bytes waiting to be sent (TCP: not yet acknowledged by the peer). */
  sendQueue: z.number(),
  /** Bytes received that the program has not read yet (LISTEN: connections waiting for accept). */
  recvQueue: z.number(),
  /** The most a socket buffer of the session holds, in bytes: the scale of the queue bars. */
  bufBytes: z.number().optional(),
  /** UDP: datagrams dropped because the receive buffer was full. */
  drops: z.number().optional(),
  /** The session's process that holds it, when known. */
  proc: z.number().optional(),
});
export type SocketView = z.infer<typeof SocketView>;

/** One end of a packet: an address of the session's loopback and, when the runner knows it, the process holding that socket. */
export const WireEnd = z.strictObject({
  /** "127.0.0.1" or "::1". */
  addr: z.string(),
  port: z.number().int().min(0).max(65535),
  /** "server", "client 1", "grader": the owner's name as the page shows it. */
  owner: z.string().optional(),
});
export type WireEnd = z.infer<typeof WireEnd>;

/** One packet seen on the session's loopback, its headers decoded. */
export const WirePacket = z.strictObject({
  /** Sequence number of this packet within the session's capture (counts every packet seen, shown or not). */
  n: z.number().int().min(0),
  /** Milliseconds since the capture started. */
  at: z.number().min(0),
  protocol: Transport,
  src: WireEnd,
  dst: WireEnd,
  /** TCP flags present, in this order: SYN, ACK, FIN, RST, PSH, URG. */
  flags: z.array(z.enum(['SYN', 'ACK', 'FIN', 'RST', 'PSH', 'URG'])).optional(),
  /** TCP sequence and acknowledgement numbers, relative to each direction's first SYN when seen (as Wireshark shows them). */
  seq: z.number().optional(),
  ack: z.number().optional(),
  /** TCP advertised receive window in bytes (scaled by the window scale option when the SYN was seen). */
  win: z.number().int().min(0).optional(),
  /** Payload length in bytes (TCP data, or the UDP datagram's). */
  len: z.number().int().min(0),
  /** The payload's first bytes (at most WIRE_HEAD_BYTES), base64. */
  head: z.string().optional(),
});
export type WirePacket = z.infer<typeof WirePacket>;

/**
 * The packets of one check's sandbox, from its start to its teardown, each
 * `at` on the check's clock (its transcript's milliseconds);
 * the runner keeps `wireCheckPackets` of them (runner/limits.ts, at most this
 * schema's bound) and counts the rest in `dropped`.
 */
export const CheckWire = z.strictObject({
  packets: z.array(WirePacket).max(2000),
  dropped: z.number().int().min(0),
});
export type CheckWire = z.infer<typeof CheckWire>;

/** The verdict of one check, with its story. */
export const CheckResult = z.strictObject({
  id: z.string(),
  name: z.string(),
  role: z.string(),
  status: z.enum(['passed', 'failed', 'skipped']),
  durationMs: z.number(),
  message: z.string().optional(),
  expected: z.string().optional(),
  received: z.string().optional(),
  hint: z.string().optional(),
  transcript: z.array(TranscriptEntry),
  outputs: z.array(z.strictObject({ name: z.string(), text: z.string() })),
  /** The check's packets, when the Check was asked for them (`check` with `wire`, `socklab grade --wire`). */
  wire: CheckWire.optional(),
});
export type CheckResult = z.infer<typeof CheckResult>;

/** Messages the runner sends to a client. */
export const ServerMessage = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('hello'),
    protocol: z.number(),
    backend: z.enum(['bwrap', 'host']),
    /** Shown to the student when the sandbox is weaker than usual: the runner's English words. */
    warning: z.string().optional(),
    /** The warning's stable code: the page shows its own words for it (catalog key `warning.<code>`). */
    warningCode: WarningCode.optional(),
    /** Why, in the system's words (bwrap's error), shown after the page's words. */
    warningDetail: z.string().optional(),
  }),
  z.strictObject({ type: z.literal('opened'), session: z.string(), lab: z.string(), lang: Language }),
  z.strictObject({ type: z.literal('files'), written: z.array(z.string()) }),
  /** The network conditions now in force: `loss` is the percent of packets dropped on the lab's port (0: none). */
  z.strictObject({ type: z.literal('network'), loss: z.number().int().min(0).max(100) }),
  /** A preview of the student's web server at a host of its own: `//<token>.<page host>/` (runner/server/preview.ts). */
  z.strictObject({ type: z.literal('preview'), url: z.string() }),
  z.strictObject({ type: z.literal('proc'), proc: ProcInfo }),
  /**
   * The runner has passed an interrupt (Ctrl-C typed) to the process: all of
   * its output that came before this message was written before the
   * interrupt, so a page still drawing it may skip it, as a terminal flushes
   * its output queue on an interrupt.
   */
  z.strictObject({ type: z.literal('interrupted'), proc: ProcId }),
  /** Something the student should read, about one process or the session. */
  z.strictObject({ type: z.literal('notice'), proc: ProcId.optional(), code: NoticeCode, message: z.string() }),
  z.strictObject({
    type: z.literal('error'),
    code: ErrorCode,
    message: z.string(),
    /**
     * The type of the client message this error answers, when it answers one
     * that parsed: a page with several requests in flight (a Run during a
     * Check) tells whose error it is. Runners before it never send it.
     */
    request: RequestType.optional(),
  }),
  z.strictObject({ type: z.literal('closed'), reason: CloseReason }),
  /** A Check began: these checks will run, in this order. */
  z.strictObject({
    type: z.literal('checkStarted'),
    checks: z.array(z.strictObject({ id: z.string(), name: z.string(), role: z.string() })),
  }),
  z.strictObject({ type: z.literal('checkResult'), result: CheckResult }),
  /** The inspector's view: at most a few hundred sockets, `more` counts the rest. */
  z.strictObject({ type: z.literal('sockets'), sockets: z.array(SocketView), more: z.number().int().min(1).optional() }),
  z.strictObject({
    type: z.literal('checkDone'),
    passed: z.number(),
    failed: z.number(),
    skipped: z.number(),
    durationMs: z.number(),
  }),
  /** A batch of the wire view's packets; `dropped` counts packets seen but not sent since the last batch (a flood is summarised, never copied whole). */
  z.strictObject({
    type: z.literal('wire'),
    packets: z.array(WirePacket).max(512),
    dropped: z.number().int().min(0),
  }),
  /** The reference solution's files, in answer to `solution`. */
  z.strictObject({ type: z.literal('solution'), lang: Language, files: z.array(StudentFile) }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
