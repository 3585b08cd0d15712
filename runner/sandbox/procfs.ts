/**
 * Everything the runner reads from the host's /proc, in one place: process
 * trees, names, start times, owners, CPU and memory, open sockets, and a
 * network namespace's socket tables. Every reader tolerates a process that
 * ends meanwhile (it reads as empty or null, never throws).
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { ensureRcvtimeo } from './build-launcher.js';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** `pid` and every process below it (depth-first, parents first). */
export async function processTree(pid: number, depth = 0): Promise<number[]> {
  const out = [pid];
  if (depth > 32) return out;
  // Each thread lists the children it started: a JVM's main thread is not the process's first.
  const children: string[] = [];
  for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
    children.push(...(await readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => '')).split(' ').filter(Boolean));
  }
  for (const c of children) out.push(...(await processTree(Number(c), depth + 1)));
  return out;
}

/** Direct children of a process, started by any of its threads (empty when unknown or gone). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      out.push(...readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** The short name of a process ("python3"), or "" once it is gone. */
export async function processName(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
}

/** The fields of /proc/<pid>/stat after "pid (comm) ": index 0 is field 3 (state). */
function statFields(text: string): string[] {
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** Start time of a process (field 22 of its stat, in clock ticks), or null when gone: tells a recycled pid apart. */
export function startTime(pid: number): string | null {
  try {
    return statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'))[19] ?? null;
  } catch {
    return null;
  }
}

/** CPU time of a process and its reaped children (utime + stime + cutime + cstime), in ms; 0 when gone. */
export async function cpuMs(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!text) return 0;
  const f = statFields(text);
  const ticks = Number(f[11] ?? 0) + Number(f[12] ?? 0) + Number(f[13] ?? 0) + Number(f[14] ?? 0);
  return (ticks * 1000) / USER_HZ;
}

/** One thread's state letter (after its name in stat): R running or waiting for a CPU, S asleep, Z a zombie...; "" when gone. */
async function threadState(pid: number, tid: string): Promise<string> {
  const text = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => '');
  return text.charAt(text.lastIndexOf(')') + 2);
}

/** Whether one thread is running or waiting for a CPU (state R); false when gone. */
async function threadOnCpu(pid: number, tid: string): Promise<boolean> {
  return (await threadState(pid, tid)) === 'R';
}

/** Whether a thread of a process is running or waiting for a CPU (state R) right now; false when gone. */
export async function onCpu(pid: number): Promise<boolean> {
  for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) if (await threadOnCpu(pid, tid)) return true;
  return false;
}

/**
 * Whether every thread of a process waits for something from outside:
 * none running or runnable (state R), none asleep on a timer (a sleep()
 * ends by itself, and whatever follows it, a second reply or a crash, is
 * still to come). A thread blocked in recv(), accept() or poll() shows
 * where in /proc/<pid>/task/<tid>/wchan; one in nanosleep shows
 * hrtimer_nanosleep or do_nanosleep. A wchan the runner may not read
 * ("0") says nothing, and the thread counts as waiting; a zombie (exited,
 * its exit not yet reaped) does not. False when gone.
 */
export async function waitsForInput(pid: number): Promise<boolean> {
  const tids = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  if (!tids.length) return false;
  for (const tid of tids) {
    // Running, or exited and not yet reaped (a zombie's wchan says nothing): not waiting.
    if ('RZX'.includes((await threadState(pid, tid)) || 'X')) return false;
    const wchan = await readFile(`/proc/${pid}/task/${tid}/wchan`, 'utf8').catch(() => '');
    if (wchan.includes('nanosleep')) return false;
  }
  return true;
}

/**
 * The blocking calls that wait for input with no deadline of their own, by
 * syscall number on each architecture the runner knows: `timeout` is the
 * argument (1-based, as /proc/<pid>/syscall lists them) that must say "no
 * timeout" (an int of -1, or a NULL pointer; an int may also say how long,
 * see blockingCall), `op` the futex argument that must be a plain wait.
 * Anything else (a sleep, a wait with a timeout the runner cannot read, a
 * wait for a child) ends by itself, or may.
 */
