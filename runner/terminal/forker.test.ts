import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveLimits } from '../limits.ts';
import { childrenOf, processName } from '../sandbox/procfs.ts';
import { startPipedByForker, warmForker } from './forker.ts';
import { PtyProcess, type ProcessExit } from './pty-process.ts';

/** Runs a shell script on a terminal started by the forker: its output and exit. */
function run(script: string, viaForker = true): Promise<{ out: string; exit: ProcessExit; pid: number }> {
  return new Promise((resolve) => {
    let out = '';
    const term: PtyProcess = new PtyProcess({ file: '/bin/sh', args: ['-c', script], cwd: '/tmp', env: { PATH: '/usr/bin:/bin', TERM: 'dumb' } }, 'nomarker1', {
      limits: resolveLimits(),
      viaForker,
      onOutput: (d) => {
        term.ack(d.length);
        out += d.toString();
      },
      onExit: (exit) => resolve({ out: out.replace(/\r/g, ''), exit, pid: term.pid }),
    });
  });
}

/** The pid of this process's forker (warmed first). */
async function forkerPid(): Promise<number> {
  expect(await warmForker()).toBe(true);
  for (const pid of childrenOf(process.pid)) if ((await processName(pid)) === 'socklab-forker') return pid;
  throw new Error('no forker among this process\'s children');
}

/** Starts `script` on a terminal through the forker, collecting its output; the start's own time in ms. */
function startCollecting(script: string) {
  const result = { out: '', exit: null as ProcessExit | null, startMs: 0 };
  const t0 = performance.now();
  const term: PtyProcess = new PtyProcess({ file: '/bin/sh', args: ['-c', script], cwd: '/tmp', env: { PATH: '/usr/bin:/bin' } }, 'nomarker1', {
    limits: resolveLimits(),
    viaForker: true,
    onOutput: (d) => {
      term.ack(d.length);
      result.out += d.toString();
    },
    onExit: (exit) => (result.exit = exit),
  });
  result.startMs = performance.now() - t0;
  return { term, result };
}

const until = async (ok: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; !ok() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
  return ok();
};

const parentOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);

