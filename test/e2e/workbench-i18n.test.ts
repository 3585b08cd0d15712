/**
 * The workbench in the page's language, its network switch, and a runner
 * restarted under a student's feet, in a real browser against real runners
 * (`socklab serve` children, real sandboxes and sockets):
 *   a. /ko/labs/tcp-echo/: the toolbar is Korean, the page opens its
 *      session with locale "ko", Run shows a Korean pane state, and a
 *      failing Check shows its rows with the workbench's Korean words;
 *   b. /labs/udp-echo/ with "Lose 30% of packets" on: the reference solution
 *      runs, and typing into clients one after another soon gives a client
 *      that prints "timed out" (the drop pattern repeats exactly every Run);
 *   c. the runner is killed (SIGKILL, by pid) while the student works: the
 *      page says within seconds that the runner stopped and the code is
 *      kept; a new runner on the same port is found by itself, the page says
 *      the session was lost, and Run works again with the edited code, with
 *      no reload;
 *   d. a runner at capacity (in this process, one place, taken): the page
 *      says the course is full and when it tries again, and gets in by
 *      itself once the place frees; its connection cut, the runner answers
 *      the reconnect with the ownership close code and the page says the
 *      session was lost and opens a new one.
 * On a failure each open page is saved as a screenshot under test-results/.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { descendantsOf, stillRunning, type ProcEntry } from '../support/test-client.ts';
import { launchChromium, ROOT, snapshotSite, startServe, type Served } from '../support/browser.ts';
import { startRunner } from '../support/in-process-runner.ts';
import { TestClient } from '../support/test-client.ts';

const RESULTS = join(ROOT, 'test-results');
const SHOTS = '/work/shots';

let SITE = '';
let served: Served;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  SITE = await snapshotSite(['index.html', 'labs/udp-echo/index.html', 'ko/labs/tcp-echo/index.html']);
  served = await startServe(SITE);
  browser = await launchChromium();
}, 200_000);

afterAll(async () => {
  await browser?.close().catch(() => {});
  await served?.stop();
  if (SITE) rmSync(SITE, { recursive: true, force: true });
}, 30_000);

/** A test with its own browser context, deadline, and screenshots when it fails. */
function e2e(name: string, timeoutMs: number, fn: (page: Page, context: BrowserContext) => Promise<void>): void {
  it(
    name,
    async () => {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      context.setDefaultTimeout(15_000);
      const page = await context.newPage();
      const log: string[] = [];
      page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => log.push(`pageerror: ${String(e)}`));
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          fn(page, context),
          new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`"${name}" took more than ${timeoutMs} ms`)), timeoutMs))),
        ]);
        expect(log.filter((l) => l.startsWith('pageerror:'))).toEqual([]);
      } catch (err) {
        const file = join(RESULTS, name.replace(/[^\w]+/g, '-').slice(0, 60));
        await page.screenshot({ path: `${file}.png`, fullPage: true, timeout: 5000 }).catch(() => {});
        console.error(`screenshot: ${file}.png\n${log.join('\n')}`);
        throw err;
      } finally {
        clearTimeout(timer);
        await context.close().catch(() => {});
      }
    },
    timeoutMs + 20_000,
  );
}

type Mounted = HTMLElement & { socklab?: { paneText(name: string): string; fileText(name: string): string } };

const paneText = (page: Page, name: string) => page.evaluate((n) => (document.querySelector('[data-socklab-workbench]') as Mounted).socklab?.paneText(n) ?? '', name);
const fileText = (page: Page, name: string) => page.evaluate((n) => (document.querySelector('[data-socklab-workbench]') as Mounted).socklab?.fileText(n) ?? '', name);
const pane = (page: Page, name: string) => page.locator(`.wb-pane[data-pane="${name}"]`);
const button = (page: Page, label: string) => page.locator('.wb-toolbar, .wb-filebar').getByRole('button', { name: new RegExp(`^.?${label}$`) });

/** Waits until a pane's terminal shows a line matching `line`; returns the pane's text. */
async function paneShows(page: Page, name: string, line: RegExp, timeout = 10_000): Promise<string> {
  try {
    await page.waitForFunction(
      ([n, src]) => new RegExp(src, 'm').test((document.querySelector('[data-socklab-workbench]') as Mounted).socklab?.paneText(n) ?? ''),
      [name, line.source] as const,
      { timeout },
    );
  } catch {
    throw new Error(`the "${name}" pane never showed ${line}; it shows:\n${await paneText(page, name)}`);
  }
  return paneText(page, name);
}