interface BlockingCall { name: string; timeout?: { arg: number; none: 'int-1' | 'null' }; futex?: true }
const BLOCKING: Partial<Record<NodeJS.Architecture, Record<number, BlockingCall>>> = {
  x64: {
    0: { name: 'read()' }, 19: { name: 'readv()' }, 45: { name: 'recvfrom()' }, 47: { name: 'recvmsg()' },
    299: { name: 'recvmmsg()', timeout: { arg: 5, none: 'null' } }, 43: { name: 'accept()' }, 288: { name: 'accept()' },
    7: { name: 'poll()', timeout: { arg: 3, none: 'int-1' } }, 271: { name: 'poll()', timeout: { arg: 3, none: 'null' } },
    23: { name: 'select()', timeout: { arg: 5, none: 'null' } }, 270: { name: 'select()', timeout: { arg: 5, none: 'null' } },
    232: { name: 'epoll_wait()', timeout: { arg: 4, none: 'int-1' } }, 281: { name: 'epoll_wait()', timeout: { arg: 4, none: 'int-1' } },
    441: { name: 'epoll_wait()', timeout: { arg: 4, none: 'null' } }, 202: { name: 'futex()', timeout: { arg: 4, none: 'null' }, futex: true },
  },
  arm64: {
    63: { name: 'read()' }, 65: { name: 'readv()' }, 207: { name: 'recvfrom()' }, 212: { name: 'recvmsg()' },
    243: { name: 'recvmmsg()', timeout: { arg: 5, none: 'null' } }, 202: { name: 'accept()' }, 242: { name: 'accept()' },
    73: { name: 'poll()', timeout: { arg: 3, none: 'null' } }, 72: { name: 'select()', timeout: { arg: 5, none: 'null' } },
    22: { name: 'epoll_wait()', timeout: { arg: 4, none: 'int-1' } }, 441: { name: 'epoll_wait()', timeout: { arg: 4, none: 'null' } },
    98: { name: 'futex()', timeout: { arg: 4, none: 'null' }, futex: true },
  },
};
/**
 * A poll's timeout in ms from which it counts as none: no grade lasts that
 * long, and a program started for a check cannot be near its end (aiohttp's
 * run_app sleeps an hour at a time while it serves).
 */
const LONG_POLL_MS = 600_000n;
/** futex operations that wait (FUTEX_WAIT, FUTEX_WAIT_BITSET), without the private and clock flags. */
const FUTEX_WAITS = new Set([0, 9]);
/** SIGALRM's bit in /proc/<pid>/status's SigCgt: an alarm() with a handler ends a blocking call. */
const SIGALRM_BIT = 1n << 13n;

/**
 * The JVM's own threads, by their names in /proc (cut to 15 characters):
 * they wake on timers of their own (the compiler, the periodic tasks) but
 * never run the program's code while its threads are blocked, so a Java
 * program is judged by its own threads alone.
 */
const JVM_THREADS = new Set([
  'VM Thread', 'VM Periodic Tas', 'Reference Handl', 'Finalizer', 'Signal Dispatch', 'Service Thread', 'Monitor Deflati',
  'C1 CompilerThre', 'C2 CompilerThre', 'Sweeper thread', 'Common-Cleaner', 'Notification Th', 'Attach Listener',
]);
const JVM_THREAD_PREFIXES = ['GC Thread#', 'G1 '];
const jvmThread = (comm: string) => JVM_THREADS.has(comm) || JVM_THREAD_PREFIXES.some((p) => comm.startsWith(p));
/**
 * The JVM's threads that stop the program's threads while they work: the
 * VM thread (a safepoint) and the collector's. The compilers and the
 * periodic tasks run beside the program's threads and hold none of them.
 */
const jvmHolder = (comm: string) => comm === 'VM Thread' || JVM_THREAD_PREFIXES.some((p) => comm.startsWith(p));

/**
 * The call one thread waits in for ever (see blockedForever), or undefined;
 * `fd` the descriptor it reads, when a receive timeout (SO_RCVTIMEO) on it
 * could end the wait; `timeoutMs` when it is a poll given a timeout in ms
 * (Node's event loop always has one: its HTTP server checks its
 * connections every 30 s), which ends it by itself once that has passed.
 */
function blockingCall(line: string): { name: string; fd?: number; timeoutMs?: number } | undefined {
  const f = line.trim().split(' ');
  const call = BLOCKING[process.arch]?.[Number(f[0])];
  if (!call || f.length < 7) return undefined;
  const arg = (i: number) => BigInt(f[i]!);
  if (call.futex && !FUTEX_WAITS.has(Number(arg(2) & 0x7fn))) return undefined;
  let timeoutMs: number | undefined;
  if (call.timeout?.none === 'null' && arg(call.timeout.arg) !== 0n) return undefined;
  if (call.timeout?.none === 'int-1') {
    // An int: negative (as unsigned, beyond LONG_POLL_MS) waits for ever, 0 returns at once.
    const ms = arg(call.timeout.arg) & 0xffffffffn;
    if (ms === 0n) return undefined;
    if (ms < LONG_POLL_MS) timeoutMs = Number(ms);
  }
  // A poll or a futex has no descriptor of its own that a receive timeout applies to.
  const fd = call.timeout || call.futex ? {} : { fd: Number(arg(1)) };
  const timed = timeoutMs === undefined ? {} : { timeoutMs };
  // recv() is recvfrom() with no address to fill in: named as the student wrote it.
  if (call.name === 'recvfrom()' && arg(5) === 0n) return { name: 'recv()', ...fd };
  return { name: call.name, ...fd, ...timed };
}

