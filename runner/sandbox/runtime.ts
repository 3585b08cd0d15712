/**
 * Files every sandbox needs from the host, prepared once per runner in a
 * world-readable folder of its own: the launcher, the holder, the agent, and the few
 * /etc files a program expects (hosts, passwd, group). The project folder
 * itself may sit in a home directory that a sandbox uid cannot read.
 */
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureAgent, ensureCapture, ensureHolder, ensureJoin, ensureLauncher } from './build-launcher.js';
import type { Limits } from '../limits.ts';
import { executableId, processName, processTree } from './procfs.ts';

export interface Runtime {
  dir: string;
  /**
   * The folder a session's holder binds read-only at /.socklab, in one
   * mount (bwrap reads the whole mount table for each it makes, and every
   * program's bwrap reads the holder's mounts again): the launcher, the
   * holder, the /proc masks, and the mount points net/ and java/.
   */
  sandboxDir: string;
  launcher: string;
  /** The trusted socket agent (agent.c), run in a session's network namespace by the runner, never by student code. */
  agent: string;
  /** The wire view's packet reader (capture.c), run in a session's namespaces by the runner, never by student code. */
  capture: string;
  /** Enters a session's cgroups, uid and namespaces, then runs a command (join.c): the runner's own, never the student's. */
  join: string;
  /**
   * The sandbox's /etc, bound read-only in one mount: the runtime's own
   * hosts, passwd, group and nsswitch.conf, and an empty file or folder for
   * each of `hostEtc` to be bound over.
   */
  etcDir: string;
  /** The host's /etc entries every sandbox sees (HOST_ETC that existed when the runtime was made). */
  hostEtc: string[];
  /** What a program reads instead of host-wide /proc files (see PROC_MASKS). */
  masks: { empty: string; loadavg: string; zero: string };
  /** SANDBOX_NODE_PACKAGES and their dependencies, bound read-only at /node_modules. */
  nodeModules: string;
}

/**
 * The npm packages a student's JavaScript may import, as if they had run
 * `npm install` (the sandbox has no network). They come from the project's
 * own dependencies; Node's ESM resolution finds them at /node_modules from
 * /work (NODE_PATH does not apply to ES modules).
 */
export const SANDBOX_NODE_PACKAGES = ['express', 'ws'] as const;

/**
 * Python packages a student may import besides the standard library: Debian
 * packages the host installs (.ci/run, README), seen through the read-only /usr.
 */
// Also named in the notice.missing_library words (protocol/i18n) and lab 06's lesson.
export const SANDBOX_PYTHON_PACKAGES = ['aiohttp', 'fastapi', 'uvicorn', 'websockets'] as const;

/**
 * /proc files that show the host or other sessions (boot command line, the
 * machine's load and process count, ptys and file handles in use
 * machine-wide, disk, interrupt and paging counters), and the runtime file
 * each program reads in their place. /proc/stat, /proc/meminfo and
 * /proc/uptime stay: language runtimes read them (CPU count and load,
 * memory for heap sizing), and a false answer there would break programs.
 */
export const PROC_MASKS: [procFile: string, mask: keyof Runtime['masks']][] = [
  ['/proc/cmdline', 'empty'],
  ['/proc/loadavg', 'loadavg'],
  ['/proc/sys/kernel/pty/nr', 'zero'],
  ['/proc/sys/fs/file-nr', 'zero'],
  ['/proc/diskstats', 'empty'],
  ['/proc/interrupts', 'empty'],
  ['/proc/vmstat', 'empty'],
];

/**
 * The host's /etc entries a sandbox sees (bound over the runtime's own /etc,
 * Runtime.etcDir), where they exist: what the dynamic linker, time zones,
 * TLS and Java (/etc/java-<version>-openjdk) read. One that appears later
 * is seen from the next runner's start on.
 */
