import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveLimits } from '../limits.ts';
import { warmForker } from './forker.ts';
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
