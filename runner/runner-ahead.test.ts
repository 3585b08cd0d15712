/**
 * What a serving runner makes ahead. The sandbox made ahead (sandbox-ahead.ts) is replaced after a
 * taken one's program has printed its first byte, not while that program
 * is still being started: "running" is announced as the go is written,
 * before the exec, and a sandbox made then (process starts that stop the
 * event loop, CPU the program needs) delayed that very byte (bench
 * first-byte). A real runner, real bwrap sandbox; the backend's create is
 * watched (a spy that passes every call through), not replaced. And the
 * browser made ahead (grader/harness/browser-ahead.ts): kept once a Check
 * has opened a page, and ended with the runner.
 */
import { afterAll, expect, it, vi } from 'vitest';
import { graderChromiums } from '../test/support/grader-chromiums.ts';
import { loadLabs, readLabFiles } from './labs/load.ts';
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

it('keeps a browser made ahead once a Check has opened a page, and ends it with the runner', async () => {
  const paged = new Runner({ browserAhead: true });
  if (paged.backend.name !== 'bwrap') {
    await paged.close();
    return expect(paged.backend.name).toBe('host'); // no Check of a lab with pages without bwrap
  }
  let chat: Session | null = null;
  try {
    chat = await paged.open('websocket-chat', 'python', '127.0.0.3', { output: () => {}, proc: () => {}, notice: () => {}, wire: () => {} });
    const lab = loadLabs().find((l) => l.meta.id === 'websocket-chat')!;
    chat.setFiles([...readLabFiles(lab, 'solution', 'python')].map(([name, content]) => ({ name, content })));
    expect(graderChromiums()).toEqual([]);
    const report = await paged.check(chat, undefined, {});
    expect(report.failed).toBe(0);
    // The Check's own browser ended with it; the one made ahead for the next Check runs.
    await expect.poll(() => graderChromiums().length, { timeout: 15_000 }).toBe(1);
  } finally {
    await chat?.close();
    await paged.close();
  }
  expect(graderChromiums()).toEqual([]);
}, 60_000);