const HOST_ETC = ['ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'alternatives', 'localtime', 'mime.types', 'ssl', ...['11', '17', '21', '25'].map((v) => `java-${v}-openjdk`)];

/** The runtime's folder of what a session's holder binds at /.socklab (Runtime.sandboxDir). */
const SANDBOX_DIR = 'sandbox';

let runtime: Runtime | null = null;

/**
 * Prepares (once) and returns the runtime folder. Its name carries a hash of
 * its contents, so every runner process of this version shares one folder
 * (test workers and CLI runs are often killed before any exit hook could
 * clean up a folder of their own) and a new version gets a new one.
 */
export function getRuntime(): Runtime {
  if (runtime && existsSync(runtime.dir)) return runtime;
  const here = dirname(fileURLToPath(import.meta.url));
  const files: [name: string, content: Buffer, mode: number][] = [
    [`${SANDBOX_DIR}/launch`, readFileSync(ensureLauncher()), 0o755],
    ['socklab-agent', readFileSync(ensureAgent()), 0o755],
    ['socklab-join', readFileSync(ensureJoin()), 0o755],
    ['socklab-capture', readFileSync(ensureCapture()), 0o755],
    [`${SANDBOX_DIR}/holder`, readFileSync(ensureHolder()), 0o755],
    // localhost may resolve to ::1 first, as LABS.md warns students.
    ['etc/hosts', Buffer.from('127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\tsandbox\n'), 0o644],
    ['etc/passwd', Buffer.from('root:x:0:0:root:/root:/usr/sbin/nologin\nstudent:x:1000:1000:student:/work:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n'), 0o644],
    ['etc/group', Buffer.from('root:x:0:\nstudent:x:1000:\nnogroup:x:65534:\n'), 0o644],
    ['etc/nsswitch.conf', Buffer.from('passwd: files\ngroup: files\nhosts: files\n'), 0o644],
    [`${SANDBOX_DIR}/empty`, Buffer.alloc(0), 0o644],
    [`${SANDBOX_DIR}/loadavg`, Buffer.from('0.00 0.00 0.00 1/1 1\n'), 0o644],
    [`${SANDBOX_DIR}/zero`, Buffer.from('0\n'), 0o644],
  ];
  // Mount points inside read-only folders, made here: where the holder mounts the network's sysctls and the JDK's
  // archive (bwrap.ts), and where the host's /etc entries go (a file over a file, a folder over a folder).
  const mountPoints = [`${SANDBOX_DIR}/net`, `${SANDBOX_DIR}/java`];
  const hostEtc = HOST_ETC.filter((name) => existsSync(`/etc/${name}`));
  for (const name of hostEtc) {
    if (statSync(`/etc/${name}`).isDirectory()) mountPoints.push(`etc/${name}`);
    else files.push([`etc/${name}`, Buffer.alloc(0), 0o644]);
  }
  const projectModules = realpathSync(join(here, '..', '..', 'node_modules'));
  const packages = packageClosure(projectModules, SANDBOX_NODE_PACKAGES);
  const hash = createHash('sha256');
  for (const [name, content, mode] of files) hash.update(`${name}\0${mode}\0`).update(content);
  for (const name of mountPoints) hash.update(`dir\0${name}\0`);
  for (const [name, version] of packages) hash.update(`npm\0${name}\0${version}\0`);
  const uid = process.getuid?.() ?? 0;
  const dir = join(tmpdir(), `socklab-runtime-${uid}-${hash.digest('hex').slice(0, 16)}`);
  const path = (name: string) => join(dir, name);
  if (!ownedFolder(dir, uid)) {
    const staging = mkdtempSync(join(tmpdir(), 'socklab-staging-'));
    for (const name of [...mountPoints, ...files.map(([file]) => dirname(file))]) {
      mkdirSync(join(staging, name), { recursive: true });
      // Past any umask: the sandbox's uid reads them.
      for (const dir of [name, dirname(name)]) chmodSync(join(staging, dir), 0o755);
    }
    for (const [name, content, mode] of files) {
      writeFileSync(join(staging, name), content, { mode });
      chmodSync(join(staging, name), mode);
    }
    for (const [name] of packages) {
      cpSync(join(projectModules, name), join(staging, 'node_modules', name), { recursive: true, dereference: true });
    }
    chmodSync(staging, 0o755);
    try {
      renameSync(staging, dir);
    } catch {
      // Another runner made it first (or a stranger squats the name).
      rmSync(staging, { recursive: true, force: true });
      if (!ownedFolder(dir, uid)) throw new Error(`socklab: ${dir} exists but is not a folder of this user; remove it`);
    }
  }
  runtime = {
    dir,
    sandboxDir: path(SANDBOX_DIR),
    launcher: path(`${SANDBOX_DIR}/launch`),
    agent: path('socklab-agent'),
    join: path('socklab-join'),
    capture: path('socklab-capture'),
    etcDir: path('etc'),
    hostEtc,
    masks: { empty: path(`${SANDBOX_DIR}/empty`), loadavg: path(`${SANDBOX_DIR}/loadavg`), zero: path(`${SANDBOX_DIR}/zero`) },
    nodeModules: path('node_modules'),
  };
  return runtime;
}

/**
 * The top-level folders of `modules` (a project's node_modules) that `roots`
 * need, with their versions: each package's `dependencies`, resolved as Node
 * does (its own nested node_modules first, then upwards). A package nested
 * inside another is copied with it, so only top-level ones are listed.
 */
function packageClosure(modules: string, roots: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  const seen = new Set<string>();
  const visit = (name: string, from: string) => {
    let dir = from;
    let pkgDir: string | null = null;
    for (;;) {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) { pkgDir = candidate; break; }
      if (dir === dirname(modules) || dir === dirname(dir)) break;
      dir = dirname(dir);
    }
    if (!pkgDir) {
      // Every other lab still runs: only imports of this package fail (with the missing_library notice).
      console.warn(`socklab: the npm package ${name} is not installed, so students cannot import it; run npm install`);
      return;
    }
    if (seen.has(pkgDir)) return;
    seen.add(pkgDir);
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version?: string; dependencies?: Record<string, string> };
    if (dirname(pkgDir) === modules || dirname(dirname(pkgDir)) === modules && name.startsWith('@')) found.set(name, pkg.version ?? '');
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, pkgDir);
  };
  for (const name of roots) visit(name, dirname(modules));
  return new Map([...found].sort(([a], [b]) => a.localeCompare(b)));
}