/** Opens a lab page and waits for an editable editor and a connected runner. */
async function openLab(page: Page, path: string, base = served.url): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.locator('[data-socklab-workbench]').scrollIntoViewIfNeeded();
  await page.locator('.wb .monaco-editor .view-lines').waitFor({ timeout: 30_000 });
  await page.locator('.wb[data-link="connected"]').waitFor({ timeout: 15_000 });
}

/** Replaces the code with the reference solution through the toolbar and its dialog. */
async function showSolution(page: Page, label = 'Show solution'): Promise<void> {
  await button(page, label).click();
  await page.locator('dialog.wb-dialog').getByRole('button', { name: label }).click();
}

async function typeInto(page: Page, name: string, text: string): Promise<void> {
  await pane(page, name).locator('.xterm').click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

describe('the workbench in Korean, its loss switch, and a runner restart', () => {
  e2e('a Korean student runs tcp-echo and a failing Check reads in Korean', 120_000, async (page) => {
    const opens: unknown[] = [];
    page.on('websocket', (ws) =>
      ws.on('framesent', (f) => {
        if (typeof f.payload === 'string' && f.payload.includes('"open"')) opens.push(JSON.parse(f.payload));
      }),
    );
    await openLab(page, '/ko/labs/tcp-echo/');
    const toolbar = page.locator('.wb-toolbar');
    for (const word of ['실행', '중지', '채점', '크게 보기', '언어', '패킷 30% 유실', '클라이언트 추가']) await expect(toolbar.textContent()).resolves.toContain(word);
    for (const word of ['Run', 'Stop', 'Check', 'Expand', 'Language', 'Lose', 'client']) await expect(toolbar.textContent()).resolves.not.toContain(word);
    await expect(page.locator('.wb-status-text').textContent()).resolves.toMatch(/^러너에 연결됨/);
    await expect(page.locator('.wb-help').textContent()).resolves.toContain('터미널에서 나오려면');

    // The starter as it is: it runs, and its pane states are Korean.
    await page.locator('.wb-wire > summary').click();
    await button(page, '실행').click();
    await pane(page, 'server').locator('.wb-pane-state', { hasText: '12000/tcp 리슨 중' }).waitFor({ timeout: 20_000 });
    await pane(page, 'client 1').locator('.wb-pane-state', { hasText: '실행 중: 한 줄 입력 후 Enter' }).waitFor({ timeout: 20_000 });
    expect(opens).toEqual([expect.objectContaining({ type: 'open', lab: 'tcp-echo', lang: 'python', locale: 'ko' })]);
    // The programs are named in Korean wherever the student reads them (the runner's names stay the page's keys).
    expect(await page.locator('.wb-pane-name').allTextContents()).toEqual(['서버', '클라이언트 1']);
    await expect(pane(page, 'client 1').getAttribute('aria-label')).resolves.toBe('클라이언트 1 터미널');
    await expect(pane(page, 'server').locator('.wb-pane-btn').getAttribute('title')).resolves.toBe('서버 프로그램을 현재 코드로 다시 시작합니다');
    // Hangul typed into a client goes through the starter's server and back, whole.
    await typeInto(page, 'client 1', '안녕 소켓');
    await paneShows(page, 'client 1', /^\[클라이언트 1: 종료됨 \(종료 코드 0\)\]$/);
    expect((await paneText(page, 'client 1')).match(/^안녕 소켓$/gm)).toHaveLength(2);
    // ... drawn as wide as the two cells the terminal gives each syllable, not letter-spaced (where this machine has a Korean monospace font).
    const widths = await page.evaluate(() => {
      // The pane's xterm, through the workbench the page hands to tests (its private parts, read only).
      type Peek = { terminals: { panes: Map<string, { term: { options: { fontFamily: string } } }> } };
      const family = (document.querySelector('[data-socklab-workbench]') as unknown as { socklab: Peek }).socklab.terminals.panes.get('client 1')!.term.options.fontFamily;
      const ctx = document.createElement('canvas').getContext('2d')!;
      const width = (text: string, font: string) => ((ctx.font = `13px ${font}`), ctx.measureText(text).width);
      return { hangul: width('가', family), twoCells: width('aa', family), korean: width('aa', "'Noto Sans Mono CJK KR', monospace") !== width('aa', 'monospace') };
    });
    // A Latin font's fallback drew 가 at 0.76 of its two cells here; Noto Sans Mono CJK KR at 0.92.
    if (widths.korean) expect(widths.hangul / widths.twoCells).toBeGreaterThan(0.85);
    await expect.poll(() => page.locator('.wb-wire-end strong').allTextContents()).toEqual(['서버', '클라이언트 1']);
    // A packet's fields: each name on one line beside its value (a Korean name has a space to wrap at).
    await page.locator('.wb-wire-row[data-len="14"]').first().click();
    const lines = await page.locator('.wb-wire-fields dt').evaluateAll((dts) =>
      dts.map((dt) => {
        const text = document.createRange();
        text.selectNodeContents(dt);
        return [dt.textContent, new Set([...text.getClientRects()].map((r) => Math.round(r.top))).size] as const;
      }),
    );
    expect(lines).toContainEqual(['보낸 쪽', 1]);
    expect(lines.filter(([, n]) => n > 1)).toEqual([]);
    await expect(page.locator('.wb-wire-detail').textContent()).resolves.toContain('클라이언트 1 127.0.0.1:');
    // The typed Hangul is readable in the packet too, not only as the hex dump's dots.
    await expect(page.locator('.wb-wire-text').textContent()).resolves.toBe('안녕 소켓\n');

    // The starter fails some checks: the rows and their story in the workbench's Korean.
    await button(page, '채점').click();
    await page.locator('.wb-checklist[data-verdict="fail"]').waitFor({ timeout: 90_000 });
    const summary = (await page.locator('.wb-check-summary').textContent())!;
    expect(summary).toMatch(/^통과 \d+개, 실패 \d+개.*\(\d+\.\d초\)$/);
    const failed = page.locator('.wb-check[data-status="failed"]').first();
    await expect(failed.locator('.sr-only').textContent()).resolves.toBe('실패:');
    expect(new Set(await page.locator('.wb-check-role').allTextContents())).toEqual(new Set(['서버:', '클라이언트:']));
    await expect(failed.locator('details summary').textContent()).resolves.toBe('실패한 이유');
    const story = (await failed.locator('.wb-check-body').textContent())!;
    expect(story).toMatch(/기대한 결과|힌트: |일어난 일/);
    // The program's output is headed as socklab grade heads it ("여러분의 서버 출력:", not "여러분의 서버의 출력:").
    expect(await page.locator('.wb-output-name').allTextContents()).toContain('여러분의 서버 출력:');
    // The transcript's "who" column speaks Korean too (the row's data-who stays the protocol's word).
    const who = (await failed.locator('.wb-t-who').allTextContents()).filter(Boolean);
    expect(who).toContain('채점기');
    expect(who.filter((w) => !['채점기', '프로그램'].includes(w))).toEqual([]);
    await expect(page.locator('.wb-toolbar').getByRole('button', { name: /채점$/ }).textContent()).resolves.toContain('채점');
    // The program's wrong reply is marked wrong, never drawn as the right one (the grader's rows never are).
    const wrong = page.locator('.wb-check[data-status="failed"] tr[data-wrong]');
    expect(await wrong.count()).toBeGreaterThan(0);
    expect(await wrong.evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.who))).toEqual(expect.arrayContaining(['program']));
    expect(await page.locator('tr[data-wrong]:not([data-who="program"])').count()).toBe(0);
    await failed.scrollIntoViewIfNeeded();
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'ko-workbench.png') });
    await button(page, '중지').click();

    // Reset to starter asks in Korean that reads whatever the language's name ends with ("Python로" did not).
    await button(page, '시작 코드로 되돌리기').click();
    const dialog = page.locator('dialog.wb-dialog');
    await expect(dialog.textContent()).resolves.toContain('여러분이 작성한 Python 코드는 사라지고, 다음 파일이 시작 코드로 돌아갑니다: server.py, client.py.');
    await dialog.getByRole('button', { name: '취소' }).click();
  });

  e2e('with "Lose 30% of packets" on, a UDP client soon times out', 120_000, async (page) => {
    const answers: number[] = [];
    page.on('websocket', (ws) =>
      ws.on('framereceived', (f) => {
        if (typeof f.payload === 'string' && f.payload.includes('"network"')) answers.push((JSON.parse(f.payload) as { loss: number }).loss);
      }),
    );
    await openLab(page, '/labs/udp-echo/');
    await showSolution(page);
    const toggle = page.getByRole('switch', { name: 'Lose 30% of packets' });
    await toggle.check();
    await button(page, 'Run').click();
    await pane(page, 'server').locator('.wb-pane-state', { hasText: 'bound to 12000/udp' }).waitFor({ timeout: 20_000 });
    await expect.poll(() => answers, { timeout: 10_000 }).toEqual([30]);

    // Each client sends one datagram; 3 packets in 10 are dropped, so one of the first few loses its request or reply.
    let timedOut = '';
    for (let n = 1; n <= 6 && !timedOut; n++) {
      const name = `client ${n}`;
      if (n > 1) await button(page, 'Add client').click();
      await pane(page, name).locator('.wb-pane-state', { hasText: 'type a line' }).waitFor({ timeout: 20_000 });
      await typeInto(page, name, `try ${n}`);
      const text = await paneShows(page, name, /^\[client \d+ exited with code \d\]$/, 15_000);
      if (/timed out/.test(text)) timedOut = name;
      else expect(text).toContain(`TRY ${n}`);
    }
    expect(timedOut, 'no client timed out in 6 tries with 30% loss').not.toBe('');
    await expect(paneText(page, timedOut)).resolves.toMatch(/exited with code 1/);
    // Tall enough for the switch and the timed-out client at once.
    await page.setViewportSize({ width: 1400, height: 1500 });
    await page.locator('.wb-toolbar').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'loss-switch.png') });

    // Off again: the runner says 0, and the switch shows it.
    await toggle.uncheck();
    await expect.poll(() => answers, { timeout: 10_000 }).toEqual([30, 0]);
    await expect(toggle.isChecked()).resolves.toBe(false);
    await button(page, 'Stop').click();
  });

  e2e('a runner killed and restarted while the student works: the page says so, reconnects, and Run works with the edited code', 150_000, async (page) => {
    // The file's runner, killed here (the tests before are done with it, the one after runs its own); the next takes over its port.
    let first: Served | null = served;
    let second: Served | null = null;
    const port = Number(new URL(first.url).port);
    const orphans: ProcEntry[] = [];
    // The loss switch's answers, per socket: the switch holds across the restart.
    const lossAnswers: number[][] = [];
    page.on('websocket', (ws) => {
      const answers: number[] = [];
      lossAnswers.push(answers);
      ws.on('framereceived', (f) => {
        if (typeof f.payload === 'string' && f.payload.includes('"network"')) answers.push((JSON.parse(f.payload) as { loss: number }).loss);
      });
    });
    try {
      await openLab(page, '/labs/udp-echo/', first.url);
      await showSolution(page);
      // On, before the first Run (client 1's request and reply are packets 0 and 1: never dropped).
      await page.getByRole('switch', { name: 'Lose 30% of packets' }).check();
      // The student's own edit, typed into the client.
      const EDIT = "print('edited before the restart', flush=True)";
      await page.locator('.wb-tabs [role=tab][data-file="client.py"]').click();
      await page.locator('.wb-editor .view-lines').click();
      await page.keyboard.press('Control+Home');
      await page.keyboard.type(EDIT);
      await page.keyboard.press('Enter');
      expect((await fileText(page, 'client.py')).split('\n')[0]).toBe(EDIT);

      await button(page, 'Run').click();
      await pane(page, 'server').locator('.wb-pane-state', { hasText: 'bound to 12000/udp' }).waitFor({ timeout: 20_000 });
      await paneShows(page, 'client 1', /^edited before the restart$/);

      // The runner dies at once, its sandboxes with it (anything left is killed by pid below).
      orphans.push(...descendantsOf(first.child.pid!), ...first.sandboxProcs());
      const died = Date.now();
      process.kill(first.child.pid!, 'SIGKILL');
      const box = page.locator('.wb-offline');
      await box.waitFor({ state: 'visible', timeout: 5_000 });
      expect(Date.now() - died).toBeLessThan(5_000);
      const said = (await box.textContent())!;
      expect(said).toContain('The runner stopped answering.');
      expect(said).toContain('Your code is kept in this browser');
      expect(said).toContain('reconnects by itself');
      expect(said).not.toContain('reload');
      await first.stop();
      first = null;

      // A new runner where the old one was: the page finds it by itself.
      second = await startServe(SITE, 60_000, port);
      await page.locator('.wb[data-link="connected"]').waitFor({ timeout: 15_000 });
      await expect(box.isHidden()).resolves.toBe(true);
      await page.locator('.wb-msg', { hasText: 'Your session was lost' }).waitFor({ timeout: 5_000 });
      await expect(page.locator('.wb-msg', { hasText: 'Your session was lost' }).textContent()).resolves.toContain('Your code is kept in this browser');

      // Run again, no reload: the edited code runs in the new runner.
      expect((await fileText(page, 'client.py')).split('\n')[0]).toBe(EDIT);
      await button(page, 'Run').click();
      await pane(page, 'server').locator('.wb-pane-state', { hasText: 'bound to 12000/udp' }).waitFor({ timeout: 20_000 });
      await pane(page, 'client 1').locator('.wb-pane-state', { hasText: 'type a line' }).waitFor({ timeout: 20_000 });
      await paneShows(page, 'client 1', /^edited before the restart$/);
      await typeInto(page, 'client 1', 'after the restart');
      await paneShows(page, 'client 1', /^AFTER THE RESTART$/);
      // The new runner's session got the switch too, unasked.
      await expect(page.getByRole('switch', { name: 'Lose 30% of packets' }).isChecked()).resolves.toBe(true);
      expect(lossAnswers.filter((a) => a.length).map((a) => a[0])).toEqual([30, 30]);
    } finally {
      await first?.stop();
      await second?.stop();
      const left = orphans.filter(stillRunning);
      for (const p of left) process.kill(p.pid, 'SIGKILL');
      expect(left, 'processes of the killed runner outlived it').toEqual([]);
    }
  });

  e2e('a full course: the page says so, gets in when a place frees, and replaces a session the runner lost', 45_000, async (page) => {
    // One place, and a Retry-After of 1 s so the page's wait is short.
    const runner = await startRunner({ limits: { maxSessions: 1, retryAfterSeconds: 1 } }, { siteDir: SITE });
    const upgrades: { url: string; socket: Duplex }[] = [];
    runner.server.on('upgrade', (req, socket: Duplex) => upgrades.push({ url: req.url ?? '', socket }));
    const sockets: string[] = [];
    let opened = 0;
    page.on('websocket', (ws) => {
      sockets.push(ws.url());
      ws.on('framereceived', (f) => {
        if (typeof f.payload === 'string' && f.payload.startsWith('{"type":"opened"')) opened++;
      });
    });
    // Another student holds the one place.
    const other = await TestClient.connect(runner.url);
    try {
      await page.goto(`${runner.url}/labs/udp-echo/`);
      await page.locator('.wb[data-link="full"]').waitFor({ timeout: 15_000 });
      const box = page.locator('.wb-offline');
      await expect(page.locator('.wb-status-text').textContent()).resolves.toBe('The course is full: waiting for a free place');
      await expect(box.textContent()).resolves.toMatch(/^The course is full right now\. .*Your code is kept in this browser.*Trying again in [12] s\./);
      await page.locator('.wb .monaco-editor .view-lines').waitFor({ timeout: 15_000 });
      mkdirSync(SHOTS, { recursive: true });
      await page.locator('[data-socklab-workbench]').screenshot({ path: join(SHOTS, 'course-full.png') });

      // The place frees: the page gets in by itself at its next try (its wait doubles per refusal: 1, 2, 4 s... on a loaded machine it may be a later one).
      other.ws.close();
      await page.locator('.wb[data-link="connected"]').waitFor({ timeout: 20_000 });
      await expect(box.isHidden()).resolves.toBe(true);

      await button(page, 'Run').click();
      await expect.poll(() => opened, { timeout: 10_000 }).toBe(1);
      // The page's connection is cut (its session ends with it); the reconnect names the session, and the runner answers with the ownership close code.
      upgrades.at(-1)!.socket.destroy();
      const lost = page.locator('.wb-msg', { hasText: 'Your session was lost' });
      await lost.waitFor({ timeout: 8_000 });
      await expect(lost.textContent()).resolves.toContain('Your code is kept in this browser, and a new session is starting');
      expect(sockets.some((u) => /[?&]resume=[\w-]+/.test(u))).toBe(true);
      // A new session, unasked, on a connection of its own.
      await expect.poll(() => opened, { timeout: 10_000 }).toBe(2);
      await page.locator('.wb[data-link="connected"]').waitFor();
      await page.locator('[data-socklab-workbench]').screenshot({ path: join(SHOTS, 'session-lost.png') });
    } finally {
      other.ws.terminate();
      // The page's connections first: the server waits for them to close.
      await page.close();
      await runner.close();
    }
  });
});
