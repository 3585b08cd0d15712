/**
 * The `bwrap` backend: one long-lived "holder" bubblewrap per session owns
 * the session's user, network (loopback only), pid, mount, ipc and uts
 * namespaces. Each student program joins them through the joiner (join.c:
 * cgroups, uid and namespaces in one exec) and runs in a nested bubblewrap
 * of its own (read-only system, its own pid namespace, no new user
 * namespaces) under the launcher. Killing the holder ends every
 * process of the session: they all live in its pid namespace. Where the
 * runner may, the session's processes also live in cgroups of their own
 * (cgroups.ts), joined before anything of the session starts; and the
 * holder (holder.c) bounds the session's mounts, is its network admin
 * (setLoss) and writes the student's files into it (writeFiles).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Server, Socket } from 'node:net';
import type { Socket as UdpSocket } from 'node:dgram';
import type { Limits } from '../limits.ts';
import { packTar, isWorkPath, readTarOf } from './tar.ts';
import { isBound, parseListedSockets, readSocketTable, type SocketEntry } from './socket-table.ts';
import { getRuntime, launcherLimits, PROC_MASKS, sandboxPath, studentEnv, systemBinds } from './runtime.ts';
import { runnerCgroups, type SessionCgroup } from './cgroups.ts';
import { forkInTurn } from './fork-turns.ts';
import { pipedChild, startPipedByForker, type PipedProgram } from '../terminal/forker.ts';
import type { Standby } from './standby.ts';
import { javaArchiveDir } from './java-archive.ts';
import { lossScript, type LossRule } from './loss.ts';
import { releaseUid, runningAsRoot, takeUid } from './uids.ts';
import { SandboxError, type Sandbox, type SpawnOptions, type SpawnPlan } from './types.ts';

const HOLDER_READY_TIMEOUT_MS = 10_000;
/** How long the holder may take to exit once the session's pid 1 was killed. */
const HOLDER_EXIT_GRACE_MS = 500;

/** How long the holder may take to apply a network rule or write the files. */
const HOLDER_COMMAND_TIMEOUT_MS = 10_000;
/** The longest answer line of the holder kept: its `sockets` list (holder.c MAX_LISTED_SOCKETS x LISTED_SOCKET_CHARS, 128 KiB) with room. */
const HOLDER_LINE_MAX_CHARS = 256 * 1024;

/**
 * How long a port bound only where 127.0.0.1 cannot reach it (an IPv6-only
 * socket) is given to be bound for IPv4 too before isBound says bound
 * anyway. Python's asyncio.start_server(None, port) makes one socket per
 * family and may listen on the IPv6 one first: the grader, connecting to
 * 127.0.0.1 in between, was refused (1 grade in 8 under load). A server
 * that listens on IPv6 alone is told so by that refusal, this much later.
 */
const V4_GRACE_MS = 500;
/** How often isBound looks again while it waits for an IPv4 socket beside an IPv6 one. */
const BOUND_POLL_MS = 10;
/**
 * How long one look through the holder may wait for the port itself (its
 * own looks are 10 ms apart): the runner pays a message each way per look
 * it asks for, and a Run's server may take seconds to bind (or never).
 */
const BOUND_WAIT_MS = 50;

let warnedBuffers = false;

/**
 * Starts a new session sandbox; resolves once it is ready to be joined.
 * With `standby` its processes wait behind the sessions in use for the CPU
 * until that ends (standby.ts); with `check` it is a Check's, weighing
 * less than a session's (limits.checkCpuWeight).
 */
