/**
 * The student's page in the grader's Chromium (h.openPage), for real: lab
 * 6's server in a bwrap sandbox serving a hostile page that reaches for the
 * grader's own loopback (a runner would be there) and for a hard-coded
 * localhost:4000. The page reaches its own server only, nothing else (nor
 * any UDP port through WebRTC, in either Chromium the grader runs); the
 * grade's checks share one browser, each page in a context of its own; a
 * browser that crashes is replaced for the next check; the browser is gone,
 * by pid, once the grade is over (cancelled mid-check too), or once released
 * by the grade while no check uses it; a grade whose
 * browser no check uses gives its turn to a grade that waits; and a machine
 * without Chromium fails the check plainly instead of passing it. Two
 * Chromiums, one after the other (the second after the first crashed).
 * And the runner's browser made ahead (browser-ahead.ts): taken by a grade
 * instead of starting one, replaced when it dies, retired unused, and gone
 * once closed.
 */
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync, readlinkSync, statfsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { readLabFiles, loadLabs } from '../labs/load.ts';
import { resolveLimits } from '../limits.ts';
import { chooseBackend } from '../sandbox/index.ts';
import { CheckFailure, GradeHarness } from './harness.ts';
import { HEADLESS_SHELL, launchGraderChromium } from './harness/chromium.ts';
import { BrowserAhead } from './harness/browser-ahead.ts';
import { GradeBrowser, GradeOver } from './harness/grade-browser.ts';
import { graderSay } from './messages.ts';
import { graderChromiums, procs } from '../../test/support/grader-chromiums.ts';

const lab = loadLabs().find((l) => l.meta.id === 'websocket-chat')!;
const limits = resolveLimits();
const say = graderSay('en');

/** A server on the grader's loopback that counts whoever reaches it. */
let hits = 0;
const host: Server = createServer((_req, res) => {
  hits++;
  res.end('leaked');
});
host.on('upgrade', (_req, socket) => {
  hits++;
  socket.destroy();
});
afterAll(() => new Promise<void>((r) => host.close(() => r())));

