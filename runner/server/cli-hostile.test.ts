/**
 * The CLI against what an instructor may be handed (issue 8, finding 5 and
 * "hostile input at the CLI"): `socklab grade` with no working sandbox
 * refuses unless told --sandbox host, and a folder holding a link to /etc,
 * a 1 GB file, a FIFO or nothing at all is refused with a message, exit 2.
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serveChild } from '../../test/support/serve-child.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const SOLUTION = join(ROOT, 'labs/02-tcp-echo/solution/python');

function socklab(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 90_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/socklab.js', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SOCKLAB_DEBUG: '', ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`socklab ${args.join(' ')} did not finish within ${timeoutMs} ms: ${out}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const scratch = mkdtempSync(join(tmpdir(), 'socklab-cli-'));
chmodSync(scratch, 0o755);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A PATH whose first `bwrap` fails the way a user-namespace restriction makes it fail. */
function brokenBwrapPath(): string {
  const bin = join(scratch, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'bwrap'), '#!/bin/sh\necho "bwrap: setting up uid map: Permission denied" >&2\nexit 1\n');
  chmodSync(bin, 0o755);
  chmodSync(join(bin, 'bwrap'), 0o755);
  return `${bin}:${process.env.PATH}`;
}

describe('socklab grade without a working sandbox', () => {
  it('refuses with exit 2 and says how to enable user namespaces', async () => {
    const r = await socklab(['grade', 'tcp-echo', SOLUTION], { PATH: brokenBwrapPath() });
    expect(r.code).toBe(2);
    expect(r.out).toContain('refusing to grade without a sandbox');
    expect(r.out).toContain('setting up uid map: Permission denied');
    expect(r.out).toContain('apt-get install bubblewrap');
    expect(r.out).toContain('sysctl kernel.unprivileged_userns_clone=1');
    expect(r.out).toContain('sysctl kernel.apparmor_restrict_unprivileged_userns=0');
    expect(r.out).toContain('--sandbox host');
    expect(r.out).not.toMatch(/Grading|✓|\n\s+at /);
  });

  it('grades on the host when --sandbox host is given explicitly', async () => {
    // One role's checks show the grade ran, and passed, on the host.
    const r = await socklab(['grade', 'tcp-echo', SOLUTION, '--sandbox', 'host', '--only', 'client'], { PATH: brokenBwrapPath() });
    expect(r.out).toContain('Grading tcp-echo');
    expect(r.out).toMatch(/[1-9]\d* passed, 0 failed/);
    expect(r.code).toBe(0);
  }, 120_000);

  it('refuses --wire with --sandbox host: no network of its own to capture, exit 2 before grading', async () => {
    const r = await socklab(['grade', 'tcp-echo', SOLUTION, '--sandbox', 'host', '--wire'], { PATH: brokenBwrapPath() }, 30_000);
    expect(r.code).toBe(2);
    expect(r.out).toContain('--wire needs the sandbox');
    expect(r.out).not.toMatch(/Grading|✓|\n\s+at /);
  });

  it('serve keeps its loopback fallback with a warning, and refuses anything else', async () => {
    const runner = await serveChild([], { PATH: brokenBwrapPath() });
    try {
      expect(runner.log()).toMatch(/warning: No sandbox/);
      expect(runner.log()).toContain('sandbox: host');
    } finally {
      expect(await runner.stop()).toBe(0);
    }
    const r = await socklab(['serve', '--host', '0.0.0.0', '--port', '1', '--site', ROOT], { PATH: brokenBwrapPath() });
    expect(r.code).toBe(2);
    expect(r.out).toContain('refusing to serve 0.0.0.0 without a sandbox');
    expect(r.out).toContain('kernel.apparmor_restrict_unprivileged_userns=0');
  }, 60_000);
});

describe('socklab grade on a hostile folder', () => {
  /** A folder holding the solution's server.py plus `extra`. */
  const folder = (name: string, extra: (dir: string) => void) => {
    const dir = join(scratch, name);
    mkdirSync(dir);
    copyFileSync(join(SOLUTION, 'server.py'), join(dir, 'server.py'));
    extra(dir);
    return dir;
  };
  const cases: [string, (dir: string) => void, RegExp][] = [
    ['a symlink to /etc', (d) => symlinkSync('/etc', join(d, 'etc')), /etc is a symbolic link/],
    ['a symlink to /etc/passwd named like a program', (d) => symlinkSync('/etc/passwd', join(d, 'client.py')), /client\.py is a symbolic link/],
    ['a 1 GB file (sparse)', (d) => {
      writeFileSync(join(d, 'big.py'), '');
      truncateSync(join(d, 'big.py'), 1024 ** 3);
    }, /big\.py is 1073741824 bytes; a file may be at most \d+/],
    ['a FIFO', (d) => execFileSync('mkfifo', [join(d, 'client.py')]), /client\.py is not a plain file/],
    // The name itself would set the terminal's title and clear its screen if printed as it is.
    ['a link whose name is escape sequences', (d) => symlinkSync('/etc/hostname', join(d, 'a\x1b]0;PWNED\x07\x1b[2J')), /a\\x1b\]0;PWNED\\x07\\x1b\[2J is a symbolic link/],
  ];
  for (const [what, make, message] of cases) {
    it(`refuses a folder with ${what}: a clear message, exit 2`, async () => {
      const r = await socklab(['grade', 'tcp-echo', folder(what.replace(/\W+/g, '-'), make)], {}, 30_000);
      expect(r.out).toMatch(message);
      expect(r.out).not.toMatch(/Grading|\n\s+at /);
      expect(r.out).not.toMatch(/[\x07\x1b]/);
      expect(r.code).toBe(2);
    });
  }

  it('refuses a folder with no files, and a folder that is not there', async () => {
    const empty = join(scratch, 'empty');
    mkdirSync(empty);
    const r = await socklab(['grade', 'tcp-echo', empty], {}, 30_000);
    expect(r.out).toMatch(/holds none of server\.py, client\.py/);
    expect(r.code).toBe(2);
    const missing = await socklab(['grade', 'tcp-echo', join(scratch, 'nope')], {}, 30_000);
    expect(missing.out).toMatch(/is not a folder/);
    expect(missing.code).toBe(2);
    // In Korean, as the rest of a Korean grade.
    const ko = await socklab(['grade', 'tcp-echo', empty, '--locale', 'ko'], {}, 30_000);
    expect(ko.out).toMatch(/폴더에 다음 파일이 하나도 없습니다: server\.py, client\.py/);
    expect(ko.code).toBe(2);
  });
});