/** A thread of a blocked process that waits in a poll with a timeout of its own (blockedForever's `timed`). */
export interface TimedWait {
  /** "pid/tid". */
  thread: string;
  /** Its /proc/<pid>/task/<tid>/syscall line: the same line seen at two looks may be the same call. */
  line: string;
  /** The timeout the call was given, in ms (not what is left of it: when it began is not in /proc). */
  timeoutMs: number;
}

/**
 * Where a process waits, when only input from outside can wake it: every
 * thread (of a JVM, every thread of the program's own) sleeps in a read, a
 * receive, an accept, a poll with no timeout, or a futex wait with none
 * (woken only by another of its threads, all of them blocked too), and it
 * has no timer that could end the wait: no SIGALRM handler, no POSIX
 * timer, no timerfd. `calls` are its threads' calls ("accept(), recv()");
 * `wakes` changes whenever one of those threads wakes (its context
 * switches): a receive timeout set with SO_RCVTIMEO looks like no timeout
 * here, but it wakes the thread once it ends (see Program.blockedIn);
 * `sockets` are the sockets its threads receive on, whose timeouts
 * receiveTimeouts reads. `held`: a JVM's thread that stops the program's
 * (a collection, a safepoint) was on a CPU, which may hold them in a futex
 * for a moment, so the look says where they wait but not that they wait
 * for ever; a thread it held wakes once let go, which `wakes` shows.
 * Undefined when any thread could go on by itself, when a look fails, or
 * when gone.
 *
 * With `timed`, a thread in a poll given a timeout in ms (poll(),
 * epoll_wait()) counts as blocked too, and is listed in `timed`: the wait
 * ends by itself, but not before that timeout, which a caller with a
 * deadline of its own may find later than it. `lines` (if given) gets the
 * syscall line of every thread read, by "pid/tid", blocked or not: a call
 * seen later with another line began after this look.
 */
export async function blockedForever(pid: number, opts: { timed?: boolean; lines?: Map<string, string> } = {}): Promise<{ calls: string; wakes: string; sockets: number[]; timed: TimedWait[]; held: boolean } | undefined> {
  const tids = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  if (!tids.length) return undefined;
  const calls: string[] = [];
  const wakes: string[] = [];
  const sockets = new Set<number>();
  let held = false;
  const timed: TimedWait[] = [];
  const java = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim() === 'java';
  for (const tid of tids) {
    const comm = java ? (await readFile(`/proc/${pid}/task/${tid}/comm`, 'utf8').catch(() => '')).trim() : '';
    if (java && jvmThread(comm)) {
      // At work (a collection, a safepoint), it may hold the program's threads for a moment: this look cannot tell.
      if (jvmHolder(comm)) held ||= await threadOnCpu(pid, tid);
      continue;
    }
    const line = (await readFile(`/proc/${pid}/task/${tid}/syscall`, 'utf8').catch(() => '')).trim();
    opts.lines?.set(`${pid}/${tid}`, line);
    const call = blockingCall(line);
    if (!call || (call.timeoutMs !== undefined && !opts.timed)) return undefined;
    calls.push(call.name);
    if (call.timeoutMs !== undefined) timed.push({ thread: `${pid}/${tid}`, line, timeoutMs: call.timeoutMs });
    if (call.fd !== undefined && (await readlink(`/proc/${pid}/fd/${call.fd}`).catch(() => 'socket:')).startsWith('socket:')) sockets.add(call.fd);
    const status = await readFile(`/proc/${pid}/task/${tid}/status`, 'utf8').catch(() => '');
    wakes.push(`${tid}:${/^voluntary_ctxt_switches:\s*(\d+)/m.exec(status)?.[1]}:${/^nonvoluntary_ctxt_switches:\s*(\d+)/m.exec(status)?.[1]}`);
  }
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status);
  if (!caught || BigInt(`0x${caught[1]}`) & SIGALRM_BIT) return undefined;
  if ((await readFile(`/proc/${pid}/timers`, 'utf8').catch(() => 'unknown')).trim()) return undefined;
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
    if ((await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')).includes('timerfd')) return undefined;
  }
  return { calls: blockingCalls(calls), wakes: `${pid}[${wakes.join(',')}]`, sockets: [...sockets], timed, held };
}

let rcvtimeo: string | undefined;

/**
 * The receive timeout (SO_RCVTIMEO) of each socket `fds` of `pid`, in ms
 * (0: none), read by socklab-rcvtimeo; undefined for one it could not
 * read (no right to, or the process or socket is gone).
 */