it('opens pages from the sandbox in one browser per grade, lets them reach nothing else, replaces a crashed browser, ends it by pid with the grade, and fails plainly without Chromium', async () => {
  await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
  const hostPort = (host.address() as AddressInfo).port;
  const page = `<!doctype html><meta charset="utf-8"><ul id="log"></ul><script>
const log = (t) => document.getElementById('log').append(Object.assign(document.createElement('li'), { textContent: t }));
const tries = [
  fetch('messages').then((r) => r.json()).then((h) => log('own ' + h.length)),
  fetch('http://127.0.0.1:${hostPort}/').then(() => log('LEAK http'), () => log('refused http')),
  fetch('http://localhost:4000/messages').then(() => log('LEAK localhost'), () => log('refused localhost')),
  // Its own host with its server's port: behind the preview that reaches nothing, so here neither.
  fetch('http://' + location.hostname + ':4000/messages').then(() => log('LEAK port'), () => log('refused port')),
  new Promise((done) => { const ws = new WebSocket('ws://' + location.hostname + ':4000/ws'); ws.onopen = () => done(log('LEAK ws port')); ws.onerror = () => done(log('refused ws port')); }),
  new Promise((done) => { const ws = new WebSocket('ws://127.0.0.1:${hostPort}/ws'); ws.onopen = () => done(log('LEAK ws')); ws.onerror = () => done(log('refused ws')); }),
];
Promise.all(tries).then(() => log('done'));
</script>`;
  const sandbox = await chooseBackend('bwrap').create(limits);
  // One grade: its checks share `grade`, as the engine's do.
  const grade = new GradeBrowser(limits);
  const check = (studentFiles?: string[]) => new GradeHarness({ lab, lang: 'javascript', role: 'server', sandbox, limits, browser: grade, ...(studentFiles ? { studentFiles } : {}) });
  const h = check(['server.js', 'public/index.html']);
  const checks = [h];
  const seen: { pid: number; profile: string }[] = [];
  try {
    const files = [...readLabFiles(lab, 'solution', 'javascript')].filter(([name]) => !name.startsWith('public/')).map(([name, content]) => ({ name, content }));
    await sandbox.writeFiles([...files, { name: 'public/index.html', content: page }]);
    await h.start('server');
    expect(h.submitted('public/index.html')).toBe(true);
    expect(h.submitted('public/client.js')).toBe(false);

    const saved = process.env.CHROMIUM;
    process.env.CHROMIUM = '/nonexistent/chromium';
    // A check of its own: a check opens one page at most.
    const without = check();
    const missing = await without.openPage(4000).catch((err: unknown) => err);
    await without.dispose();
    if (saved === undefined) delete process.env.CHROMIUM;
    else process.env.CHROMIUM = saved;
    expect(missing).toBeInstanceOf(CheckFailure);
    expect((missing as CheckFailure).message).toBe(say('browser.none', { path: '/nonexistent/chromium' }));
    expect((missing as CheckFailure).details.hint).toBe(say('hint.browser'));
    // Checks that open no page start no browser.
    expect(graderChromiums()).toEqual([]);
    expect(grade.pids).toEqual([]);

    const web = await h.openPage(4000);
    await expect(h.openPage(4000)).rejects.toThrow(/one page/);
    expect(web.status).toBe(200);
    expect(web.url).toBe('http://page.test/');
    await web.page.waitForFunction(() => document.body.innerText.includes('done'), null, { timeout: 10_000 });
    const text = await web.page.evaluate(() => document.body.innerText);
    expect(text).toContain('own 0');
    expect(text).not.toContain('LEAK');
    expect(hits).toBe(0);
    expect(web.requests).toContain('GET /messages');
    expect(web.refused).toEqual(expect.arrayContaining([`http://127.0.0.1:${hostPort}/`, 'http://localhost:4000/messages', `ws://127.0.0.1:${hostPort}/ws`, 'http://page.test:4000/messages', 'ws://page.test:4000/ws']));
    expect(web.loads).toBe(1);
    const first = graderChromiums();
    expect(first).toHaveLength(1);
    seen.push(...first);
    expect(grade.pids).toEqual([first[0]!.pid]);
    // The browser leads its own process group, its renderers in it.
    const group = procs().filter((p) => p.pgrp === first[0]!.pid);
    expect(group.length).toBeGreaterThan(1);
    // None of them runs in the runner's CPU group (this process's, at the runner's weight): a student's page is not the runner.
    const runnerGroup = readFileSync(`/proc/${process.pid}/cgroup`, 'utf8');
    for (const p of group) expect(readFileSync(`/proc/${p.pid}/cgroup`, 'utf8')).not.toBe(runnerGroup);
    expect(h.transcript.entries.some((e) => e.text === say('log.pageRefused', { url: 'http://localhost:4000/messages' }))).toBe(true);
    await web.page.evaluate(() => {
      localStorage.setItem('left', 'by the first check');
      document.cookie = 'left=1; max-age=600';
    });

    // A second check of the grade: the same browser process, a context of its own (nothing of the first's), confined as the first.
    const h2 = check(['server.js', 'public/index.html']);
    checks.push(h2);
    const web2 = await h2.openPage(4000);
    expect(graderChromiums()).toEqual(first);
    expect(grade.pids).toEqual([first[0]!.pid]);
    expect(web2.page.context()).not.toBe(web.page.context());
    await web2.page.waitForFunction(() => document.body.innerText.includes('done'), null, { timeout: 10_000 });
    expect(await web2.page.evaluate(() => [localStorage.getItem('left'), document.cookie])).toEqual([null, '']);
    expect(await web2.page.evaluate(() => document.body.innerText)).not.toContain('LEAK');
    expect(hits).toBe(0);
    // Two windows, and nothing but their pages: no omnibox popup of each window's own (the profile's flags).
    const cdp = await web2.page.context().browser()!.newBrowserCDPSession();
    const targets = (await cdp.send('Target.getTargets')).targetInfos;
    await cdp.detach();
    expect(targets.filter((t) => t.type !== 'page')).toEqual([]);
    // The first check's end closes its page, not the grade's browser.
    await h.dispose();
    checks.shift();
    expect(web.page.isClosed()).toBe(true);
    expect(graderChromiums()).toEqual(first);

    // The browser crashes mid-check: that check's page fails; the next check gets another browser, the dead one's processes and profile gone.
    process.kill(first[0]!.pid, 'SIGKILL');
    await expect(web2.page.evaluate(() => document.title)).rejects.toThrow();
    const h3 = check(['server.js', 'public/index.html']);
    checks.push(h3);
    await h3.start('server'); // the first check's server ended with it
    const web3 = await h3.openPage(4000);
    expect(web3.status).toBe(200);
    expect(procs().filter((p) => p.pgrp === first[0]!.pid)).toEqual([]);
    expect(existsSync(first[0]!.profile)).toBe(false);
    const second = graderChromiums();
    expect(second).toHaveLength(1);
    expect(second[0]!.pid).not.toBe(first[0]!.pid);
    seen.push(...second);
    expect(grade.pids).toEqual([first[0]!.pid, second[0]!.pid]);

    // The grade ends (cancelled) while a check still has its page open: the browser goes with it, and no check opens one after.
    await grade.close();
    expect(graderChromiums()).toEqual([]);
    expect(procs().filter((p) => p.pgrp === second[0]!.pid)).toEqual([]);
    expect(existsSync(second[0]!.profile)).toBe(false);
    const h4 = check(['server.js', 'public/index.html']);
    checks.push(h4);
    await expect(h4.openPage(4000)).rejects.toBeInstanceOf(CheckFailure);
    expect(grade.pids).toHaveLength(2);
  } finally {
    for (const c of checks) await c.dispose();
    await grade.close();
    await sandbox.close();
  }
  expect(graderChromiums()).toEqual([]);
  for (const { pid, profile } of seen) {
    expect(procs().filter((p) => p.pgrp === pid)).toEqual([]);
    expect(existsSync(profile)).toBe(false);
  }
}, 150_000); // two Chromium starts, on a loaded machine

