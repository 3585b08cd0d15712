/**
 * Per-session cgroups: every session's processes (its holder, programs,
 * socket agent) live in cgroups of their own, so that a session bounds
 * together what per-process rlimits cannot: shared memory (MAP_SHARED,
 * memfd, /dev/shm), tmpfs pages and kernel memory count against one memory
 * limit, and running out of it kills inside that session only; threads and
 * processes count against one pids limit; and all sessions together get a
 * smaller CPU weight than the runner, whose own work comes first.
 *
 * The runner's own process also gets a CPU group of its own, weighing
 * well above all sessions: every keystroke's echo passes through its event
 * loop, which beside 50 busy sessions waited for a core most of the time,
 * and the event loop also waits on V8's helper threads (a major garbage
 * collection stalled it 22-56 ms with those threads at the runner's old
 * weight, 5-22 ms with them beside it). A child is born in the group of
 * the thread that forks it: the session's processes join their session's
 * groups before anything of theirs runs, and the runner's own tools (JDK)
 * go back to the group the runner came from (leaveRunnerGroup).
 *
 * The terminals' relays (one process per terminal, forked by the runner's
 * forker) get a CPU group of their own beside the runner's, weighing the
 * same (holdRelays): in the runner's group, 25 relays of flooding terminals
 * each weighed as much as its event loop, which a keystroke's echo waits on.
 *
 * Among the sessions, a Check's sandbox weighs less than a student's
 * session (limits.checkCpuWeight): grading takes both cores in bursts, and
 * a student's programs at their terminal step ahead of it for the moment
 * they need; idle CPU still goes to the Check whatever its weight.
 *
 * cgroup v1 (separate memory, pids and cpu hierarchies, writable by root)
 * and cgroup v2 (one hierarchy; a non-root runner needs a delegated subtree,
 * e.g. `systemd-run --user --scope -p Delegate=yes npm start`) are both
 * supported. The runner's groups sit below its own group in each hierarchy:
 *   v1: <hierarchy>/<runner's group>/socklab-<pid>/s<n>
 *       cpu/<runner's group>/socklab-<pid>-runner (the runner's process)
 *       cpu/<runner's group>/socklab-<pid>-relays (the forker, its relays)
 *   v2: <runner's group>/socklab-runner (the runner itself, moved there:
 *       a v2 group with processes cannot hand controllers to children;
 *       its CPU weight that of the runner's process)
 *       <runner's group>/socklab-relays (the forker and its relays)
 *       <runner's group>/socklab-<pid>/s<n>
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Limits } from '../limits.ts';
import { cgroupsOf, processStatus } from './procfs.ts';

/** The cgroups of one session. */
export interface SessionCgroup {
  /**
   * The files a process writes "0" to, to join the session (join.c): v1's
   * `tasks`, v2's `cgroup.procs`. On v1 a thread that moves itself alone
   * (`tasks`, "0") takes no global lock; a move through `cgroup.procs` takes
   * the kernel's lock of every fork and exit on the machine, and first waits
   * for an RCU grace period whenever no move came just before: 6-15 ms here
   * for each sandbox made (its holder's join), on the way to a fresh
   * session's first byte. The joiner has one thread, so moving it is moving
   * the process. v2 moves whole processes only (`cgroup.threads` needs a
   * threaded group).
   */
  readonly joinFiles: string[];
  /** argv prefix that runs the rest of the argv inside the session's cgroups (before any privilege drop). */
  prefix(): string[];
  /**
   * Standby (standby.ts): the session's processes weigh next to nothing
   * against the other sessions' (they get the CPU those leave over); off,
   * the group's usual weight (a session's, or a Check's). Never throws (a
   * removed group has no weight).
   */
  setStandby(on: boolean): void;
  /** Removes the session's cgroups; call once its processes are gone. */
  remove(): Promise<void>;
}

