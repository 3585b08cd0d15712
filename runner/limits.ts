/**
 * Every limit the runner enforces, as named defaults in one place.
 *
 * Sizes are bytes, times milliseconds unless the name says otherwise. The
 * serve command and tests may override any of them (see `resolveLimits`);
 * nothing else in the runner hard-codes a number that bounds a student.
 */
import { availableParallelism, totalmem } from 'node:os';

export interface Limits {
  /** Largest WebSocket message the runner accepts from a client. */
  maxMessageBytes: number;
  /** Sessions one client address may hold open at once. */
  maxSessionsPerClient: number;
  /** WebSocket connections one client address may hold open at once (raw TCP connections: twice this). */
  maxConnectionsPerClient: number;
  /** A request's (or upgrade's) headers must arrive within this long. */
  headersTimeoutMs: number;
  /** Bytes queued for a client that does not read them, above which its connection is closed. */
  maxClientBacklogBytes: number;
  /** Sessions the whole runner holds at once (a class of 300 fits). */
  maxSessions: number;
  /** Seconds a newcomer refused for capacity is told to wait (`Retry-After`); the page waits at least this long. */
  retryAfterSeconds: number;
  /** Processes (server + clients) one session may run at once. */
  maxProcessesPerSession: number;
  /** Files one session may send. */
  maxFiles: number;
  /** Size of one file a student sends. */
  maxFileBytes: number;
  /** Total size of all files a student sends at once. */
  maxTotalFileBytes: number;

  /** Checks (graders) running at once across the runner; more wait their turn. */
  maxConcurrentChecks: number;
  /** Of those, how many one client address may run at once (its other Checks wait, behind no one else's). */
  maxChecksPerClient: number;
  /** Checks waiting for their turn; more are refused. */
  maxQueuedChecks: number;
  /**
   * Checks of one Check (each in its own sandbox) running at once. They
   * mostly wait (on programs, sockets, and windows in which nothing may
   * happen): a udp-echo grade used 1.9 s of CPU in 5-10 s. Two per core
   * keeps the cores busy; more only adds programs starting together (on
   * 2 cores, in paired rounds, 4 at once beat 2 and 6).
   */
  checksAtOnce: number;
  /**
   * Chromiums the grader runs at once across the runner (a grade whose
   * checks open web pages runs one, shared by them; each holds a few
   * hundred MB). A serving runner keeps one more, idle, made ahead for the
   * next such grade (grader/harness/browser-ahead.ts).
   */
  browsersAtOnce: number;
  /** How long a grader's Chromium may take to start. */
  browserStartMs: number;
  /** The JavaScript heap of a student's page in the grader's Chromium, in MiB. */
  browserHeapMiB: number;

  /** RLIMIT_NPROC for the whole session (all of its programs together). */
  sandboxProcesses: number;
  /** RLIMIT_DATA of each student process (heap + anonymous mappings). */
  sandboxDataBytes: number;
  /** RLIMIT_FSIZE: the largest file a student program may write. */
  sandboxFileBytes: number;
  /** RLIMIT_NOFILE of each student process. */
  sandboxOpenFiles: number;
  /** RLIMIT_CPU of each student process, in seconds. */
  sandboxCpuSeconds: number;
  /** Niceness of student processes, so the runner always gets the CPU first. */
  sandboxNice: number;
  /** Size of the session's writable work dir (tmpfs). */
  sandboxWorkBytes: number;
  /** Size of the session's /tmp (tmpfs); also bounds the session's /dev/shm. */
  sandboxTmpBytes: number;
  /** Files (inodes) each of the session's tmpfs mounts may hold: every inode is kernel memory. */
  sandboxTmpInodes: number;
  /** Ptys the session's programs may open together (one devpts for the session): the machine has 4096 in all. */
  sandboxPtys: number;
  /** Largest send or receive buffer of one TCP socket in the session (tcp_rmem/tcp_wmem maximum of its namespace). */
  sandboxSocketBufferBytes: number;