/** A real folder (not a symlink) owned by `uid` that only its owner can write. */
export function ownedFolder(dir: string, uid: number): boolean {
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && st.uid === uid && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** Host paths that must appear read-only inside every sandbox. */
export function systemBinds(): string[] {
  const binds: string[] = [];
  const bindIfExists = (path: string) => {
    if (existsSync(path)) binds.push('--ro-bind', path, path);
  };
  binds.push('--ro-bind', '/usr', '/usr');
  for (const top of ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32']) {
    const path = `/${top}`;
    if (!existsSync(path)) continue;
    // Merged-/usr systems have /bin -> usr/bin; keep the symlink shape.
    if (lstatSync(path).isSymbolicLink()) binds.push('--symlink', `usr/${top}`, path);
    else binds.push('--ro-bind', path, path);
  }
  const rt = getRuntime();
  binds.push('--ro-bind', rt.etcDir, '/etc');
  for (const name of rt.hostEtc) bindIfExists(`/etc/${name}`);
  // A Node.js outside /usr (nvm, a tarball) must be visible too.
  const nodePrefix = dirname(dirname(process.execPath));
  if (!process.execPath.startsWith('/usr/')) bindIfExists(nodePrefix);
  return binds;
}

/** PATH inside the sandbox. */
export function sandboxPath(): string {
  const nodeBin = dirname(process.execPath);
  const base = '/usr/local/bin:/usr/bin:/bin';
  return process.execPath.startsWith('/usr/') ? base : `${nodeBin}:${base}`;
}

/**
 * The launcher's limit flags (see launch.c) for a student program. The
 * process limit is left to the caller: on `bwrap` it bounds the session's
 * user namespace, on `host` it would count all of the user's processes.
 *
 * What RLIMIT_DATA does not bound: shared memory. A MAP_SHARED anonymous
 * mapping is shmem, not data (one process touched 1 GiB of it under a
 * 256 MiB data limit here), and RLIMIT_AS is not set (Node and Java need a
 * large address space). Nothing bounds it but the machine's memory (the
 * kernel's OOM killer) — not even the session's process count, since one
 * process can map as much as it likes. Only a memory cgroup per session
 * would. The tmpfs mounts (/work, /tmp, /dev/shm) are bounded by size.
 */
export function launcherLimits(l: Limits): string[] {
  return [
    '--data', String(l.sandboxDataBytes),
    '--fsize', String(l.sandboxFileBytes),
    '--nofile', String(l.sandboxOpenFiles),
    '--cpu', String(l.sandboxCpuSeconds),
    '--core', '0',
    '--nice', String(l.sandboxNice),
  ];
}

/** The environment of a student program: nothing of the runner's. */
export function studentEnv(path: string, home: string, exitTag: string): Record<string, string> {
  return { PATH: path, HOME: home, LANG: 'C.UTF-8', TERM: 'xterm-256color', PYTHONDONTWRITEBYTECODE: '1', SOCKLAB_EXIT_TAG: exitTag };
}

/**
 * Host pids of the student's program and everything below it, in the
 * process tree under `root` (the pty's outermost process): the launcher is
 * left out, and so is every process above it (bwrap). []
 * once the launcher is gone.
 *
 * The launcher is the first process of the tree, parents first, that runs
 * the launcher binary: the program and its children all come after it (they
 * are below it), so a program that runs a copy of the launcher or names
 * itself like it is never taken for it.
 */
export async function programPids(root: number): Promise<number[]> {
  const st = await stat(getRuntime().launcher);
  const launcher = `${st.dev}:${st.ino}`;
  for (const pid of await processTree(root)) {
    if (await isLauncher(pid, launcher)) return (await processTree(pid)).slice(1);
  }
  return [];
}

/**
 * Whether `pid` runs the launcher binary (`id`: its "dev:ino"). Compared by
 * file identity, since its path differs with the backend (bwrap binds it at
 * /.socklab/launch). Reading /proc/<pid>/exe of the non-dumpable launcher
 * needs ptrace rights the runner has as root or as the owner of the
 * sandbox's user namespace; where it has not (the `host` backend, not root)
 * the name the launcher gives itself decides.
 */
async function isLauncher(pid: number, id: string): Promise<boolean> {
  try {
    return (await executableId(pid)) === id;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EACCES') return false; // gone, or a kernel thread
    return (await processName(pid)) === 'socklab-launch';
  }
}