/** What the runner may do with cgroups here. */
export interface Cgroups {
  readonly version: 1 | 2;
  /**
   * Creates the cgroups of a new session, its limits written: on standby
   * from the start with `standby`; with `check`, a Check's sandbox, weighing
   * limits.checkCpuWeight among the sessions instead of a session's weight.
   * Off the event loop (see groupOps).
   */
  create(limits: Limits, opts?: CgroupCreateOptions): Promise<SessionCgroup>;
  /** Removes the runner's (empty) session groups: at exit. */
  dispose(): void;
  /**
   * Moves `pid`, a process of the runner's own (a JDK tool), out of the
   * runner's CPU group where it was born, back to the group the runner
   * came from.
   */
  leaveRunnerGroup(pid: number): void;
  /**
   * Moves `pid`, the runner's forker, into the terminals' relays' CPU group
   * (the relays it forks are born there), once the runner's own group is
   * made: at once if it is, or with the first session.
   */
  holdRelays(pid: number): void;
}

/** What a new session group is for (Cgroups.create). */
export interface CgroupCreateOptions {
  standby?: boolean;
  check?: boolean;
}

export type CgroupSetup = { ok: true; cgroups: Cgroups } | { ok: false; why: string };

export interface CgroupOptions {
  /** Where the cgroup file systems are mounted (tests: a temp dir). */
  fsRoot?: string;
  /** The text of /proc/self/cgroup (tests); read from /proc otherwise. */
  selfCgroup?: string;
  /** Name of the runner's group (tests); `socklab-<pid>` otherwise. */
  name?: string;
}

const V1_CONTROLLERS = ['memory', 'pids', 'cpu'] as const;
const V2_CONTROLLERS = ['memory', 'pids', 'cpu'];
/** How long a session's cgroup may stay busy (its last tasks exiting) before it is left behind. */
const REMOVE_TIMEOUT_MS = 3000;
const OUR_GROUP = /^socklab-(\d+)(?:-runner|-relays)?$/;
/** A session's CPU weight among the sessions, on v2's scale: a nice-0 thread's, each version's default. */
const SESSION_WEIGHT = 100;
/** A group's CPU weight on standby: each version's minimum (v1 cpu.shares, v2 cpu.weight). */
const STANDBY = { v1Shares: 2, v2Weight: 1 };

/** A group's usual CPU weight among the sessions, on v2's scale. */
const usualWeight = (limits: Limits, opts: CgroupCreateOptions) => (opts.check ? limits.checkCpuWeight : SESSION_WEIGHT);

/**
 * Sets up the runner's cgroups when it may: v1 when the memory, pids and cpu
 * hierarchies are mounted and writable, else v2 when the runner's group
 * offers those controllers and is writable. Never throws: `why` says what
 * is missing.
 */
export function setupCgroups(opts: CgroupOptions = {}): CgroupSetup {
  const fsRoot = opts.fsRoot ?? '/sys/fs/cgroup';
  const groups = cgroupsOf('self', opts.selfCgroup);
  const name = opts.name ?? `socklab-${process.pid}`;
  const v1 = V1_CONTROLLERS.every((c) => groups.has(c) && existsSync(join(fsRoot, c, 'cgroup.procs')));
  try {
    if (v1) return { ok: true, cgroups: new V1Cgroups(fsRoot, groups, name) };
    const path = groups.get('');
    if (path !== undefined && existsSync(join(fsRoot, 'cgroup.controllers'))) {
      const group = join(fsRoot, path);
      const offered = readFileSync(join(group, 'cgroup.controllers'), 'utf8').split(/\s+/);
      const missing = V2_CONTROLLERS.filter((c) => !offered.includes(c));
      if (missing.length) return { ok: false, why: `the runner's cgroup (v2, ${path}) does not offer ${missing.join(', ')}: run it as root or in a delegated subtree (systemd-run --user --scope -p Delegate=yes)` };
      return { ok: true, cgroups: new V2Cgroups(group, path === '/', name) };
    }
    return { ok: false, why: 'no cgroup v1 memory/pids/cpu hierarchies and no cgroup v2 here' };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint = e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS' ? ' (run as root, or with cgroup v2 in a delegated subtree: systemd-run --user --scope -p Delegate=yes)' : '';
    return { ok: false, why: `cannot create cgroups: ${e.message}${hint}` };
  }
}