it("lets a page's WebRTC send no UDP of its own (no STUN request reaches the host, no candidate is gathered), in the headless shell and in chromium alike", async () => {
  const udp = createSocket('udp4');
  let stun = 0;
  udp.on('message', () => stun++);
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const html = `<!doctype html><script>
window.candidates = [];
const pc = new RTCPeerConnection({ iceServers: [{ urls: 'stun:127.0.0.1:${udp.address().port}' }] });
pc.createDataChannel('out');
pc.onicecandidate = (e) => candidates.push(e.candidate ? e.candidate.candidate : 'end');
pc.createOffer().then((o) => pc.setLocalDescription(o));
</script>`;
  // Stands for a check's page proxy: whatever the page asks for, it gets the page.
  const proxy = createServer((_req, res) => res.setHeader('content-type', 'text/html').end(html));
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const saved = process.env.CHROMIUM;
  try {
    const executables = [HEADLESS_SHELL, '/usr/bin/chromium'].filter((f) => existsSync(f));
    expect(executables.length).toBeGreaterThan(0);
    for (const executable of executables) {
      process.env.CHROMIUM = executable;
      const browser = await launchGraderChromium({ timeoutMs: limits.browserStartMs, heapMiB: limits.browserHeapMiB });
      try {
        const page = await (await browser.newContext((proxy.address() as AddressInfo).port)).newPage();
        await page.goto('http://page.test:4000/');
        // With no way out allowed, gathering ends at once; one that tries UDP waits on the STUN server.
        await page.waitForFunction(() => (window as unknown as { candidates: string[] }).candidates.includes('end'), null, { timeout: 3000, polling: 50 }).catch(() => {});
        expect([executable, await page.evaluate(() => (window as unknown as { candidates: string[] }).candidates)]).toEqual([executable, ['end']]);
      } finally {
        await browser.close();
      }
      expect([executable, stun]).toEqual([executable, 0]);
    }
  } finally {
    if (saved === undefined) delete process.env.CHROMIUM;
    else process.env.CHROMIUM = saved;
    proxy.close();
    udp.close();
  }
}, 60_000);