export async function createBwrapSandbox(limits: Limits, opts: { standby?: Standby; check?: boolean } = {}): Promise<Sandbox> {
  const ahead = opts.standby !== undefined && !opts.check;
  const uid = runningAsRoot ? takeUid() : null;
  let cgroup: SessionCgroup | null;
  try {
    const made = ahead ? await takeNextGroups(limits) : undefined;
    cgroup = made !== undefined ? made : await makeGroups(limits, opts.standby !== undefined && !opts.standby.isOver, opts.check === true);
  } catch (err) {
    if (uid !== null) releaseUid(uid);
    throw new SandboxError(`the session's cgroups could not be made: ${(err as Error).message}`);
  }
  // Taken while its groups were being made (or made ahead on standby), it ends its standby at once.
  if (cgroup && opts.standby) opts.standby.onEnd(() => cgroup.setStandby(false));
  try {
    const sandbox = await BwrapSandbox.start(limits, uid, cgroup);
    // After this turn of the event loop: the program started ahead with this sandbox is asked for first.
    if (ahead) setImmediate(() => (nextGroups ??= makeGroups(limits, true, false).then((made) => ({ limits, made }), () => null)));
    return sandbox;
  } catch (err) {
    await cgroup?.remove();
    if (uid !== null) releaseUid(uid);
    throw err;
  }
}

/**
 * The cgroups of the next sandbox made ahead, made on standby once the last
 * one is ready: their trips through libuv's threadpool were 1-2 ms of the
 * start of making a sandbox, which sessions opened back to back wait for
 * (each one's sandbox is made from the first byte of the one before). Only
 * for sandboxes made ahead, which come one after another; empty groups cost
 * nothing, and go at the runner's exit. Not the uid: one held unused
 * for long could be taken by another runner of the machine, which sees no
 * process of it (uids.ts).
 */
let nextGroups: Promise<{ limits: Limits; made: SessionCgroup | null } | null> | null = null;

/** The groups made ahead when they were made with `limits` (else they are removed), once; undefined when there are none. */
async function takeNextGroups(limits: Limits): Promise<SessionCgroup | null | undefined> {
  const taken = await nextGroups;
  nextGroups = null;
  if (!taken) return undefined;
  if (taken.limits === limits) return taken.made;
  await taken.made?.remove();
  return undefined;
}

function makeGroups(limits: Limits, standby: boolean, check: boolean): Promise<SessionCgroup | null> {
  return runnerCgroups()?.create(limits, { standby, check }) ?? Promise.resolve(null);
}