class V1Cgroups implements Cgroups {
  readonly version = 1 as const;
  private readonly bases: Record<(typeof V1_CONTROLLERS)[number], string>;
  private readonly baseFiles = new BaseFiles();
  /** The group the runner came from in the cpu hierarchy, and the runner's CPU group below it. */
  private readonly cpuGroup: string;
  private readonly runnerGroup: string;
  private readonly relaysGroup: string;
  /** Whether the runner is in its CPU group (null: not tried yet). */
  private runnerMoved: boolean | null = null;
  /** The forker, to move into relaysGroup once it is made. */
  private forker: number | null = null;
  private next = 1;

  constructor(fsRoot: string, groups: Map<string, string>, name: string) {
    const base = (c: (typeof V1_CONTROLLERS)[number]) => join(fsRoot, c, groups.get(c)!, name);
    this.bases = { memory: base('memory'), pids: base('pids'), cpu: base('cpu') };
    this.cpuGroup = join(fsRoot, 'cpu', groups.get('cpu')!);
    this.runnerGroup = `${this.bases.cpu}-runner`;
    this.relaysGroup = `${this.bases.cpu}-relays`;
    for (const dir of Object.values(this.bases)) {
      removeStaleGroups(join(dir, '..'));
      mkdirSync(dir, { recursive: true });
    }
  }

  async create(limits: Limits, opts: CgroupCreateOptions = {}): Promise<SessionCgroup> {
    const name = `s${this.next++}`;
    this.weighRunner(limits);
    const dirs = V1_CONTROLLERS.map((c) => join(this.bases[c], name));
    const [memory, pids, cpu] = dirs as [string, string, string];
    const usual = v1Shares(usualWeight(limits, opts));
    // A new group has the default weight, a session's: written only when it differs.
    const shares = opts.standby ? STANDBY.v1Shares : usual !== v1Shares(SESSION_WEIGHT) ? usual : null;
    await madeAll(dirs, [
      // The sessions' group as a whole weighs this much against the runner's (weighRunner) and whatever else is beside them (1024 = a nice-0 thread).
      this.baseFiles.write(join(this.bases.cpu, 'cpu.shares'), v1Shares(limits.sessionsCpuWeight)),
      // All sessions together: the per-session limits alone add up to more than the machine has.
      this.baseFiles.write(join(this.bases.memory, 'memory.limit_in_bytes'), limits.sessionsMemoryBytes),
      this.baseFiles.write(join(this.bases.pids, 'pids.max'), limits.sessionsTasks),
      (async () => {
        // Every group first: a group that cannot be made leaves nothing written in the others.
        await allDone(dirs.map((dir) => groupOps.mkdir(dir)));
        await allDone([
          (async () => {
            // Before the swap limit: v1 refuses a memsw limit below the group's memory limit.
            await groupOps.writeFile(join(memory, 'memory.limit_in_bytes'), String(limits.sessionMemoryBytes));
            // Swap (where accounted) must not become a way around the limit.
            await writeIfPresent(join(memory, 'memory.memsw.limit_in_bytes'), limits.sessionMemoryBytes);
          })(),
          // v1 counts socket buffers apart from the rest, and only once this is set.
          writeIfPresent(join(memory, 'memory.kmem.tcp.limit_in_bytes'), limits.sessionTcpMemoryBytes),
          groupOps.writeFile(join(pids, 'pids.max'), String(limits.sessionTasks)),
          shares === null ? null : groupOps.writeFile(join(cpu, 'cpu.shares'), String(shares)),
        ]);
      })(),
    ]);
    return sessionCgroup(dirs, 'tasks', (on) => write(join(cpu, 'cpu.shares'), on ? STANDBY.v1Shares : v1Shares(usualWeight(limits, opts))));
  }

  /**
   * Moves the runner's process (every thread: cgroup.procs) into a CPU
   * group of its own weighing limits.runnerCpuWeight, on the first session,
   * and makes the relays' group beside it, weighing the same. Where that is
   * not allowed the runner goes on as it was and says so once.
   */
  private weighRunner(limits: Limits): void {
    if (this.runnerMoved !== null) return;
    this.runnerMoved = false;
    try {
      for (const group of [this.runnerGroup, this.relaysGroup]) {
        mkdirSync(group, { recursive: true });
        write(join(group, 'cpu.shares'), v1Shares(limits.runnerCpuWeight));
      }
      write(join(this.runnerGroup, 'cgroup.procs'), process.pid);
      this.runnerMoved = true;
    } catch (err) {
      removeDirNow(this.runnerGroup);
      removeDirNow(this.relaysGroup);
      console.warn(`socklab: the runner keeps the CPU weight of the group it started in (${(err as Error).message})`);
      return;
    }
    if (this.forker !== null) this.holdRelays(this.forker);
  }

