/**
 * The `host` backend: plain child processes under the launcher, for one
 * person on a laptop where user namespaces are not available. There is no
 * isolation (the student's code runs as the runner's user, on the host's
 * loopback), so the runner shows a warning, allows one session, and refuses
 * to serve anyone but localhost.
 */
import { constants, openSync, writeSync, closeSync, fchownSync, mkdtempSync, chmodSync, chownSync, rmSync } from 'node:fs';
import net, { type Server, type Socket } from 'node:net';
import dgram, { type Socket as UdpSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Limits } from '../limits.ts';
import { en } from '../../protocol/i18n/en.ts';
import { isBound, readSocketTable, type SocketEntry } from './socket-table.ts';
import { getRuntime, launcherLimits, studentEnv } from './runtime.ts';
import { dropTo, releaseUid, runningAsRoot, takeUid } from './uids.ts';
import { pidsOfUid } from './procfs.ts';
import { SandboxError, type Sandbox, type SpawnOptions, type SpawnPlan } from './types.ts';
import { isWorkPath, readTarOf } from './tar.ts';

/** The runner's own (English) words for WarningCode.no_sandbox, from the course's catalog so the page and the log agree. */
export const HOST_WARNING = en['warning.no_sandbox'];

export async function createHostSandbox(limits: Limits): Promise<Sandbox> {
  return new HostSandbox(limits);
}

class HostSandbox implements Sandbox {
  readonly backend = 'host' as const;
  readonly pid = process.pid;
  readonly ended: Promise<void>;
  private end!: () => void;
  private closed = false;
  private readonly dir: string;
  private readonly uid = runningAsRoot ? takeUid() : null;

  constructor(private readonly limits: Limits) {
    this.dir = mkdtempSync(join(tmpdir(), 'socklab-host-'));
    chmodSync(this.dir, 0o700);
    if (this.uid !== null) chownSync(this.dir, this.uid, this.uid);
    this.ended = new Promise((r) => (this.end = r));
  }

  spawnPlan(argv: string[], exitTag: string, opts: SpawnOptions = {}): SpawnPlan {
    const full = [
      ...dropTo(this.uid),
      getRuntime().launcher,
      ...(opts.waitGo ? ['--wait-go', '1'] : []),
      ...launcherLimits(this.limits),
      '--',
      ...argv,
    ];
    return {
      file: full[0]!,
      args: full.slice(1),
      cwd: this.dir,
      env: studentEnv(process.env.PATH ?? '/usr/bin:/bin', this.dir, exitTag),
    };
  }

  async writeFiles(files: { name: string; content: string | Uint8Array }[]): Promise<void> {
    if (this.closed) throw new SandboxError('the session has ended');
    for (const f of files) {
      // Names are flat (validated); O_NOFOLLOW refuses a planted symlink.
      const path = join(this.dir, f.name);
      rmSync(path, { force: true });
      const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
      try {
        writeSync(fd, typeof f.content === 'string' ? Buffer.from(f.content, 'utf8') : f.content);
        if (this.uid !== null) fchownSync(fd, this.uid, this.uid);
      } finally {
        closeSync(fd);
      }
    }
  }

  async readFiles(dir: string, maxBytes: number): Promise<{ name: string; content: Buffer }[]> {
    if (this.closed) throw new SandboxError('the session has ended');
    if (!isWorkPath(dir)) throw new SandboxError(`not a folder of the work dir: ${dir}`);
    // tar stores a planted symlink as a link (never what it points to); unpackTar leaves links out.
    return readTarOf([...dropTo(this.uid), 'tar', '-c', '-f', '-', '-C', join(this.dir, dir), '.'], maxBytes);
  }

  sockets(): Promise<SocketEntry[]> {
    return readSocketTable('self');
  }

  async isBound(port: number, protocol: 'tcp' | 'udp'): Promise<boolean> {
    return isBound(await this.sockets(), port, protocol);
  }

  connectTcp(port: number, host: '127.0.0.1' | '::1' = '127.0.0.1', timeoutMs = 5000): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port });
      const timer = setTimeout(() => { s.destroy(); reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })); }, timeoutMs);
      s.once('connect', () => { clearTimeout(timer); resolve(s); });
      s.once('error', (e) => { clearTimeout(timer); reject(e); });
    });
  }

  openUdp(type: 'udp4' | 'udp6' = 'udp4'): Promise<UdpSocket> {
    return new Promise((resolve, reject) => {
      const s = dgram.createSocket(type);
      s.once('error', reject);
      s.bind(0, type === 'udp6' ? '::1' : '127.0.0.1', () => resolve(s));
    });
  }

  bindUdp(port: number): Promise<UdpSocket> {
    return new Promise((resolve, reject) => {
      const s = dgram.createSocket('udp4');
      s.once('error', reject);
      s.bind(port, '127.0.0.1', () => resolve(s));
    });
  }

  listenTcp(port: number): Promise<Server> {
    return new Promise((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      // Loopback only: the host backend never listens beyond this machine.
      server.listen({ port, host: '127.0.0.1' }, () => resolve(server));
    });
  }

  prepareSockets(): void {
    // The runner's own sockets: nothing to start.
  }

  captureCommand(): null {
    // The host's loopback is everyone's: capturing it would show other people's traffic, and needs privileges.
    return null;
  }

  setLoss(): Promise<void> {
    return Promise.reject(new SandboxError('network conditions need the bwrap sandbox (this runner has none)'));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Each launcher ends what its program left (it is their subreaper); a
    // launcher the runner had to kill could not. As root the session has a
    // uid of its own: whatever still runs as it is the session's.
    if (this.uid !== null) {
      for (const pid of pidsOfUid(this.uid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
    if (this.uid !== null) releaseUid(this.uid);
    this.end();
  }
}