export async function receiveTimeouts(pid: number, fds: number[]): Promise<(number | undefined)[]> {
  if (!fds.length) return [];
  rcvtimeo ??= ensureRcvtimeo();
  const out = await new Promise<string>((resolve) => {
    execFile(rcvtimeo!, [String(pid), ...fds.map(String)], { timeout: 5000 }, (err, stdout) => resolve(err ? '' : stdout));
  });
  const got = new Map(out.split('\n').map((l) => l.split(' ')).filter((f) => f.length === 2).map(([fd, v]) => [Number(fd), v === '-' ? 0 : v === '?' ? undefined : Number(v)] as const));
  return fds.map((fd) => got.get(fd));
}

/** The distinct calls of a process's threads, as a person reads them: futex() (a thread waiting for another) only when alone. */
export function blockingCalls(calls: string[]): string {
  const named = [...new Set(calls.flatMap((c) => c.split(', ')))];
  const told = named.filter((c) => c !== 'futex()');
  return (told.length ? told : named).join(', ');
}

/** The number in a process's status line `field` (e.g. "Threads", "VmRSS", in kB); 0 when gone. */
async function statusNumber(pid: number, field: string): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const m = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status);
  return m ? Number(m[1]) : 0;
}

/** Threads of a process (its Threads line); 0 when gone. */
export const threadCount = (pid: number): Promise<number> => statusNumber(pid, 'Threads');

/** Resident memory of a process (VmRSS), in bytes; 0 when gone. */
export const rssBytes = async (pid: number): Promise<number> => (await statusNumber(pid, 'VmRSS')) * 1024;

/**
 * "dev:ino" of the binary a process runs. Throws (EACCES) when the runner
 * may not look (a non-dumpable process it has no ptrace rights over), and
 * ENOENT when the process is gone or a kernel thread.
 */
export async function executableId(pid: number): Promise<string> {
  const st = await stat(`/proc/${pid}/exe`);
  return `${st.dev}:${st.ino}`;
}

/** Inodes of the sockets a process holds open. */
export async function socketInodes(pid: number): Promise<number[]> {
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  const inodes: number[] = [];
  await Promise.all(
    fds.map(async (fd) => {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m) inodes.push(Number(m[1]));
    }),
  );
  return inodes;
}

/** One process as /proc/<pid>/status shows it. */
export interface ProcessStatus {
  pid: number;
  /** Real uid (host view). */
  uid: number;
  ppid: number;
  /** Kernel state letter: R, S, Z (zombie)... */
  state: string;
}

/** Pids of every process on the host. */
export function allPids(): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  return names.filter((n) => n.charCodeAt(0) >= 48 && n.charCodeAt(0) <= 57).map(Number);
}

/** Status of a process, or null once it is gone. */
export function processStatus(pid: number): ProcessStatus | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  return {
    pid,
    uid: Number(/^Uid:\s+(\d+)/m.exec(text)?.[1] ?? -1),
    ppid: Number(/^PPid:\s+(\d+)/m.exec(text)?.[1] ?? -1),
    state: /^State:\s+(\S)/m.exec(text)?.[1] ?? '?',
  };
}

/**
 * Uids that own a process on the host: the owners of the /proc/<pid>
 * folders (a stat each, cheaper than reading every status file: this runs
 * on the event loop at each session start).
 */
export function processOwners(): Set<number> {
  const owners = new Set<number>();
  for (const pid of allPids()) {
    try {
      owners.add(statSync(`/proc/${pid}`).uid);
    } catch {
      /* ended meanwhile */
    }
  }
  return owners;
}

/** Pids of every process whose real uid is `uid` (zombies included). */
export function pidsOfUid(uid: number): number[] {
  return allPids().filter((pid) => processStatus(pid)?.uid === uid);
}

/** The text of /proc/<pid>/net/<name> (tcp, udp6...): the table of the network namespace `pid` lives in; "" when gone. */
export async function netTable(pid: number | 'self', name: 'tcp' | 'tcp6' | 'udp' | 'udp6'): Promise<string> {
  return readFile(`/proc/${pid}/net/${name}`, 'utf8').catch(() => '');
}

/**
 * The cgroups a process belongs to (/proc/<pid>/cgroup): each v1 controller
 * ("memory", "pids", "cpu"...) and "" for the v2 unified hierarchy, mapped to
 * its path in that hierarchy. `text` parses a given file instead (tests).
 */
export function cgroupsOf(pid: number | 'self' = 'self', text?: string): Map<string, string> {
  const out = new Map<string, string>();
  let body = text;
  if (body === undefined) {
    try {
      body = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    } catch {
      return out;
    }
  }
  for (const line of body.split('\n')) {
    const m = /^\d+:([^:]*):(\/.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === '') out.set('', m[2]!);
    else for (const controller of m[1]!.split(',')) out.set(controller, m[2]!);
  }
  return out;
}