  holdRelays(pid: number): void {
    this.forker = pid;
    if (this.runnerMoved) moveIfThere(this.relaysGroup, pid);
  }

  leaveRunnerGroup(pid: number): void {
    if (this.runnerMoved) moveIfThere(this.cpuGroup, pid);
  }

  dispose(): void {
    for (const dir of Object.values(this.bases)) removeTree(dir);
    if (!this.runnerMoved) return;
    // A group with a process in it cannot be removed: the runner and its forker go back first (one left behind: the next runner removes it).
    for (const [pid, group] of [[process.pid, this.runnerGroup], [this.forker, this.relaysGroup]] as const) {
      if (pid !== null) moveIfThere(this.cpuGroup, pid);
      removeDirNow(group);
    }
  }
}

/** Moves process `pid` into `group`; one that has ended meanwhile has nothing to move. */
function moveIfThere(group: string, pid: number): void {
  try {
    write(join(group, 'cgroup.procs'), pid);
  } catch {
    /* ended meanwhile */
  }
}

/** v2 cpu.weight, within its range. */
function v2Weight(weight: number): number {
  return Math.min(10_000, Math.max(1, Math.round(weight)));
}

/** v1 cpu.shares for a weight on v2's scale (100 = 1024, a nice-0 thread). */
function v1Shares(weight: number): number {
  return Math.max(2, Math.min(262_144, Math.round((weight * 1024) / 100)));
}

class V2Cgroups implements Cgroups {
  readonly version = 2 as const;
  private readonly base: string;
  /** The leaf the runner was moved to (null: it stays at the root of its cgroup namespace). */
  private readonly runnerLeaf: string | null;
  /** The leaf of the forker and its relays, beside the runner's (null: beside none). */
  private relaysLeaf: string | null = null;
  private forker: number | null = null;
  private runnerWeighed = false;
  private next = 1;
  private readonly baseFiles = new BaseFiles();

  constructor(group: string, isRoot: boolean, name: string) {
    const enable = V2_CONTROLLERS.map((c) => `+${c}`).join(' ');
    // "No internal processes": move the runner's group members into a leaf
    // of their own before handing controllers down (the root is exempt).
    let leaf: string | null = null;
    if (!isRoot) {
      const members = readFileSync(join(group, 'cgroup.procs'), 'utf8').split(/\s+/).filter(Boolean);
      if (members.length) {
        leaf = join(group, 'socklab-runner');
        mkdirSync(leaf, { recursive: true });
        for (const pid of members) {
          try {
            writeFileSync(join(leaf, 'cgroup.procs'), pid);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err; // ended meanwhile
          }
        }
      }
    }
    this.runnerLeaf = leaf;
    write(join(group, 'cgroup.subtree_control'), enable);
    removeStaleGroups(group);
    this.base = join(group, name);
    mkdirSync(this.base, { recursive: true });
    write(join(this.base, 'cgroup.subtree_control'), enable);
  }

