/**
 * The protocol's fixed words: its version, where it is served, and every
 * code a message may carry. Zod-free and DOM-free, so the page imports these
 * values without shipping a validator; protocol/messages.ts builds its
 * schemas from them, so each code is written once, here.
 */

/** An enum as a frozen object whose keys are its values: `ErrorCode.no_session === 'no_session'`. */
function enumOf<const T extends string>(...values: T[]): { readonly [K in T]: K } {
  return Object.freeze(Object.fromEntries(values.map((v) => [v, v]))) as { readonly [K in T]: K };
}

/** Bumped when a message changes shape; the page refuses a runner with another. */
export const PROTOCOL_VERSION = 1;

/** The WebSocket path the runner serves. */
export const WS_PATH = '/ws';

/**
 * The runner's readiness probe: 200 while it takes newcomers, 503 with
 * `Retry-After` and `full` or `draining` otherwise. A load balancer asks it,
 * and so does a page whose WebSocket was refused (a browser hides the
 * refused upgrade's status from the page).
 */
export const READY_PATH = '/readyz';

/** Languages a lab may offer; each maps to file names and a command (runner/languages.ts). */
export const Language = enumOf('python', 'javascript', 'java');
export type Language = keyof typeof Language;

/** Stable error codes; clients match on these, never on the text. */
export const ErrorCode = enumOf(
  'bad_json',
  'bad_message',
  'message_too_large',
  'binary_not_expected',
  'no_session',
  'session_exists',
  'unknown_lab',
  'language_not_offered',
  'bad_files',
  'files_too_large',
  'unknown_process',
  'too_many_processes',
  'too_many_sessions',
  'sandbox_failed',
  'session_ended',
  'no_grader',
  'check_running',
  /** The student stopped their Check (`checkStop`) before every check ran: no verdict. */
  'check_stopped',
  /** The lab offers no such network condition. */
  'not_offered',
  'solution_hidden',
  'internal',
);
export type ErrorCode = keyof typeof ErrorCode;

/** What a `notice` is about: something the student should read, not an error. */
export const NoticeCode = enumOf(
  /** A Check waits for a free grader. */
  'check_queued',
  /** The session reached its longest life and will end. */
  'session_time_limit',
  /** A program is not reading its input; typed keys were dropped. */
  'input_dropped',
  /** A program printed more than a session may show and was stopped. */
  'output_limit',
  /** A server did not bind its port in time; the clients start anyway. */
  'not_ready',
  /** A program exited because it imports a library the playground does not have. */
  'missing_library',
  /** The wire view cannot run here (the host backend has no network of the session's own to capture). */
  'wire_unavailable',
  /** This runner is being stopped: the session goes on until it ends or the drain deadline. */
  'runner_draining',
  /**
   * Raised by the page itself, never sent: its reconnect found the session
   * gone (CloseCode.session_lost, the replica that held it died).
   */
  'session_lost',
);
export type NoticeCode = keyof typeof NoticeCode;

/** Why the runner warns every student in `hello`: its sandbox is weaker than usual. */
export const WarningCode = enumOf(
  /** bubblewrap could not start: programs run as the runner's user on the host's loopback (runner/sandbox/host.ts). */
  'no_sandbox',
);
export type WarningCode = keyof typeof WarningCode;

/** Why a session ended (`closed`). */
export const CloseReason = enumOf(
  /** No message from the client for the idle limit. */
  'idle',
  /** The session's sandbox is gone (time limit, closed, crashed). */
  'session_ended',
);
export type CloseReason = keyof typeof CloseReason;

/**
 * WebSocket close codes (4000-4999 is the application's range) the page acts
 * on. A page that lost its socket reconnects to WS_PATH with
 * `?resume=<session id>` (RESUME_PARAM); the runner that answers tells it, by
 * closing, that the session cannot continue there.
 */
export const CloseCode = Object.freeze({
  /** The session named by the resume parameter is not held here (its replica is gone): start a new one. */
  session_lost: 4404,
  /** The session is held here by another live connection: never attach a second one; start a new one. */
  session_in_use: 4409,
  /** This runner is draining or stopping: reconnect at once (the proxy picks another replica). */
  runner_leaving: 4503,
});
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** The query parameter of a reconnecting page's WebSocket URL naming the session it had. */
export const RESUME_PARAM = 'resume';

/** Where a process is in its life. */
export const ProcState = enumOf('starting', 'running', 'listening', 'exited');
export type ProcState = keyof typeof ProcState;

/** Transport of a port a lab uses or a program bound. */
export const Transport = enumOf('tcp', 'udp');
export type Transport = keyof typeof Transport;

/** What a recorded run's file says it is (protocol/recording.ts). */
export const RECORDING_FORMAT = 'socklab-recording';
export const RECORDING_VERSION = 1;

/** Why a recording could not be opened; the replay page and `socklab replay` match on these. */
export const RecordingErrorCode = enumOf(
  /** Not JSON at all (a cast, a zip, a picture). */
  'recording_not_json',
  /** JSON, but not a socklab recording, or one of another version. */
  'recording_foreign',
  /** A socklab recording whose contents do not have the recording's shape. */
  'recording_malformed',
  /** Larger than RECORDING_LIMITS.maxFileBytes. */
  'recording_too_large',
  /** `--cast` named a pane the recording does not have. */
  'recording_no_pane',
);
export type RecordingErrorCode = keyof typeof RecordingErrorCode;
