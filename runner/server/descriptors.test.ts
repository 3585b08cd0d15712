/**
 * A runner out of file descriptors (finding 2 of issue 8): with its
 * RLIMIT_NOFILE lowered from outside (prlimit) and every descriptor taken
 * by connections, requests fail one by one (503, or the connection is
 * closed) but the process lives, and once the connections go it serves
 * pages and runs sessions again.
 */
import { execFileSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startEchoProbe } from '../../test/support/echo-probe.ts';
import { serveChild, type ServedRunner } from '../../test/support/serve-child.ts';
import { TestClient } from '../../test/support/test-client.ts';

/** One keep-alive connection that GETs the index page; resolves with the status, or how it ended. */
function getOn(port: number, localAddress: string): Promise<{ socket: Socket; outcome: string }> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    let got = '';
    const done = (outcome: string) => {
      clearTimeout(timer);
      resolve({ socket, outcome });
    };
    const timer = setTimeout(() => done('no answer'), 1500);
    socket.on('connect', () => socket.write('GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    socket.on('data', (d) => {
      got += d.toString();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      if (m) done(m[1]!);
    });
    socket.on('error', () => done('error'));
    socket.on('close', () => done('closed'));
  });
}

describe('a runner out of file descriptors', () => {
  let runner: ServedRunner | null = null;
  afterAll(async () => {
    expect(await runner?.stop()).toBe(0);
  });

  it('fails single requests while descriptors are exhausted, never the process, and serves again once they are free', async () => {
    runner = await serveChild();
    const limit = runner.openFiles() + 80;
    // The soft limit only: the sandboxes it starts later may still set their own.
    execFileSync('prlimit', ['--pid', String(runner.pid), `--nofile=${limit}:`]);

    // A client connected before: its session must not be able to open now, and must be told why.
    const early = await TestClient.connect(runner.url, { ws: { localAddress: '127.0.3.1' } });
    await early.waitFor((m) => m.type === 'hello', 10_000);

    const held: Socket[] = [];
    const outcomes: string[] = [];
    try {
      // Distinct source addresses: the per-address bound must not be what stops them.
      for (let i = 0; i < limit + 20 && outcomes.slice(-10).filter((o) => o !== '200').length < 10; i++) {
        const { socket, outcome } = await getOn(runner.port, `127.0.2.${1 + (i % 250)}`);
        held.push(socket);
        outcomes.push(outcome);
      }
      expect(outcomes.slice(0, 10)).toEqual(Array(10).fill('200'));
      // Out of descriptors: the file could not be opened (503) or the connection was dropped at accept.
      expect(outcomes.slice(-10).every((o) => o !== '200')).toBe(true);
      expect(outcomes).toContain('503');

      early.send({ type: 'open', lab: 'tcp-echo', lang: 'python' });
      const refused = await early.waitFor((m) => m.type === 'error' || m.type === 'opened', 20_000);
      expect(refused).toMatchObject({ type: 'error', code: 'sandbox_failed' });
      expect(runner.child.exitCode).toBeNull();
    } finally {
      for (const s of held) s.destroy();
      await early.close();
    }

    // Descriptors free again: pages, sessions and echoes work, in the same process.
    await new Promise((r) => setTimeout(r, 500));
    const again = await getOn(runner.port, '127.0.2.251');
    again.socket.destroy();
    expect(again.outcome).toBe('200');
    const probe = await startEchoProbe(runner.url, '127.0.3.2');
    try {
      // That it serves (each echo within the probe's own wait), not how fast: that is the keys bench's.
      for (let i = 0; i < 20; i++) await probe.once();
    } finally {
      await probe.close();
    }
    expect(runner.child.exitCode).toBeNull();
    expect(runner.log()).not.toMatch(/\n\s+at /);
  }, 120_000);
});
