/**
 * Everything the runner reads from the host's /proc, in one place: process
 * trees, names, start times, owners, CPU and memory, open sockets, and a
 * network namespace's socket tables. Every reader tolerates a process that
 * ends meanwhile (it reads as empty or null, never throws).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readdir, readFile, readlink, stat } from 'node:fs/promises';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** `pid` and every process below it (depth-first, parents first). */
export async function processTree(pid: number, depth = 0): Promise<number[]> {
  const out = [pid];
  if (depth > 32) return out;
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  for (const c of children.split(' ').filter(Boolean)) out.push(...(await processTree(Number(c), depth + 1)));
  return out;
}

/** Direct children of a process (empty when unknown or gone). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
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

/** Whether a thread of a process is running or waiting for a CPU (state R) right now; false when gone. */
export async function onCpu(pid: number): Promise<boolean> {
  for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
    const text = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => '');
    if (text && text.charAt(text.lastIndexOf(')') + 2) === 'R') return true;
  }
  return false;
}

/**
 * Whether every thread of a process waits for something from outside:
 * none running or runnable (state R), none asleep on a timer (a sleep()
 * ends by itself, and whatever follows it, a second reply or a crash, is
 * still to come). A thread blocked in recv(), accept() or poll() shows
 * where in /proc/<pid>/task/<tid>/wchan; one in nanosleep shows
 * hrtimer_nanosleep or do_nanosleep. A wchan the runner may not read
 * ("0") says nothing, and the thread counts as waiting. False when gone.
 */
export async function waitsForInput(pid: number): Promise<boolean> {
  const tids = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  if (!tids.length) return false;
  for (const tid of tids) {
    const text = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => '');
    if (text && text.charAt(text.lastIndexOf(')') + 2) === 'R') return false;
    const wchan = await readFile(`/proc/${pid}/task/${tid}/wchan`, 'utf8').catch(() => '');
    if (wchan.includes('nanosleep')) return false;
  }
  return true;
}

/** Resident memory of a process (VmRSS), in bytes; 0 when gone. */
export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

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