describe('programs started by the forker', () => {
  it('get the terminal as node-pty gives it (session, controlling terminal, settings, TERM, cwd), no other descriptor, and their exit status', async () => {
    expect(await warmForker()).toBe(true);
    const script = [
      'echo "tty=$(tty)"',
      'echo "term=$TERM pwd=$PWD"',
      // The shell leads its own session and the terminal is its controlling one: /dev/tty opens.
      'echo "sid=$(cut -d" " -f6 /proc/$$/stat) pid=$$" ; (: < /dev/tty) && echo ctty=yes',
      'echo "ppid=$PPID"',
      'echo "stty=$(stty -g)"',
      'echo "fds=$(ls /proc/$$/fd | sort -n | tr "\\n" " ")"',
      'exit 3',
    ].join('\n');
    const { out, exit } = await run(script);
    expect(out).toMatch(/^tty=\/dev\/pts\/\d+$/m);
    expect(out).toContain('term=xterm-256color pwd=/tmp');
    const [, sid, pid] = /sid=(\d+) pid=(\d+)/.exec(out)!;
    expect(sid).toBe(pid);
    expect(out).toContain('ctty=yes');
    // Its parent is the forker, not the runner.
    const ppid = Number(/ppid=(\d+)/.exec(out)![1]);
    expect(ppid).not.toBe(process.pid);
    expect(parentOf(ppid)).toBe(process.pid);
    // node-pty's terminal settings, every one of them.
    const settings = (text: string) => /^stty=(.*)$/m.exec(text)?.[1];
    expect(settings(out)).toBe(settings((await run('echo "stty=$(stty -g)"', false)).out));
    expect(settings(out)).toMatch(/^[0-9a-f:]+$/);
    // The shell's own: 0-2 on the terminal, and the one ls's $(...) reads through (no descriptor of the forker or runner).
    expect(out).toMatch(/^fds=0 1 2 (\d+ )?$/m);
    expect(exit).toEqual({ code: 3 });
  }, 30_000);

  it('reads and writes each terminal through a relay of its own: the runner holds no terminal, a new size arrives before what is typed after it, and an interrupt drops the output not yet read', async () => {
    expect(await warmForker()).toBe(true);
    const terminals = () => readdirSync('/proc/self/fd').filter((fd) => { try { return /^\/dev\/(ptmx|pts\/)/.test(readlinkSync(`/proc/self/fd/${fd}`)); } catch { return false; } }).length;
    const before = terminals();
    // Sized, then typed into, at once: the script prints the size it has once the line arrives.
    let out = '';
    const sized = await new Promise<ProcessExit>((resolve) => {
      const term: PtyProcess = new PtyProcess({ file: '/bin/sh', args: ['-c', 'read line; echo "got=$line size=$(stty size)"'], cwd: '/tmp', env: { PATH: '/usr/bin:/bin' } }, 'nomarker1', {
        limits: resolveLimits(),
        viaForker: true,
        onOutput: (d) => {
          term.ack(d.length);
          out += d.toString();
        },
        onExit: resolve,
      });
      void until(() => term.pid > 0, 5000).then(async () => {
        // The runner's event loop polls no terminal (the kernel made it sleep there beside floods): only the relay does.
        expect(terminals()).toBe(before);
        const relays = [];
        for (const pid of childrenOf(await forkerPid())) if ((await processName(pid)) === 'socklab-relay') relays.push(pid);
        expect(relays.length).toBeGreaterThan(0);
        term.resize(123, 45);
        term.write('hello\r');
      });
    });
    expect(sized).toEqual({ code: 0 });
    expect(out).toContain('got=hello size=45 123');

    // A flood nobody reads for a while, then Ctrl-C: what the program wrote before it is dropped as a terminal drops it,
    // the relay's share too, so little is drawn after the ^C (a relay holding a flood's 64 KiB showed 150-200 KiB).
    let unacked = 0;
    let afterInterrupt = -1;
    const flooded = await new Promise<ProcessExit>((resolve) => {
      const term: PtyProcess = new PtyProcess({ file: 'python3', args: ['-c', 'while True: print("x" * 199)'], cwd: '/tmp', env: { PATH: '/usr/bin:/bin' } }, 'nomarker1', {
        limits: resolveLimits(),
        viaForker: true,
        onOutput: (d) => {
          if (afterInterrupt >= 0) {
            afterInterrupt += d.length;
            term.ack(d.length);
          } else unacked += d.length;
        },
        onExit: resolve,
      });
      setTimeout(() => {
        expect(term.isPaused).toBe(true); // the runner's window is full: nothing is read meanwhile
        afterInterrupt = 0;
        term.write('\x03');
        term.ack(unacked);
      }, 1000);
    });
    expect(flooded.signal).toBe('SIGINT');
    expect(afterInterrupt).toBeGreaterThan(0); // the traceback, at least
    expect(afterInterrupt).toBeLessThan(64 * 1024);
  }, 30_000);

  it('ends the relay of a terminal the runner has let go of: a program that left a child holding it is reported ended, and nothing of the terminal is left', async () => {
    const forker = await forkerPid();
    const relays = async () => {
      const out: number[] = [];
      for (const pid of childrenOf(forker)) if ((await processName(pid)) === 'socklab-relay') out.push(pid);
      return out;
    };
    const before = await relays();
    // The shell ends at once; the sleep it left in the background (deaf to the hang-up) keeps the terminal open, printing nothing.
    const { exit, out } = await run('trap "" HUP; sleep 30 & echo "child=$!"');
    const child = Number(/child=(\d+)/.exec(out)![1]);
    try {
      expect(exit).toEqual({ code: 0 });
      // The runner closed its end of the output after the grace: the relay ends at once (it used to wait for the
      // program's next write to notice, for ever for one that prints nothing), and the terminal with it.
      let left = [-1];
      for (const end = Date.now() + 3000; left.length > 0 && Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
        left = (await relays()).filter((pid) => !before.includes(pid));
      }
      expect(left).toEqual([]);
    } finally {
      process.kill(child, 'SIGKILL');
    }
  }, 30_000);

  it('reports a program killed by a signal, and stops one on request', async () => {
    expect((await run('kill -TERM $$')).exit).toEqual({ code: 128 + 15, signal: 'SIGTERM' });
    const stopped = await new Promise<ProcessExit>((resolve) => {
      const term = new PtyProcess({ file: '/bin/sleep', args: ['30'], cwd: '/', env: { PATH: '/usr/bin:/bin' } }, 'nomarker1', {
        limits: resolveLimits(),
        viaForker: true,
        onOutput: () => {},
        onExit: resolve,
      });
      setTimeout(() => void term.stop(), 100);
    });
    expect(stopped).toEqual({ code: 128 + 9, signal: 'SIGKILL', reason: 'stopped' });
  }, 30_000);

  it('never holds the event loop while the forker is slow to answer: input typed and a stop asked meanwhile take effect once it has', async () => {
    const forker = await forkerPid();
    // A forker that cannot answer for 600 ms (as one waiting on the kernel's cgroup lock), let go from outside: a start that
    // waited for its answer would hold this process that long instead of failing the test by hanging it.
    process.kill(forker, 'SIGSTOP');
    const waker = spawn('/bin/sh', ['-c', `sleep 0.6; kill -CONT ${forker}`], { stdio: 'ignore' });
    try {
      const reader = startCollecting('read line; echo "got=$line"');
      const sleeper = startCollecting('sleep 30');
      expect(reader.result.startMs + sleeper.result.startMs).toBeLessThan(300);
      expect(reader.term.pid).toBe(0);
      reader.term.write('hello\r');
      const stopped = sleeper.term.stop();
      // The event loop goes on meanwhile.
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 20);
      await new Promise((r) => setTimeout(r, 300));
      clearInterval(ticker);
      expect(ticks).toBeGreaterThanOrEqual(5);
      // Killed (SIGKILL) as soon as it has its pid: the shell itself, or the sleep it started (then the shell's own 137).
      expect(await stopped).toMatchObject({ code: 128 + 9, reason: 'stopped' });
      expect(sleeper.term.pid).toBeGreaterThan(0);
      expect(await until(() => reader.result.exit !== null, 10_000)).toBe(true);
      expect(reader.result.out).toContain('got=hello');
      expect(reader.result.exit).toEqual({ code: 0 });
    } finally {
      process.kill(forker, 'SIGCONT');
      if (waker.exitCode === null) waker.kill('SIGKILL');
    }
  }, 30_000);

  it('starts through node-pty what the forker had not answered when it died', async () => {
    const forker = await forkerPid();
    process.kill(forker, 'SIGSTOP');
    // Killed from outside: a start that waited for its answer would hang this process rather than fail.
    const killer = spawn('/bin/sh', ['-c', `sleep 0.6; kill -KILL ${forker}`], { stdio: 'ignore' });
    try {
      const { term, result } = startCollecting('echo "ppid=$PPID"; exit 5');
      expect(result.startMs).toBeLessThan(300);
      expect(await until(() => result.exit !== null, 10_000)).toBe(true);
      expect(result.exit).toEqual({ code: 5 });
      // node-pty's fork of this process, not the forker's.
      expect(result.out).toContain(`ppid=${process.pid}`);
      expect(term.pid).toBeGreaterThan(0);
    } finally {
      if (killer.exitCode === null) killer.kill('SIGKILL');
    }
    // The next start has a forker again.
    expect(await forkerPid()).not.toBe(forker);
  }, 30_000);

  it('starts a program with pipes as its descriptors 0-3 and no other, sees the end of its input when the runner closes its own, and reports its exit', async () => {
    const forker = await forkerPid();
    const script = [
      'echo "ppid=$PPID"',
      // ls lists its own descriptors, which it has from the shell, plus the one it reads the list through (the lowest
      // free). A $(...) would show the shell's pipe for it, both ends while the shell has yet to close the one it gave away.
      'ls /proc/self/fd',
      'echo "info" >&3',
      'echo "oops" >&2',
      'cat',
      'echo "eof"',
      'exit 7',
    ].join('\n');
    const program = await startPipedByForker({ file: '/bin/sh', args: ['-c', script], cwd: '/tmp', env: { PATH: '/usr/bin:/bin' } });
    expect(program).not.toBeNull();
    const read = (stream: NodeJS.ReadableStream) => new Promise<string>((r) => { let text = ''; stream.on('data', (d: Buffer) => (text += d.toString())); stream.on('end', () => r(text)); });
    const [out, err, info] = [read(program!.stdout), read(program!.stderr), read(program!.fd3)];
    program!.stdin.end('typed\n');
    expect(await program!.exited).toEqual({ code: 7, signal: null });
    expect(program!.hasExited).toBe(true);
    // Its parent is the forker; 0-3 are its pipes, and it has no other (4 is ls's own).
    expect(await out).toBe(`ppid=${forker}\n0\n1\n2\n3\n4\ntyped\neof\n`);
    expect(await err).toBe('oops\n');
    expect(await info).toBe('info\n');
    const killed = await startPipedByForker({ file: '/bin/sleep', args: ['30'], cwd: '/', env: { PATH: '/usr/bin:/bin' } });
    killed!.kill();
    expect(await killed!.exited).toEqual({ code: null, signal: 'SIGKILL' });
  }, 30_000);

  it('keeps a runner with nothing else to do alive until it is ready and until a program\'s end is reported', () => {
    const dir = mkdtempSync(join(tmpdir(), 'socklab-forker-'));
    try {
      const here = resolve(import.meta.dirname);
      const script = join(dir, 'alone.mts');
      writeFileSync(script, `
        import { warmForker } from ${JSON.stringify(join(here, 'forker.ts'))};
        import { PtyProcess } from ${JSON.stringify(join(here, 'pty-process.ts'))};
        import { resolveLimits } from ${JSON.stringify(join(here, '..', 'limits.ts'))};
        console.log('ready', await warmForker());
        const exit = await new Promise((resolve) => new PtyProcess({ file: '/bin/sh', args: ['-c', 'exit 4'], cwd: '/', env: { PATH: '/usr/bin:/bin' } }, 'nomarker1', { limits: resolveLimits(), viaForker: true, onOutput: () => {}, onExit: resolve }));
        console.log('exit', JSON.stringify(exit));
      `);
      const r = spawnSync(process.execPath, [join(here, '..', '..', 'bin', 'run-ts.js'), script], { encoding: 'utf8', timeout: 20_000 });
      expect(r.stdout + r.stderr).toBe('ready true\nexit {"code":4}\n');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
