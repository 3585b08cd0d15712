/**
 * Files every sandbox needs from the host, prepared once per runner in a
 * world-readable folder of its own: the launcher, the agent, and the few
 * /etc files a program expects (hosts, passwd, group). The project folder
 * itself may sit in a home directory that a sandbox uid cannot read.
 */
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureLauncher } from './build-launcher.js';

export interface Runtime {
  dir: string;
  launcher: string;
  agent: string;
  etc: { hosts: string; passwd: string; group: string; nsswitch: string };
}

let runtime: Runtime | null = null;

/** Prepares (once) and returns the runtime folder. */
export function getRuntime(): Runtime {
  if (runtime && existsSync(runtime.dir)) return runtime;
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'socklab-runtime-'));
  chmodSync(dir, 0o755);
  const put = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o644 });
    return path;
  };
  const launcher = join(dir, 'socklab-launch');
  copyFileSync(ensureLauncher(), launcher);
  chmodSync(launcher, 0o755);
  const agent = join(dir, 'agent.mjs');
  copyFileSync(join(here, 'agent.js'), agent);
  chmodSync(agent, 0o644);
  runtime = {
    dir,
    launcher,
    agent,
    etc: {
      // localhost may resolve to ::1 first, as LABS.md warns students.
      hosts: put('hosts', '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\tsandbox\n'),
      passwd: put('passwd', 'root:x:0:0:root:/root:/usr/sbin/nologin\nstudent:x:1000:1000:student:/work:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n'),
      group: put('group', 'root:x:0:\nstudent:x:1000:\nnogroup:x:65534:\n'),
      nsswitch: put('nsswitch.conf', 'passwd: files\ngroup: files\nhosts: files\n'),
    },
  };
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return runtime;
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
  binds.push('--perms', '0755', '--dir', '/etc');
  for (const etc of ['/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/alternatives', '/etc/localtime', '/etc/mime.types', '/etc/ssl']) {
    bindIfExists(etc);
  }
  // Java reads its configuration from /etc/java-<version>-openjdk.
  for (const v of ['11', '17', '21', '25']) bindIfExists(`/etc/java-${v}-openjdk`);
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