  /** Memory of the whole session (its cgroup): processes, shared memory, tmpfs pages, kernel memory. */
  sessionMemoryBytes: number;
  /**
   * Socket buffers (TCP and UDP) of the whole session. cgroup v1 counts them
   * apart from sessionMemoryBytes, and only once this is set; past it the
   * kernel shrinks the session's buffers, letting each socket go over by a
   * few dozen KiB. cgroup v2 counts them in sessionMemoryBytes.
   */
  sessionTcpMemoryBytes: number;
  /** Tasks (processes and threads) of the whole session, the sandbox's own included (its cgroup's pids.max). */
  sessionTasks: number;
  /**
   * CPU weight of all sessions together (cgroup v2 cpu.weight scale, where
   * a nice-0 thread has 100; v1 cpu.shares is 10.24 times this, a nice-0
   * thread 1024). Against the runner's runnerCpuWeight, however many
   * students run busy loops, the runner gets the CPU it asks for first, and
   * sessions share the rest fairly.
   * It is what a keystroke's echo waits on beside busy sessions: at 10 the
   * echo's p50/p99 was 1.2/54 ms against 10/148 ms at 100 (the weight
   * changed every 20 keys of one run beside 50 flooding or spinning
   * sessions). It is not lowered because it weighs the sessions against
   * everything in the runner's group, not only its event loop: at 10 a
   * grade beside two busy processes of that group took 2.5 times as long
   * and failed a check (Chromium beside the graders in `npm test` is such a
   * process). The runner's process is weighted alone instead
   * (runnerCpuWeight).
   */
  sessionsCpuWeight: number;
  /**
   * CPU weight of the runner's own process, on the same scale (its own
   * cgroup: sandbox/cgroups.ts). Every keystroke's echo and every byte to
   * a browser pass through its event loop, which beside 50 busy sessions
   * waited for a core most of the time at a nice-0 thread's weight, and
   * its garbage collections wait on V8's helper threads. Its work is a
   * relay's, bounded by the sessions' output (outputTurnBytes), not by
   * this weight: beside 50 busy sessions it used about a third of a core.
   */
  runnerCpuWeight: number;
  /**
   * CPU weight of a Check's sandbox among the sessions, on the same scale (a
   * session's is 100). A Check fills both cores for a second or two in
   * bursts (sandboxes, interpreters and the lab's programs starting), while
   * a student's own programs at their terminal (a client sending a line,
   * the server answering it) need a core for a moment now and then: weighed
   * below them, the grading steps aside for those moments (the scheduler
   * runs the entity with the earlier virtual deadline, which a smaller
   * weight pushes back) and still gets every cycle the sessions leave
   * idle, so a Check on a quiet runner is no slower. Only half, not near
   * standby's 1: the grader's deadlines are wall-clock (a server must listen
   * within 15 s), and beside busy sessions a Check must still get a share
   * that meets them. A keystroke's echo does not wait on it: the terminal
   * echoes in the kernel and the runner relays it (runnerCpuWeight).
   */
  checkCpuWeight: number;
  /**
   * Memory of all sessions together (the cgroup above theirs): per-session
   * limits alone add up to far more than the machine has, so without this a
   * few students could push the whole machine into its out-of-memory killer.
   */
  sessionsMemoryBytes: number;
  /** Tasks of all sessions together (the kernel's pid_max is shared with the runner and everything else). */
  sessionsTasks: number;

  /** Output one process may print before it is stopped. */
  maxOutputBytes: number;
  /** Terminal output is sent after this long, or... */
  outputBatchMs: number;
  /** ...as soon as this much is waiting. */
  outputBatchBytes: number;
  /** Typed input a program has not read yet, above which more input is dropped. */
  maxPendingInputBytes: number;
  /** Unacknowledged bytes above which a process's terminal is paused. */
  flowHighWatermark: number;
  /** Unacknowledged bytes below which a paused terminal resumes. */
  flowLowWatermark: number;
  /**
   * Output all of the runner's terminals together read in one turn of its
   * event loop; a terminal reading past it waits for its turn
   * (terminal/output-turns.ts), so other sessions' floods cannot hold back
   * a keystroke's echo by more than a turn of this size.
   */
  outputTurnBytes: number;

  /** How long a server may take to bind its port before clients start anyway. */
  readyTimeoutMs: number;
  /** A session with no message from its client for this long is closed. */
  sessionIdleMs: number;
  /** A session is closed after this long whatever happens. */
  sessionMaxMs: number;