it('gives the browser turn of a grade that no check of it uses to a grade that waits, and starts nothing once the grade is over', async () => {
  // A Chromium that cannot start: the turns are what is proven here, no browser runs.
  const saved = process.env.CHROMIUM;
  process.env.CHROMIUM = '/nonexistent/chromium';
  const holders = Array.from({ length: limits.browsersAtOnce }, () => new GradeBrowser(limits));
  const waiter = new GradeBrowser(limits);
  try {
    // Every turn taken, each by a grade whose browser did not start and that no check uses now.
    for (const g of holders) {
      const failed = await g.browser().catch((err: unknown) => err);
      expect(failed).toBeInstanceOf(Error);
      expect(failed).not.toBeInstanceOf(GradeOver);
      expect(g.idle).toBe(true);
    }
    // The next grade gets one of their turns (were they kept, it would wait for ever).
    const failed = await waiter.browser().catch((err: unknown) => err);
    expect(failed).not.toBeInstanceOf(GradeOver);
    expect(waiter.idle).toBe(true);
    expect(holders.filter((g) => !g.idle)).toHaveLength(1);
  } finally {
    for (const g of [...holders, waiter]) await g.close();
    if (saved === undefined) delete process.env.CHROMIUM;
    else process.env.CHROMIUM = saved;
  }
  await expect(waiter.browser()).rejects.toBeInstanceOf(GradeOver);
  expect([...holders, waiter].flatMap((g) => g.pids)).toEqual([]);
  expect(graderChromiums()).toEqual([]);
}, 20_000);

it('starts the grade\'s browser ahead of a check that will open a page, and the check gets that one', async () => {
  const grade = new GradeBrowser(limits);
  try {
    await grade.warm();
    expect(grade.pids).toHaveLength(1);
    expect(graderChromiums().map((c) => c.pid)).toEqual(grade.pids);
    // The headless shell where it is installed, itself (not a script in front of it): the pid ended is the browser's.
    if (!process.env.CHROMIUM && existsSync(HEADLESS_SHELL)) expect(readlinkSync(`/proc/${grade.pids[0]}/exe`)).toBe(HEADLESS_SHELL);
    // Warmed, not in use: another grade that waits for a turn may take it.
    expect(grade.idle).toBe(true);
    const browser = await grade.browser();
    expect(browser.pid).toBe(grade.pids[0]);
    grade.done();
  } finally {
    await grade.close();
  }
  expect(graderChromiums()).toEqual([]);
  await grade.warm(); // the grade is over: nothing starts
  expect(grade.pids).toHaveLength(1);
  expect(graderChromiums()).toEqual([]);
}, 60_000);

