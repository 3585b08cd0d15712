/**
 * The runner's sandbox made ahead (sandbox-ahead.ts) is replaced after a
 * taken one's program has printed its first byte, not while that program
 * is still being started: "running" is announced as the go is written,
 * before the exec, and a sandbox made then (process starts that stop the
 * event loop, CPU the program needs) delayed that very byte (bench
 * first-byte). A real runner, real bwrap sandbox; the backend's create is
 * watched (a spy that passes every call through), not replaced.
 */
import { afterAll, expect, it, vi } from 'vitest';
import { Runner } from './runner.ts';
import type { Session } from './session.ts';
import { SANDBOXES_AHEAD } from './sandbox-ahead.ts';

const runner = new Runner({ sandboxAhead: true });
let session: Session | null = null;
afterAll(async () => {
  await session?.close();
  await runner.close();
}, 20_000);

it('makes the next sandbox once the first program has printed, not when it is announced running', async () => {
  if (runner.backend.name !== 'bwrap') return expect(runner.backend.name).toBe('host'); // no sandbox made ahead without bwrap
  const create = vi.spyOn(runner.backend, 'create');
  const atRunning: number[] = [];
  let printed: () => void;
  const firstByte = new Promise<void>((r) => (printed = r));
  session = await runner.open('tcp-echo', 'python', '127.0.0.1', {
    output: () => printed(),
    // What has been asked of the backend just after the announcement (the runner's own reaction to it is synchronous).
    proc: (info) => void (info.state === 'running' && queueMicrotask(() => atRunning.push(create.mock.calls.length))),
    notice: () => {},
    wire: () => {},
  });
  expect(create).toHaveBeenCalledTimes(1); // none was ready: made for this session
  session.setFiles([{ name: 'server.py', content: "print('up', flush=True)\nimport time\ntime.sleep(30)\n" }]);
  void session.run(0).catch(() => {}); // it never listens: its readiness wait ends with the session
  await firstByte;
  expect(atRunning).toEqual([1]);
  // Then the two kept ahead (SANDBOXES_AHEAD), one after the other, and no more.
  await expect.poll(() => create.mock.calls.length, { timeout: 10_000 }).toBe(1 + SANDBOXES_AHEAD);
  await new Promise((r) => setTimeout(r, 300));
  expect(create).toHaveBeenCalledTimes(1 + SANDBOXES_AHEAD);
}, 30_000);
