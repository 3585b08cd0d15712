/**
 * Lab 05's part A as a student follows it, in a real browser against a real
 * runner: Run the naive server and three naive clients, give each a
 * nickname, open the socket inspector, type /flood in client 1. The
 * inspector's own data (each end's data-* attributes) must then show the
 * stalled clients' receive queues and the server's send queue towards them
 * rising, then client 1's send queue and the server's receive queue (the
 * server no longer reads), and the history keeping the rise. Screenshots of the inspector
 * before, during and after the stall are saved under test-results/.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, ROOT, snapshotSite, startServe, type Served } from '../support/browser.ts';

const RESULTS = join(ROOT, 'test-results');
const LAB = 'flow-control';
/** A queue this full is no accident: a 2000-line flood fills each buffer past it. */
const FILLED_BYTES = 64 * 1024;

let served: Served;
let SITE = '';
let browser: Browser;

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  SITE = await snapshotSite(['index.html', `labs/${LAB}/index.html`]);
  served = await startServe(SITE);
  browser = await launchChromium();
}, 200_000);

afterAll(async () => {
  await browser?.close().catch(() => {});
  const left = await served?.stop();
  if (SITE) rmSync(SITE, { recursive: true, force: true });
  if (left) console.warn(`killed ${left} processes of the runner that outlived it`);
}, 30_000);

type Mounted = HTMLElement & { socklab?: { paneText(name: string): string } };
const pane = (page: Page, name: string) => page.locator(`.wb-pane[data-pane="${name}"]`);

/** One end of a socket as the inspector draws it. */
interface End {
  owner: string;
  state: string;
  local: string;
  remote: string;
  send: number;
  recv: number;
  peakSend: number;
  peakRecv: number;
}

/** The inspector's view: every end it draws, from its own data attributes. */
function ends(page: Page): Promise<End[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.wb-insp-end')].map((el) => ({
      owner: el.dataset.owner ?? '',
      state: el.dataset.state ?? '',
      local: el.dataset.local ?? '',
      remote: el.dataset.remote ?? '',
      send: Number(el.dataset.send),
      recv: Number(el.dataset.recv),
      peakSend: Number(el.dataset.peakSend),
      peakRecv: Number(el.dataset.peakRecv),
    })),
  );
}

async function paneShows(page: Page, name: string, text: string): Promise<void> {
  await page.waitForFunction(
    ([n, t]) => ((document.querySelector('[data-socklab-workbench]') as Mounted).socklab?.paneText(n) ?? '').includes(t),
    [name, text] as const,
    { timeout: 20_000 },
  );
}

async function typeInto(page: Page, name: string, text: string): Promise<void> {
  await pane(page, name).locator('.xterm').click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.locator('.wb-sockets').scrollIntoViewIfNeeded();
  await page.locator('.wb-sockets').screenshot({ path: join(RESULTS, `flow-${name}.png`) });
}

describe('lab 05 part A: the deadlock, seen in the socket inspector', () => {
  it('the stalled clients\' receive queues and the server\'s send queue rise after /flood', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 1700 } });
    context.setDefaultTimeout(20_000);
    const errors: string[] = [];
    context.on('page', (p) => p.on('pageerror', (e) => errors.push(String(e))));
    const page = await context.newPage();
    try {
      await page.goto(`${served.url}/labs/${LAB}/`);
      await page.locator('.wb .monaco-editor .view-lines').waitFor({ timeout: 30_000 });
      await page.locator('.wb[data-link="connected"]').waitFor({ timeout: 15_000 });
      await page.locator('.wb-insp:not(.wb-wire) > summary').click();
      await page.locator('.wb-toolbar').getByRole('button', { name: /^.?Run$/ }).click();
      await pane(page, 'server').locator('.wb-pane-state', { hasText: 'listening on 8000/tcp' }).waitFor({ timeout: 30_000 });
      for (const [n, nick] of [[1, 'ana'], [2, 'ben'], [3, 'cho']] as const) {
        await paneShows(page, `client ${n}`, 'connected to localhost:8000');
        await typeInto(page, `client ${n}`, nick);
        await paneShows(page, `client ${n}`, `* ${nick} joined the chat`);
      }
      // Three connections, each drawn with both ends: the server's and the client's.
      await expect.poll(async () => (await ends(page)).filter((e) => e.state === 'ESTABLISHED').length, { timeout: 10_000 }).toBe(6);
      const before = await ends(page);
      expect(before.find((e) => e.state === 'LISTEN')?.owner).toBe('server');
      for (const n of [1, 2, 3]) expect(before.some((e) => e.owner === `client ${n}` && e.state === 'ESTABLISHED')).toBe(true);
      await shoot(page, 'before');

      await typeInto(page, 'client 1', '/flood');
      // The clients waiting in input() stop reading: their receive queues fill, then the server's send queues towards them.
      await expect
        .poll(async () => {
          const now = await ends(page);
          const clientFull = now.some((e) => e.owner.startsWith('client') && e.recv >= FILLED_BYTES);
          const serverFull = now.some((e) => e.owner === 'server' && e.state === 'ESTABLISHED' && e.send >= FILLED_BYTES);
          return clientFull && serverFull;
        }, { timeout: 30_000, interval: 250 })
        .toBe(true);
      await shoot(page, 'during');

      // The deadlock holds: seconds later the queues are still full and the history shows the rise.
      await page.waitForTimeout(4000);
      const after = await ends(page);
      expect(after.filter((e) => e.owner.startsWith('client') && e.recv >= FILLED_BYTES).length).toBeGreaterThanOrEqual(1);
      expect(after.some((e) => e.owner === 'server' && e.send >= FILLED_BYTES)).toBe(true);
      expect(after.some((e) => e.owner === 'server' && e.peakSend >= FILLED_BYTES)).toBe(true);
      // The lesson's step 3: the server stops reading, so client 1's own sends back up too (its sendall() blocks).
      // A flood that the buffers on the way take whole (2000 lines did) never shows it.
      expect(after.find((e) => e.owner === 'client 1')!.send).toBeGreaterThanOrEqual(FILLED_BYTES);
      expect(after.some((e) => e.owner === 'server' && e.recv >= FILLED_BYTES)).toBe(true);
      await shoot(page, 'after');
      expect(errors).toEqual([]);
    } catch (err) {
      await page.screenshot({ path: join(RESULTS, 'flow-control-failure.png') }).catch(() => {});
      throw err;
    } finally {
      await context.close().catch(() => {});
    }
  }, 180_000);
});