  /** Wire view: packets sent to the page per second of capture; the rest are counted in `dropped` (a flood is summarised). */
  wirePacketsPerSecond: number;
  /** Wire view: payload bytes shown per packet (the protocol's WirePacket.head). */
  wireHeadBytes: number;
  /** Wire view: packets are sent in one `wire` message per this long. */
  wireBatchMs: number;
  /** A Check with the wire on: packets kept per check (at most the protocol's CheckWire bound, 2000); the rest are counted. */
  wireCheckPackets: number;
}

/** The defaults: sized for a 2-core, 24 GiB machine serving a class. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxMessageBytes: 2 * 1024 * 1024,
  maxSessionsPerClient: 8,
  maxConnectionsPerClient: 32,
  headersTimeoutMs: 10_000,
  maxClientBacklogBytes: 8 * 1024 * 1024,
  maxSessions: 400,
  retryAfterSeconds: 5,
  maxProcessesPerSession: 10,
  maxFiles: 16,
  maxFileBytes: 256 * 1024,
  maxTotalFileBytes: 1024 * 1024,

  maxConcurrentChecks: 4,
  maxChecksPerClient: 1,
  maxQueuedChecks: 400,
  checksAtOnce: Math.max(1, availableParallelism() * 2),
  browsersAtOnce: 2,
  browserStartMs: 30_000,
  browserHeapMiB: 256,

  sandboxProcesses: 96,
  sandboxDataBytes: 1024 * 1024 * 1024,
  sandboxFileBytes: 16 * 1024 * 1024,
  sandboxOpenFiles: 1024,
  sandboxCpuSeconds: 600,
  sandboxNice: 10,
  sandboxWorkBytes: 32 * 1024 * 1024,
  sandboxTmpBytes: 32 * 1024 * 1024,
  sandboxTmpInodes: 4096,
  sandboxPtys: 32,
  sandboxSocketBufferBytes: 256 * 1024,

  sessionMemoryBytes: 768 * 1024 * 1024,
  sessionTcpMemoryBytes: 64 * 1024 * 1024,
  sessionTasks: 256,
  sessionsCpuWeight: 100,
  runnerCpuWeight: 1000,
  checkCpuWeight: 50,
  // What the machine has, less a quarter for the runner, its browser-facing work and the system.
  sessionsMemoryBytes: Math.floor(totalmem() * 0.75),
  sessionsTasks: 8192,

  maxOutputBytes: 128 * 1024 * 1024,
  outputBatchMs: 5,
  outputBatchBytes: 64 * 1024,
  maxPendingInputBytes: 64 * 1024,
  flowHighWatermark: 512 * 1024,
  flowLowWatermark: 128 * 1024,
  outputTurnBytes: 128 * 1024,

  readyTimeoutMs: 15_000,
  sessionIdleMs: 30 * 60_000,
  sessionMaxMs: 3 * 60 * 60_000,

  wirePacketsPerSecond: 200,
  wireHeadBytes: 64,
  wireBatchMs: 50,
  wireCheckPackets: 300,
});

/** Defaults with some values replaced (tests shrink limits to hit them fast). */
export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  return { ...DEFAULT_LIMITS, ...overrides };
}

/**
 * How big a recorded run may grow ("Share this run", `--record`). The page
 * gets these through its build-time data (it cannot import this module:
 * node:os), the CLI from here.
 */
export interface RecordingLimits {
  /** Terminal bytes kept per pane; the rest is cut and counted. */
  maxPaneBytes: number;
  /** Terminal bytes kept over all panes. */
  maxOutputBytes: number;
  /** Lifecycle, Check and wire messages kept. */
  maxEvents: number;
  /** Wire packets kept. */
  maxWirePackets: number;
  /** Largest recording file a replay opens. */
  maxFileBytes: number;
}

export const RECORDING_LIMITS: RecordingLimits = Object.freeze({
  maxPaneBytes: 2 * 1024 * 1024,
  maxOutputBytes: 8 * 1024 * 1024,
  maxEvents: 5_000,
  maxWirePackets: 20_000,
  maxFileBytes: 32 * 1024 * 1024,
});