it("ends the grade's browser once released while no check uses it, its profile with it (kept in memory where a tmpfs is), and a page after that starts another", async () => {
  const tmpfs = [tmpdir(), '/dev/shm'].some((dir) => { try { return statfsSync(dir).type === 0x01021994; } catch { return false; } });
  const grade = new GradeBrowser(limits);
  try {
    const first = await grade.browser();
    const [{ profile }] = graderChromiums() as [{ pid: number; profile: string }];
    if (tmpfs) expect(statfsSync(dirname(profile)).type).toBe(0x01021994);
    grade.release(); // a check uses it: kept
    expect(first.connected).toBe(true);
    grade.done();
    grade.release();
    for (let waited = 0; graderChromiums().length && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(graderChromiums()).toEqual([]);
    for (let waited = 0; existsSync(profile) && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(profile)).toBe(false);
    const second = await grade.browser();
    expect(grade.pids).toHaveLength(2);
    expect(second.pid).toBe(grade.pids[1]);
    grade.done();
  } finally {
    await grade.close();
  }
  expect(graderChromiums()).toEqual([]);
}, 60_000);

it("takes the runner's browser made ahead: made only after a first take, once the CPUs are idle; one that crashed while it waited is replaced; unused it retires; closed, it is gone", async () => {
  const ahead = new BrowserAhead(limits, 3000);
  const grades: GradeBrowser[] = [];
  const grade = () => {
    const g = new GradeBrowser(limits, ahead);
    grades.push(g);
    return g;
  };
  try {
    // Nothing is made before a Check has needed a browser.
    expect(await ahead.ready()).toBe(false);
    expect(graderChromiums()).toEqual([]);
    const first = grade();
    await first.browser();
    first.done();
    await first.close();
    // The first take found none (the grade started its own) and asked for the next.
    expect(await ahead.ready()).toBe(true);
    const [made] = graderChromiums() as [{ pid: number; profile: string }];
    expect(made.pid).not.toBe(first.pids[0]);
    const second = grade();
    expect((await second.browser()).pid).toBe(made.pid);
    expect(second.pids).toEqual([made.pid]);
    second.done();
    await second.close();
    expect(graderChromiums().map((c) => c.pid)).not.toContain(made.pid);

    // One made ahead that died while it waited is replaced by another, which the next grade gets.
    expect(await ahead.ready()).toBe(true);
    const [doomed] = graderChromiums() as [{ pid: number; profile: string }];
    process.kill(doomed.pid, 'SIGKILL');
    await expect.poll(() => graderChromiums().filter((c) => c.pid !== doomed.pid).length, { timeout: 15_000 }).toBe(1);
    expect(await ahead.ready()).toBe(true);
    const [replacement] = graderChromiums() as [{ pid: number; profile: string }];
    expect(replacement.pid).not.toBe(doomed.pid);
    expect(existsSync(doomed.profile)).toBe(false);
    const third = grade();
    const replaced = await third.browser();
    expect(replaced.pid).toBe(replacement.pid);
    expect(replaced.connected).toBe(true);
    third.done();
    await third.close();

    // Unused for its retireMs, the one made ahead is ended; none is made again until a take.
    expect(await ahead.ready()).toBe(true);
    await expect.poll(() => graderChromiums().length, { timeout: 10_000 }).toBe(0);
    expect(await ahead.ready()).toBe(false);
    expect(ahead.take()).toBeUndefined();
    expect(await ahead.ready()).toBe(true);
  } finally {
    await Promise.all(grades.map((g) => g.close()));
    await ahead.close();
  }
  expect(graderChromiums()).toEqual([]);
  expect(ahead.take()).toBeUndefined();
  expect(await ahead.ready()).toBe(false);
}, 90_000);

it('makes the next browser ahead after a take made right as one is ready, and leaves none when closed while one starts', async () => {
  const ahead = new BrowserAhead(limits);
  try {
    ahead.take();
    expect(await ahead.ready()).toBe(true);
    // In the very continuation of ready(): the next one must be due all the same.
    const taken = ahead.take()!;
    await taken.close();
    expect(await ahead.ready()).toBe(true);
    // Taken, and closed while its successor's Chromium starts.
    await ahead.take()!.close();
    await expect.poll(() => graderChromiums().length, { timeout: 15_000 }).toBe(1);
  } finally {
    await ahead.close();
  }
  expect(graderChromiums()).toEqual([]);
  expect(await ahead.ready()).toBe(false);
}, 60_000);

it('replaces a browser made ahead that dies while it waits only three times in a row: one that keeps dying is not restarted in a loop', async () => {
  const ahead = new BrowserAhead(limits);
  try {
    ahead.take();
    expect(await ahead.ready()).toBe(true);
    for (let death = 1; death <= 4; death++) {
      const [doomed] = graderChromiums() as [{ pid: number; profile: string }];
      process.kill(doomed.pid, 'SIGKILL');
      await expect.poll(() => graderChromiums().some((c) => c.pid === doomed.pid), { timeout: 10_000 }).toBe(false);
      if (death <= 3) {
        await expect.poll(() => graderChromiums().length, { timeout: 15_000 }).toBe(1);
        expect(await ahead.ready()).toBe(true);
      }
    }
    await new Promise((r) => setTimeout(r, 1000)); // a fifth would be looked for within IDLE_LOOK_MS
    expect(graderChromiums()).toEqual([]);
    expect(await ahead.ready()).toBe(false);
    // A take starts over.
    expect(ahead.take()).toBeUndefined();
    expect(await ahead.ready()).toBe(true);
  } finally {
    await ahead.close();
  }
  expect(graderChromiums()).toEqual([]);
}, 90_000);
