/**
 * What the rest of the runner needs from a sandbox, whatever the backend.
 */
import type { Server, Socket } from 'node:net';
import type { Socket as UdpSocket } from 'node:dgram';
import type { SocketEntry } from './socket-table.ts';
import type { LossRule } from './loss.ts';

export type { LossRule } from './loss.ts';

/** How to start one student program: handed to node-pty as is. */
export interface SpawnPlan {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

/** How a program is started beyond its argv. */
export interface SpawnOptions {
  /**
   * The launcher stops before the program and prints its ready marker
   * (exit-marker.ts); PtyProcess.go(argv) tells it the program (argv is
   * then [], the launcher refuses one on its command line). Lets a session
   * start its next program ahead, while the student reads
   * (terminal/program-ahead.ts).
   */
  waitGo?: boolean;
}

export interface Sandbox {
  readonly backend: 'bwrap' | 'host';
  /** Host pid of a process inside the session's namespaces (bwrap), or of the runner (host). */
  readonly pid: number;
  /** The command that runs `argv` (cwd: the work dir) under the launcher with the sandbox's limits. */
  spawnPlan(argv: string[], exitTag: string, opts?: SpawnOptions): SpawnPlan;
  /** Writes the student's files into the work dir, from the sandbox's own view (never following a student's symlink out). */
  writeFiles(files: { name: string; content: string | Uint8Array }[]): Promise<void>;
  /**
   * The regular files under `dir` of the work dir (its folders flattened
   * into names like "a/b"), read from the sandbox's own view like
   * writeFiles writes; rejects with SandboxError past `maxBytes` of archive.
   */
  readFiles(dir: string, maxBytes: number): Promise<{ name: string; content: Buffer }[]>;
  /** The sockets of the session's network namespace. */
  sockets(): Promise<SocketEntry[]>;
  /**
   * Whether something in the session listens on (tcp) or is bound to (udp)
   * `port`: what `sockets()` would show, asked more cheaply (it is polled
   * while a program starts). With `waitMs` a backend that can (bwrap: its
   * holder looks every few ms) answers true as soon as it is bound
   * within that time; `waitsForBound` says whether this one does.
   */
  isBound(port: number, protocol: 'tcp' | 'udp', waitMs?: number): Promise<boolean>;
  /** Whether isBound's `waitMs` waits here (else it answers at once). */
  readonly waitsForBound?: boolean;
  /** Opens a TCP connection to a port inside the sandbox; rejects with the errno code (ECONNREFUSED...). */
  connectTcp(port: number, host?: '127.0.0.1' | '::1', timeoutMs?: number): Promise<Socket>;
  /** A UDP socket bound inside the sandbox (ephemeral port), to talk to the student's UDP programs. */
  openUdp(type?: 'udp4' | 'udp6'): Promise<UdpSocket>;
  /** A UDP socket bound to `port` on every address inside the sandbox (a grader's server). */
  bindUdp(port: number): Promise<UdpSocket>;
  /** A TCP server listening on `port` on every address inside the sandbox (a grader's server). */
  listenTcp(port: number): Promise<Server>;
  /**
   * Starts what the four socket methods above need (bwrap: the socket
   * agent, a process of its own) now rather than at the first socket, so it
   * starts while the student's program does instead of after it. Never
   * throws; a failed start is reported by the first socket.
   */
  prepareSockets(): void;
  /**
   * Network conditions (LABS.md): drops `percent` of the `proto` packets to
   * or from `port` inside the session's network namespace, in a fixed,
   * evenly spread pattern (see lossPattern in loss.ts: 30% drops packets 3,
   * 6 and 9 of every 10). Packets of both directions share one count, which
   * starts from zero at each call: call it before each run for the same
   * pattern run after run. `null` (or percent 0) ends the loss. Only the
   * bwrap backend can (the host backend rejects with SandboxError); a bad
   * rule rejects with SandboxError too.
   *
   * @example await sandbox.setLoss({ port: 12000, proto: 'udp', percent: 30 })
   */
  setLoss(rule: LossRule | null): Promise<void>;
  /**
   * The command that starts the wire view's packet reader (capture.c) in the
   * session's user and network namespaces, showing `headBytes` payload bytes
   * per packet and at most `perSecond` packets a second; null when this
   * backend cannot (host: no namespace of its own). Throws SandboxError once
   * the session has ended.
   */
  captureCommand(headBytes: number, perSecond: number): string[] | null;
  /**
   * Makes the sandbox as a new one for another check of the same grade (the
   * same student's files): once no program of the last check is left, the
   * work dir, /tmp and /dev/shm are emptied, every socket the last check
   * left is destroyed and the kernel's TCP metrics forgotten. Resolves
   * false when it cannot be made new (a process or socket left, a network
   * rule set, a request to the socket agent still open, no such command
   * here): then close it and make another. Never shared between students.
   */
  reset?(): Promise<boolean>;
  /** Ends every process of the session. Safe to call twice. */
  close(): Promise<void>;
  /** Resolves when the sandbox ended (closed, or its holder died). */
  readonly ended: Promise<void>;
}

/** A sandbox that could not be set up; `message` is for a person. */
export class SandboxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxError';
  }
}