  async create(limits: Limits, opts: CgroupCreateOptions = {}): Promise<SessionCgroup> {
    if (!this.runnerWeighed) {
      this.runnerWeighed = true;
      try {
        if (!this.runnerLeaf) throw new Error('it is at the root of its cgroup namespace');
        write(join(this.runnerLeaf, 'cpu.weight'), v2Weight(limits.runnerCpuWeight));
        const relays = join(this.runnerLeaf, '..', 'socklab-relays');
        mkdirSync(relays, { recursive: true });
        write(join(relays, 'cpu.weight'), v2Weight(limits.runnerCpuWeight));
        this.relaysLeaf = relays;
      } catch (err) {
        console.warn(`socklab: the runner keeps the CPU weight of the group it started in (${(err as Error).message})`);
      }
      if (this.forker !== null) this.holdRelays(this.forker);
    }
    const dir = join(this.base, `s${this.next++}`);
    const usual = v2Weight(usualWeight(limits, opts));
    // A new group has the default weight, a session's: written only when it differs.
    const weight = opts.standby ? STANDBY.v2Weight : usual !== SESSION_WEIGHT ? usual : null;
    await madeAll([dir], [
      this.baseFiles.write(join(this.base, 'cpu.weight'), v2Weight(limits.sessionsCpuWeight)),
      // All sessions together: the per-session limits alone add up to more than the machine has.
      this.baseFiles.write(join(this.base, 'memory.max'), limits.sessionsMemoryBytes),
      this.baseFiles.write(join(this.base, 'pids.max'), limits.sessionsTasks),
      (async () => {
        await groupOps.mkdir(dir);
        await allDone([
          // v2's memory.max counts shared memory, tmpfs pages, kernel memory and socket buffers alike.
          groupOps.writeFile(join(dir, 'memory.max'), String(limits.sessionMemoryBytes)),
          writeIfPresent(join(dir, 'memory.swap.max'), 0),
          groupOps.writeFile(join(dir, 'pids.max'), String(limits.sessionTasks)),
          weight === null ? null : groupOps.writeFile(join(dir, 'cpu.weight'), String(weight)),
        ]);
      })(),
    ]);
    return sessionCgroup([dir], 'cgroup.procs', (on) => write(join(dir, 'cpu.weight'), on ? STANDBY.v2Weight : v2Weight(usualWeight(limits, opts))));
  }

  leaveRunnerGroup(): void {
    /* the runner shares its leaf with what was in its group: nothing to leave */
  }

  holdRelays(pid: number): void {
    this.forker = pid;
    if (this.relaysLeaf) moveIfThere(this.relaysLeaf, pid);
  }

  dispose(): void {
    removeTree(this.base);
  }
}

