/**
 * A chat lab in a real browser against a real runner (issue 10): on
 * /labs/threaded-broadcast/ in Python a student shows the reference
 * solution and presses Run; the server and three line clients start, each
 * in its pane, in one sandbox; a line typed in one client's pane reaches all
 * three; and Check passes every check.
 *
 * One `socklab serve` child serves a private copy of the built site
 * (snapshotSite), as in workbench.test.ts. On a failure each open page is
 * saved under test-results/.
 */
import { rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { launchChromium, sleep, snapshotSite, startServe, type Served } from '../support/browser.ts';
import { button, check, checkRows, e2eIn, fileText, pane, paneText, typeInto } from '../support/workbench-page.ts';

const LAB = 'threaded-broadcast';
const CLIENTS = ['client 1', 'client 2', 'client 3'];

let served: Served;
let SITE = '';
let browser: Browser;

beforeAll(async () => {
  // Up to ~3 minutes when dist/ is missing and has to be built first.
  SITE = await snapshotSite(['index.html', `labs/${LAB}/index.html`]);
  served = await startServe(SITE);
  expect(served.log()).toContain('sandbox: bwrap');
  browser = await launchChromium();
}, 200_000);

afterAll(async () => {
  await browser?.close().catch(() => {});
  const left = await served?.stop();
  if (SITE) rmSync(SITE, { recursive: true, force: true });
  if (left) console.warn(`killed ${left} processes of the runner that outlived it`);
}, 30_000);

const e2e = e2eIn(() => browser);

/** How many of a pane's lines equal `line` (trimmed). */
const linesEqual = async (page: Page, name: string, line: string) => (await paneText(page, name)).split('\n').filter((l) => l.trim() === line).length;

/**
 * Waits until a pane shows `line` at least `times` times. The sender's pane
 * shows a typed line once as the terminal echoes the typing, and once more
 * when the server sends it back.
 */
async function paneShowsLineTimes(page: Page, name: string, line: string, times: number, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while ((await linesEqual(page, name, line)) < times) {
    if (Date.now() > deadline) throw new Error(`the "${name}" pane did not show "${line}" ${times} time(s); it shows:\n${await paneText(page, name)}`);
    await sleep(100);
  }
}

describe('a chat lab (threaded-broadcast, Python) in the browser', () => {
  e2e('the solution runs a server and three clients; a line typed in one pane reaches all three; Check passes', 240_000, async (scene) => {
    const page = await scene.page();
    await page.goto(`${served.url}/labs/${LAB}/`);
    await page.locator('[data-socklab-workbench]').scrollIntoViewIfNeeded();
    await page.locator('.wb .monaco-editor .view-lines').waitFor({ timeout: 30_000 });
    await page.locator('.wb[data-link="connected"]').waitFor({ timeout: 15_000 });

    await page.locator('.wb-toolbar select[aria-label="Language"]').selectOption('python');
    await page.locator('.wb[data-lang="python"]').waitFor();
    await button(page, 'Show solution').click();
    await page.locator('dialog.wb-dialog[open]').getByRole('button', { name: 'Show solution' }).click();
    await expect.poll(() => fileText(page, 'server.py')).toContain('reference solution');

    // Run: the server, then three clients, each in its own pane.
    const before = new Set(served.sandboxProcs().map((p) => p.uid));
    await button(page, 'Run').click();
    await pane(page, 'server').locator('.wb-pane-state', { hasText: 'listening on 2000/tcp' }).waitFor({ timeout: 30_000 });
    for (const client of CLIENTS) {
      await pane(page, client).locator('.wb-pane-state', { hasText: /^running: type a line and press Enter$/ }).waitFor({ timeout: 20_000 });
      // (Four panes side by side are narrow: this line wraps, so only its start is matched.)
      await expect.poll(() => paneText(page, client), { timeout: 15_000 }).toMatch(/^connected to localhost:2000;/m);
    }
    expect(await page.locator('.wb-pane').count()).toBe(1 + CLIENTS.length);
    // One session, one sandbox: the server's python3 and each client's.
    const pythons = served.sandboxProcs().filter((p) => !before.has(p.uid) && p.name.startsWith('python'));
    expect(pythons.length).toBe(1 + CLIENTS.length);
    expect(new Set(pythons.map((p) => p.uid)).size).toBe(1);

    // A line typed in client 2 reaches every client, the sender included.
    const line = 'hi from two 42'; // short enough not to wrap in a pane
    await typeInto(page, 'client 2', line);
    for (const client of CLIENTS) await paneShowsLineTimes(page, client, line, client === 'client 2' ? 2 : 1);
    // And one from client 3, after it: everyone gets it too, exactly once.
    const reply = 'back from three';
    await typeInto(page, 'client 3', reply);
    for (const client of CLIENTS) await paneShowsLineTimes(page, client, reply, client === 'client 3' ? 2 : 1);
    await sleep(500); // a duplicate broadcast would have arrived by now
    for (const client of CLIENTS) {
      expect(await linesEqual(page, client, line)).toBe(client === 'client 2' ? 2 : 1);
      expect(await linesEqual(page, client, reply)).toBe(client === 'client 3' ? 2 : 1);
    }

    expect(await check(page, 180_000)).toBe('pass');
    const rows = await checkRows(page);
    expect(rows.length).toBeGreaterThanOrEqual(10);
    expect(rows.filter((r) => r.status !== 'passed')).toEqual([]);
    expect(await page.locator('.wb-check-summary').innerText()).toMatch(new RegExp(`all ${rows.length} checks passed`));
    expect(scene.pageErrors(page)).toEqual([]);
  });
});