/** A session in bubblewrap: its holder (holder.c) keeps the namespaces its programs join and answers the runner's commands. */
export class BwrapSandbox implements Sandbox {
  readonly backend = 'bwrap' as const;
  readonly ended: Promise<void>;
  private closed = false;
  /** A network rule was set (setLoss): a reset does not undo it, so the session is not made new. */
  private lossSet = false;
  private agent: Agent | null = null;
  /** Answers the holder has not given yet, oldest first. */
  private holderWaiting: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  private holderQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly limits: Limits,
    private readonly uid: number | null,
    private readonly cgroup: SessionCgroup | null,
    private readonly holder: PipedProgram,
    readonly pid: number,
  ) {
    this.ended = holder.exited.then(() => {});
    void this.ended.then(() => this.close());
    let partial = '';
    holder.stdout.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop()!.slice(-HOLDER_LINE_MAX_CHARS);
      for (const line of lines) this.holderWaiting.shift()?.resolve(line);
    });
    void this.ended.then(() => {
      for (const w of this.holderWaiting.splice(0)) w.reject(new SandboxError('the session has ended'));
    });
  }

  static async start(limits: Limits, uid: number | null, cgroup: SessionCgroup | null): Promise<BwrapSandbox> {
    const rt = getRuntime();
    let javaDir: string | null = null;
    try {
      javaDir = javaArchiveDir();
    } catch {
      // No archive folder: Java programs start without the archive.
    }
    const args = [
      ...enterSession(cgroup, uid),
      '--',
      'bwrap',
      '--unshare-user', '--unshare-net', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try',
      '--hostname', 'sandbox',
      '--die-with-parent',
      // Only for the holder (see holder.c), in the session's user namespace.
      '--cap-add', 'CAP_SYS_ADMIN', '--cap-add', 'CAP_NET_ADMIN',
      ...systemBinds(),
      // The npm packages a student may import (runtime.ts SANDBOX_NODE_PACKAGES).
      '--ro-bind', rt.nodeModules, '/node_modules',
      // A holder mounted with --dev cannot be joined. Its /dev is the one
      // every program of the session takes whole (spawnPlan): the device
      // nodes, what bwrap's --dev links, and a mount point for the session's
      // devpts (holder.c), all read-only with the holder's root.
      '--perms', '0755', '--dir', '/dev',
      ...['null', 'zero', 'full', 'random', 'urandom', 'tty'].flatMap((d) => ['--dev-bind', `/dev/${d}`, `/dev/${d}`]),
      '--symlink', 'pts/ptmx', '/dev/ptmx',
      '--symlink', '/proc/self/fd', '/dev/fd',
      ...['stdin', 'stdout', 'stderr'].flatMap((name, fd) => ['--symlink', `/proc/self/fd/${fd}`, `/dev/${name}`]),
      '--perms', '0755', '--dir', '/dev/pts',
      // The session's POSIX shared memory (shm_open, multiprocessing), shared
      // by its programs like /tmp and bounded like it.
      '--size', String(limits.sandboxTmpBytes), '--perms', '1777', '--tmpfs', '/dev/shm',
      // The launcher, the holder and the /proc masks, in one mount (runtime.ts sandboxDir).
      '--ro-bind', rt.sandboxDir, '/.socklab',
      '--bind', '/proc/sys/net', '/.socklab/net',
      // The runner's class-data archive of the JDK (java-archive.ts), read-only.
      ...(javaDir ? ['--ro-bind', javaDir, '/.socklab/java'] : []),
      '--size', String(limits.sandboxWorkBytes), '--perms', '0755', '--tmpfs', '/work',
      '--size', String(limits.sandboxTmpBytes), '--perms', '1777', '--tmpfs', '/tmp',
      '--proc', '/proc',
      // The holder's own root (its /etc, /.socklab...) is read-only: the holder
      // writes a student's files as the session's user (following no symlink),
      // and nothing the student planted in /work may lead a write there. /work,
      // /tmp, /dev/shm and the mounts above stay as they were made.
      '--remount-ro', '/',
      '--chdir', '/work',
      '--info-fd', '3',
      '--', '/.socklab/holder', String(limits.sandboxTmpInodes), String(limits.sandboxSocketBufferBytes), String(limits.sandboxPtys),
    ];
    const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };
    // Through the forker the runner's event loop never stops for the fork; node's spawn (a fork of the whole runner) only when it cannot.
    const holder =
      (await startPipedByForker({ file: args[0]!, args: args.slice(1), cwd: '', env })) ??
      pipedChild(await forkInTurn(() => spawn(args[0]!, args.slice(1), { stdio: ['pipe', 'pipe', 'pipe', 'pipe'], env, detached: false })));
    let out = '';
    const pid = await new Promise<number>((resolve, reject) => {
      let info = '';
      let err = '';
      let childPid = 0;
      let settled = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        holder.kill();
        reject(new SandboxError(`the sandbox did not start: ${why}${err.trim() ? ` (${err.trim().split('\n').slice(-3).join(' / ')})` : ''}`));
      };
      const timer = setTimeout(() => fail('timed out'), HOLDER_READY_TIMEOUT_MS);
      const check = () => {
        if (!childPid) {
          const m = /"child-pid"\s*:\s*(\d+)/.exec(info);
          if (m) childPid = Number(m[1]);
        }
        if (childPid && out.includes('ready\n') && !settled) {
          settled = true;
          clearTimeout(timer);
          resolve(childPid);
        }
      };
      holder.fd3.on('data', (d: Buffer) => { info += d.toString(); check(); });
      holder.stdout.on('data', (d: Buffer) => { out += d.toString(); check(); });
      holder.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      void holder.exited.then(({ code, signal }) => fail(code === null && signal === null ? 'it could not be started' : `bubblewrap exited (${signal ?? code})`));
    });
    holder.stdout.removeAllListeners('data');
    holder.stderr.removeAllListeners('data');
    holder.stderr.resume();
    // Nothing more is said there (bubblewrap's info): read to its end, it never fills.
    holder.fd3.removeAllListeners('data');
    holder.fd3.resume();
    // A dead holder's stdin fails writes with EPIPE; the answer's wait reports it.
    holder.stdin.on('error', () => {});
    if (/^warning /m.test(out) && !warnedBuffers) {
      warnedBuffers = true;
      console.warn(`socklab: ${/^warning (.*)$/m.exec(out)![1]}`);
    }
    return new BwrapSandbox(limits, uid, cgroup, holder, pid);
  }

  /**
   * argv prefix that enters the session's cgroups and the holder's
   * `namespaces` as the sandbox user (`root`: its root and working
   * directory too), in one exec of the joiner (join.c).
   */
  private join(namespaces: SessionNamespace[], opts: { root?: boolean; nproc?: number } = {}): string[] {
    return [
      ...enterSession(this.cgroup, this.uid),
      ...(opts.nproc ? ['--nproc', String(opts.nproc)] : []),
      '--target', String(this.pid), '--ns', namespaces.join(','),
      ...(opts.root ? ['--root'] : []),
      '--',
    ];
  }

  spawnPlan(argv: string[], exitTag: string, opts: SpawnOptions = {}): SpawnPlan {
    const l = this.limits;
    const full = [
      // RLIMIT_NPROC set before the session's user namespace is joined
      // bounds all processes of the session together.
      ...this.join(['user', 'net', 'pid', 'mnt', 'uts', 'ipc'], { root: true, nproc: l.sandboxProcesses }),
      'bwrap',
      '--unshare-user', '--disable-userns', '--unshare-pid', '--die-with-parent',
      // The launcher itself is pid 1 of the program's pid namespace: no
      // bwrap "init" (which holds the exit tag in its environment and, unlike
      // the launcher, is dumpable) is left where the program can see it, and
      // the kernel keeps the program from signalling its namespace's pid 1.
      '--as-pid-1',
      '--ro-bind', '/', '/',
      '--bind', '/work', '/work',
      '--bind', '/tmp', '/tmp',
      '--proc', '/proc',
      // The holder's /dev again, its device nodes usable (the root's bind
      // above made them nodev), read-only like the holder's root; the
      // session's bounded /dev/shm and devpts come with it, writable
      // (/dev/ptmx links to that devpts's ptmx). Not bwrap's --dev, a /dev
      // of its own to be mended: nine more mounts, and bwrap reads the whole
      // mount table for each (a program's start took 6.7 ms, now 5.3).
      '--dev-bind', '/dev', '/dev',
      ...PROC_MASKS.flatMap(([procFile, mask]) => ['--ro-bind', `/.socklab/${mask}`, procFile]),
      '--chdir', '/work',
      '--',
      '/.socklab/launch',
      ...(opts.waitGo ? ['--wait-go', '1'] : []),
      '--nproc', String(l.sandboxProcesses),
      ...launcherLimits(l),
      '--',
      ...argv,
    ];
    return {
      file: full[0]!,
      args: full.slice(1),
      cwd: '/',
      env: studentEnv(sandboxPath(), '/work', exitTag),
    };
  }

  async writeFiles(files: { name: string; content: string | Uint8Array }[]): Promise<void> {
    if (this.closed) throw new SandboxError('the session has ended');
    // The holder writes it in a child of its own, in the session's mounts as the session's user and with no
    // capability, following no symlink (holder.c write_files): no process to start for it, not even a tar.
    const archive = packTar(files);
    try {
      await this.holderCommand(`files ${archive.length}`, 'the sandbox did not take the files in time', archive);
    } catch (err) {
      throw new SandboxError(`could not write files: ${(err as Error).message}`);
    }
  }

  async readFiles(dir: string, maxBytes: number): Promise<{ name: string; content: Buffer }[]> {
    if (this.closed) throw new SandboxError('the session has ended');
    if (!isWorkPath(dir)) throw new SandboxError(`not a folder of the work dir: ${dir}`);
    const argv = [...this.join(['user', 'net', 'pid', 'mnt', 'uts', 'ipc'], { root: true }), 'tar', '-c', '-f', '-', '-C', `/work/${dir}`, '.'];
    return readTarOf(argv, maxBytes);
  }

  /**
   * Through the holder (listSockets) where it can list them, else /proc's
   * table: the inspector looks several times a second, a grader's waits at
   * each of their looks.
   */
  async sockets(): Promise<SocketEntry[]> {
    return (await this.listSockets()) ?? readSocketTable(this.pid);
  }

  /**
   * The session's sockets as the holder lists them (holder.c `sockets`:
   * sock_diag, one walk of the machine's TCP table, about 1 ms of CPU here,
   * where /proc/net/tcp and tcp6 each walk it twice, 9 ms a look); null
   * where it cannot (more than it lists at once, no sock_diag).
   */
  async listSockets(): Promise<SocketEntry[] | null> {
    try {
      return parseListedSockets(await this.holderCommand('sockets', 'the sandbox did not list its sockets in time'));
    } catch (err) {
      if (err instanceof HolderRefused && !this.closed) return null;
      throw err;
    }
  }

  readonly waitsForBound = true;

  /**
   * Looks through the holder (holder.c `bound`: sock_diag, the listening
   * sockets alone), which looks every 10 ms itself, for up to `waitMs`
   * (BOUND_WAIT_MS a message): 0.03 ms of the runner's CPU a message here.
   * Not the socket table: reading tcp and tcp6 walks the machine's whole
   * TCP table twice, 9 ms of CPU a look on this loaded 2-core machine,
   * every 10 ms from the very moment the Run's program starts. Not the
   * socket agent: starting it forks the runner.
   */
  async isBound(port: number, protocol: 'tcp' | 'udp', waitMs = 0): Promise<boolean> {
    const start = performance.now();
    let ipv6AloneSince = -1;
    for (;;) {
      const reach = await this.boundLook(port, protocol, Math.round(Math.min(BOUND_WAIT_MS, waitMs - (performance.now() - start))));
      // No sock_diag in this kernel: the socket table says it.
      if (reach === null) return isBound(await this.sockets(), port, protocol);
      if (reach === 2) return true;
      const waited = performance.now() - start;
      if (reach === 1 && ipv6AloneSince < 0) ipv6AloneSince = waited;
      // Bound for IPv6 alone: its IPv4 socket may be a moment behind, even past waitMs.
      if (reach === 1 ? waited - ipv6AloneSince >= V4_GRACE_MS : waited >= waitMs) return reach > 0;
      await new Promise((r) => setTimeout(r, BOUND_POLL_MS));
    }
  }

  /**
   * Looks through the holder (holder.c `bound`), which looks again itself for
   * up to `waitMs` until 127.0.0.1 reaches the port: 2 where it does, 1
   * where only IPv6 does, 0 where nothing is bound; null where the holder
   * cannot look.
   */
  private async boundLook(port: number, protocol: 'tcp' | 'udp', waitMs: number): Promise<0 | 1 | 2 | null> {
    if (this.closed) return 0;
    try {
      const said = await this.holderCommand(`bound ${protocol} ${port}${waitMs > 0 ? ` ${waitMs}` : ''}`, 'the sandbox did not say in time whether the port is bound');
      return said === '2' ? 2 : said === '1' ? 1 : 0;
    } catch (err) {
      if (this.closed) return 0;
      if (err instanceof HolderRefused) return null;
      throw err;
    }
  }

  async connectTcp(port: number, host: '127.0.0.1' | '::1' = '127.0.0.1', timeoutMs = 5000): Promise<Socket> {
    return (await this.getAgent()).request({ op: 'tcp', host, port, timeoutMs }) as Promise<Socket>;
  }

  async openUdp(type: 'udp4' | 'udp6' = 'udp4'): Promise<UdpSocket> {
    return (await this.getAgent()).request({ op: 'udp', type }) as Promise<UdpSocket>;
  }

  async bindUdp(port: number): Promise<UdpSocket> {
    return (await this.getAgent()).request({ op: 'udp', port }) as Promise<UdpSocket>;
  }

  async listenTcp(port: number): Promise<Server> {
    return (await this.getAgent()).request({ op: 'listen', port }) as Promise<Server>;
  }

  prepareSockets(): void {
    this.getAgent().catch(() => {}); // the first socket reports a failed start
  }

  captureCommand(headBytes: number, perSecond: number): string[] {
    if (this.closed) throw new SandboxError('the session has ended');
    // The reader joins the holder's user and network namespaces itself (capture.c: through the joiner, the exec would drop
    // the user namespace's capabilities); nothing of the students' sandboxes, like the agent.
    return [...enterSession(this.cgroup, this.uid), '--', getRuntime().capture, String(this.pid), String(headBytes), String(perSecond)];
  }

  setLoss(rule: LossRule | null): Promise<void> {
    let script: string;
    try {
      script = lossScript(rule);
    } catch (err) {
      return Promise.reject(err);
    }
    this.lossSet = true;
    return this.holderCommand(`nft ${script}`, 'the sandbox did not apply the network rule in time').then(() => {}, (err: unknown) => {
      throw err instanceof HolderRefused ? new SandboxError(`the network rule was refused: ${err.message}`) : err;
    });
  }

  /**
   * Sends one command line to the holder (holder.c), and the bytes it
   * announces; resolves once the holder answered "ok" (with what it said
   * after it), rejects with
   * HolderRefused for its "error" answer and with SandboxError(`late`)
   * when it did not answer in time.
   */
  private holderCommand(line: string, late: string, payload?: Uint8Array): Promise<string> {
    const run = async () => {
      if (this.closed) throw new SandboxError('the session has ended');
      const answer = new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new SandboxError(late)), HOLDER_COMMAND_TIMEOUT_MS);
        this.holderWaiting.push({
          resolve: (line) => { clearTimeout(timer); resolve(line); },
          reject: (e) => { clearTimeout(timer); reject(e); },
        });
      });
      this.holder.stdin.write(`${line}\n`);
      if (payload) this.holder.stdin.write(payload);
      const said = await answer;
      if (!/^ok( |$)/.test(said)) throw new HolderRefused(said.replace(/^error /, '').trim() || 'failed');
      return said.slice(3).trim();
    };
    // One at a time: answers come back in order, and a timed-out one must not shift the next.
    const next = this.holderQueue.then(run, run);
    this.holderQueue = next.catch(() => {});
    return next;
  }

  private getAgent(): Promise<Agent> {
    if (this.closed) return Promise.reject(new SandboxError('the session has ended'));
    // An agent that died (killed, crashed) is replaced on the next request.
    if (!this.agent || this.agent.gone) {
      this.agent?.kill();
      this.agent = new Agent(this.join(['user', 'net']), getRuntime().agent);
    }
    const agent = this.agent;
    return agent.ready.then(() => agent);
  }

  async reset(): Promise<boolean> {
    // An open request could hand the runner a socket made after the reset.
    if (this.closed || this.lossSet || this.agent?.busy) return false;
    try {
      await this.holderCommand('reset', 'the sandbox was not made new in time');
      return !this.closed;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return this.ended;
    this.closed = true;
    this.agent?.kill();
    // The holder's child is pid 1 of the session's pid namespace: when it
    // dies the kernel kills every process in it, and the holder reaps it and
    // exits. Kill the holder itself only if it does not: killed first, it
    // would orphan pid 1 to the host's init, a zombie of the session's uid
    // until that init reaps it (never, when the runner is a container's pid 1).
    const kill = (pid: number | undefined) => {
      try {
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    kill(this.pid);
    const grace = setTimeout(() => this.holder.kill(), HOLDER_EXIT_GRACE_MS);
    await this.ended;
    clearTimeout(grace);
    await this.cgroup?.remove();
    if (this.uid !== null) releaseUid(this.uid);
  }
}

/** The holder's "error" answer to a command: its message is the command's own. */
class HolderRefused extends Error {}

/** The trusted socket agent of one session, started on first use. */
class Agent {
  readonly ready: Promise<void>;
  private dead = false;
  private exitError: Error | null = null;
  /** Null until its fork's turn (fork-turns.ts). */
  private child: ChildProcess | null = null;
  private nextId = 1;
  private pending = new Map<number, { resolve: (h: unknown) => void; reject: (e: Error) => void }>();

  constructor(prefix: string[], binary: string) {
    const argv = [...prefix, binary];
    this.ready = forkInTurn(() => {
      // Killed before its turn: never started.
      if (this.dead) throw this.exitError!;
      try {
        return spawn(argv[0]!, argv.slice(1), {
          stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
          env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
          serialization: 'json',
        });
      } catch (e) {
        const err = new SandboxError(`the socket agent failed: ${(e as Error).message}`);
        this.end(err);
        throw err;
      }
    }).then((child) => this.started(child));
    // Unhandled if nobody ever asks; the request path reports it.
    this.ready.catch(() => {});
  }

  private started(child: ChildProcess): Promise<void> {
    this.child = child;
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString().slice(0, 2000); });
    return new Promise((resolve, reject) => {
      // Every 'error' has a listener: an unhandled one would crash the runner.
      child.on('error', (e) => {
        const err = new SandboxError(`the socket agent failed: ${e.message}`);
        reject(err);
        this.end(err);
      });
      child.once('exit', (code, signal) => {
        const err = new SandboxError(`the socket agent exited (${signal ?? code})${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
        reject(err);
        this.end(err);
      });
      child.on('message', (msg: { ready?: boolean; id?: number; ok?: boolean; code?: string; message?: string }, handle: unknown) => {
        if (msg.ready) return resolve();
        const p = msg.id === undefined ? undefined : this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id!);
        if (msg.ok && handle) p.resolve(handle);
        else p.reject(Object.assign(new Error(msg.message ?? 'agent error'), { code: msg.code }));
      });
    });
  }

  /** Whether a request waits for its answer. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  /** Whether the agent died (or is dying: its IPC channel is closed): it takes no more requests. */
  get gone(): boolean {
    return this.dead || (this.child !== null && !this.child.connected);
  }

  /** The agent is gone: refuse new requests and fail the ones waiting for an answer. */
  private end(err: Error): void {
    this.dead = true;
    this.exitError ??= err;
    for (const p of this.pending.values()) p.reject(this.exitError);
    this.pending.clear();
  }

  request(msg: Record<string, unknown>): Promise<unknown> {
    if (this.gone) return Promise.reject(this.exitError ?? new SandboxError('the socket agent has exited'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // With a callback a closed channel is reported here instead of as an
      // 'error' event (the agent died since the check above).
      this.child!.send({ ...msg, id }, (err) => {
        if (!err || !this.pending.has(id)) return;
        this.pending.delete(id);
        reject(new SandboxError(`the socket agent is gone: ${err.message}`));
      });
    });
  }

  kill(): void {
    if (this.child) this.child.kill('SIGKILL');
    else this.end(new SandboxError('the socket agent was stopped before it started'));
  }
}

/** The namespaces of a session's holder that the joiner can enter (join.c). */
type SessionNamespace = 'user' | 'net' | 'pid' | 'mnt' | 'uts' | 'ipc';

/**
 * The joiner's argv up to its namespace flags: it enters the session's
 * cgroups first (as the runner: before any privilege drop), then becomes
 * the session's uid when the runner is root (see uids.ts).
 */
function enterSession(cgroup: SessionCgroup | null, uid: number | null): string[] {
  return [getRuntime().join, ...(cgroup?.joinFiles ?? []).flatMap((f) => ['--cgroup', f]), ...(uid === null ? [] : ['--uid', String(uid)])];
}