function sessionCgroup(dirs: string[], joinFile: 'tasks' | 'cgroup.procs', weigh: (standby: boolean) => void): SessionCgroup {
  const joinFiles = dirs.map((d) => join(d, joinFile));
  return {
    joinFiles,
    setStandby: (on) => {
      try {
        weigh(on);
      } catch {
        // The group is gone (the session ended): nothing left to weigh.
      }
    },
    // The shell joins, then becomes the command: everything it starts is born inside.
    prefix: () => ['/bin/sh', '-c', 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 126; shift; done; shift; exec "$@"', 'socklab-cgroup', ...joinFiles, '--'],
    remove: async () => {
      const deadline = Date.now() + REMOVE_TIMEOUT_MS;
      for (const dir of dirs) {
        // A group is busy while its last tasks are still exiting.
        while (!(await removeDir(dir)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

function write(file: string, value: string | number): void {
  writeFileSync(file, String(value));
}

/**
 * A session group's own file operations (made, limits written, removed),
 * run on libuv's threads rather than the event loop. Each takes the
 * kernel's one cgroup lock, shared with every other cgroup change on the
 * machine; beside 10 students on a busy machine a removal held the event
 * loop (every keystroke's echo) for up to 2 s, a creation for 1.3 s.
 */
const groupOps = { mkdir, rmdir, writeFile };

/**
 * Writes a control file that only some kernels have (swap accounting, v1 TCP
 * accounting): cgroupfs refuses to create a missing one (EACCES, EPERM).
 */
async function writeIfPresent(file: string, value: number): Promise<void> {
  try {
    await groupOps.writeFile(file, String(value));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EACCES' && code !== 'EPERM') throw err;
  }
}

/**
 * The limits of all sessions together (the runner's sessions group), written
 * only when they change: every create wrote the same values again, each one
 * more trip through libuv's threadpool on the way to a new sandbox.
 */
class BaseFiles {
  private readonly written = new Map<string, string>();

  async write(file: string, value: number): Promise<void> {
    const text = String(value);
    if (this.written.get(file) === text) return;
    await groupOps.writeFile(file, text);
    this.written.set(file, text);
  }
}

/**
 * Waits for the steps that make a session's groups, run side by side: one
 * after the other, each a trip through libuv's threadpool, they took 5-6 ms
 * of every sandbox made back to back on this loaded 2-core machine. When one
 * failed, removes the groups and throws its error.
 */
async function madeAll(dirs: string[], steps: Promise<unknown>[]): Promise<void> {
  try {
    await allDone(steps);
  } catch (err) {
    for (const dir of dirs) await removeDir(dir);
    throw err;
  }
}

/** Waits for all of `steps`, then throws the first one's error if any failed (a mkdir still on its way would outlive a removal). */
async function allDone(steps: (Promise<unknown> | null)[]): Promise<void> {
  const failed = (await Promise.allSettled(steps)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** rmdir; true when the directory is gone. */
function removeDirNow(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** rmdir off the event loop; true when the directory is gone. */
async function removeDir(dir: string): Promise<boolean> {
  try {
    await groupOps.rmdir(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * Every group below `dir`, the deepest first. A runner's groups hold its
 * sessions' one level down, but a runner started from inside another's CPU
 * group (a test's or the bench's process, which its own runner moved there)
 * makes its whole tree below that group: left behind, such trees piled up,
 * hundreds of empty groups that a removal one level deep never took.
 */
function groupsBelow(dir: string): string[] {
  let names: string[] = [];
  try {
    names = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(dir, d.name));
  } catch {
    return [];
  }
  return names.flatMap((d) => [...groupsBelow(d), d]);
}

/** Removes a runner group's (empty) groups below it, then the group; true when it is gone. */
function removeTree(dir: string): boolean {
  for (const group of groupsBelow(dir)) removeDirNow(group);
  return removeDirNow(dir);
}

/**
 * Groups of runners that died without cleaning up (their pid is gone), and
 * whatever of their sessions is left in them: a runner killed while it made
 * a sandbox leaves bwrap waiting for ever for a child that died with it
 * (seen after a bench's runner was stopped).
 */
function removeStaleGroups(parent: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const m = OUR_GROUP.exec(name);
    if (!m || Number(m[1]) === process.pid || processStatus(Number(m[1])) !== null) continue;
    const dir = join(parent, name);
    if (killLeftIn(dir)) {
      // Killed processes leave their group a moment later: look a few times (once, at the runner's start).
      const nap = new Int32Array(new SharedArrayBuffer(4));
      for (let i = 0; i < STALE_REMOVE_TRIES && !removeTree(dir); i++) Atomics.wait(nap, 0, 0, 10);
    } else removeTree(dir);
  }
}

/** How many times (10 ms apart) a dead runner's group whose processes were just killed is tried. */
const STALE_REMOVE_TRIES = 50;

/** SIGKILLs every process left in a group and the groups below it (by the pids the kernel lists there); whether there was one. */
function killLeftIn(dir: string): boolean {
  let killed = false;
  for (const group of [...groupsBelow(dir), dir]) {
    let procs = '';
    try {
      procs = readFileSync(join(group, 'cgroup.procs'), 'utf8');
    } catch {
      continue;
    }
    for (const pid of procs.split('\n').filter(Boolean).map(Number)) {
      try {
        process.kill(pid, 'SIGKILL');
        killed = true;
      } catch {
        // gone meanwhile
      }
    }
  }
  return killed;
}

let runnerSetup: CgroupSetup | null = null;

/**
 * The runner's cgroups, set up on first use (the backend choice, at start).
 * Where the runner may not create any it says so once, and sessions keep
 * their per-process limits only.
 */
export function runnerCgroups(): Cgroups | null {
  if (!runnerSetup) {
    const setup = setupCgroups();
    runnerSetup = setup;
    if (setup.ok) process.once('exit', () => setup.cgroups.dispose());
    else console.warn(`socklab: no per-session cgroups (${setup.why}); each program keeps its own limits only`);
  }
  return runnerSetup.ok ? runnerSetup.cgroups : null;
}

/**
 * Moves `pid`, a process of the runner's own (never a student's), out of
 * the runner's CPU group where it was born; nothing where there is none.
 */
export function leaveRunnerGroup(pid: number | undefined): void {
  if (pid !== undefined && runnerSetup?.ok) runnerSetup.cgroups.leaveRunnerGroup(pid);
}

/** Moves `pid`, the runner's forker, into the relays' CPU group (Cgroups.holdRelays); nothing where there is none. */
export function holdRelays(pid: number | undefined): void {
  if (pid !== undefined && runnerSetup?.ok) runnerSetup.cgroups.holdRelays(pid);
}
