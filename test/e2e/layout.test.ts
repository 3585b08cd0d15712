/**
 * The lab as a student meets it, in a real browser against a real runner
 * (`socklab serve`, real sandboxes), on /labs/tcp-echo/ in Python:
 *   a. wide screen (1440x900): the lesson and the workbench side by side;
 *      the lesson scrolls, the workbench stays; either side can have the
 *      whole width;
 *   b. phone (390x844): the lesson, the code and the terminals are tabs;
 *      in every view no control overlaps another or is covered, and the
 *      page is no wider than the screen (sockets panel open, Check done);
 *   c. keyboard only: Run, type into a client, Esc and Tab on to the next
 *      pane and the sockets panel, Check; every control the accessibility
 *      tree names is reached by Tab with a visible focus;
 *   d. two tabs of one lab: what one saves the other shows; typing in both
 *      at once loses nothing (the overwritten side can undo or load it);
 *   e. panes explain themselves: a client waiting for its server says so,
 *      and a server that fails to start leaves its clients unstarted, saying
 *      why.
 * On a failure each open page is saved as a screenshot under test-results/.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, ROOT, snapshotSite, startServe, type Served } from '../support/browser.ts';

const RESULTS = join(ROOT, 'test-results');
const LAB = 'tcp-echo';
const DESKTOP = { width: 1440, height: 900 };
const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

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

/** A test with its own contexts (closed at the end) and screenshots when it fails. */
function e2e(name: string, timeoutMs: number, fn: (context: (opts?: BrowserContextOptions) => Promise<BrowserContext>) => Promise<void>): void {
  it(
    name,
    async () => {
      const contexts: BrowserContext[] = [];
      const errors: string[] = [];
      const context = async (opts: BrowserContextOptions = {}) => {
        const c = await browser.newContext({ viewport: DESKTOP, ...opts });
        c.setDefaultTimeout(15_000);
        c.on('page', (p) => p.on('pageerror', (e) => errors.push(String(e))));
        contexts.push(c);
        return c;
      };
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          fn(context),
          new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`"${name}" took more than ${timeoutMs} ms`)), timeoutMs))),
        ]);
        expect(errors).toEqual([]);
      } catch (err) {
        const slug = name.replace(/[^\w]+/g, '-').slice(0, 50);
        let n = 0;
        for (const c of contexts) for (const p of c.pages()) await p.screenshot({ path: join(RESULTS, `layout-${slug}-${++n}.png`), timeout: 5000 }).catch(() => {});
        throw err;
      } finally {
        clearTimeout(timer);
        await Promise.all(contexts.map((c) => c.close().catch(() => {})));
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

async function ready(page: Page): Promise<void> {
  await page.locator('.wb .monaco-editor .view-lines').waitFor({ timeout: 30_000 });
  await page.locator('.wb[data-link="connected"]').waitFor({ timeout: 15_000 });
}

async function paneShowsLine(page: Page, name: string, line: string, timeout = 15_000): Promise<void> {
  try {
    await page.waitForFunction(
      ([n, l]) => ((document.querySelector('[data-socklab-workbench]') as Mounted).socklab?.paneText(n) ?? '').split('\n').some((x) => x.trim() === l),
      [name, line] as const,
      { timeout },
    );
  } catch {
    throw new Error(`the "${name}" pane never showed "${line}"; it shows:\n${await paneText(page, name)}`);
  }
}

/** Replaces a file's text through the editor (the text is pasted, as Monaco takes it, then verified). */
async function setFile(page: Page, file: string, text: string): Promise<void> {
  await page.locator(`.wb-tabs [role=tab][data-file="${file}"]`).click();
  await page.locator('.wb-editor .view-lines').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
  expect(await fileText(page, file)).toBe(text);
}

/**
 * Every visible control (button, tab, select, summary, link in the
 * workbench) in the viewport: none may overlap another, and each one's
 * centre must hit the control itself (nothing drawn over it). Returns how
 * many were checked.
 */
const CONTROLS = '.socklab-workbench :is(button, select, summary, [role=tab]), .wb :is(button, select, summary), .wb-views [role=tab], dialog[open] button';

async function assertNoOverlap(page: Page, where: string, sel = CONTROLS): Promise<number> {
  const problems = await page.evaluate((sel) => {
    const seen = new Set<Element>();
    const controls = [...document.querySelectorAll<HTMLElement>(sel)].filter((el) => {
      if (seen.has(el)) return false;
      seen.add(el);
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
    });
    const out: string[] = [];
    const name = (el: HTMLElement) => `${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 30)}"`;
    // What shows of a control: its box clipped by every scrolling or clipping ancestor.
    const shown = (el: HTMLElement) => {
      const r = el.getBoundingClientRect();
      let { left, top, right, bottom } = r;
      for (let a = el.parentElement; a; a = a.parentElement) {
        if (getComputedStyle(a).overflow === 'visible') continue;
        const c = a.getBoundingClientRect();
        left = Math.max(left, c.left);
        top = Math.max(top, c.top);
        right = Math.min(right, c.right);
        bottom = Math.min(bottom, c.bottom);
      }
      return { left, top, right, bottom };
    };
    const boxes = controls.map((el) => ({ el, r: shown(el) }));
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!.r;
        const b = boxes[j]!.r;
        const overlap = Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
        if (overlap && !boxes[i]!.el.contains(boxes[j]!.el) && !boxes[j]!.el.contains(boxes[i]!.el)) out.push(`${name(boxes[i]!.el)} overlaps ${name(boxes[j]!.el)}`);
      }
    }
    for (const { el } of boxes) {
      el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      const r = el.getBoundingClientRect();
      const x = r.left + r.width / 2;
      const y = r.top + r.height / 2;
      if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) {
        out.push(`${name(el)} cannot be scrolled into the viewport`);
        continue;
      }
      const hit = document.elementFromPoint(x, y);
      if (!hit || !(el === hit || el.contains(hit))) out.push(`${name(el)} is covered by ${hit ? name(hit as HTMLElement) : 'nothing'}`);
    }
    if (document.documentElement.scrollWidth > innerWidth) out.push(`the page is ${document.documentElement.scrollWidth} px wide in a ${innerWidth} px viewport`);
    return { out, n: boxes.length };
  }, sel);
  expect(problems.out, where).toEqual([]);
  return problems.n;
}

describe('the lab page as a student meets it', () => {
  e2e('a. wide screen: the lesson and the workbench side by side; either side can take the whole width', 60_000, async (context) => {
    const page = await (await context()).newPage();
    await page.goto(`${served.url}/labs/${LAB}/`);
    await ready(page);
    const lesson = page.locator('.sl-markdown-content');
    const bench = page.locator('[data-socklab-workbench]');
    const l = (await lesson.boundingBox())!;
    const w = (await bench.boundingBox())!;
    expect(l.x + l.width).toBeLessThanOrEqual(w.x + 1); // the lesson on the left, the workbench on the right
    expect(w.x + w.width).toBeCloseTo(DESKTOP.width, -1);
    expect(w.width).toBeGreaterThan(DESKTOP.width * 0.4);
    expect(w.height).toBeGreaterThan(DESKTOP.height * 0.8);
    expect(l.width).toBeGreaterThan(380);
    // The editor, the terminals and the Run button are in view at once.
    for (const el of [page.locator('.wb-editor'), pane(page, 'server'), pane(page, 'client 1'), button(page, 'Run')]) await expect.poll(() => el.isVisible()).toBe(true);
    expect((await page.locator('.wb-editor').boundingBox())!.y).toBeLessThan(DESKTOP.height / 2);
    expect((await pane(page, 'client 1').boundingBox())!.y).toBeLessThan(DESKTOP.height);

    // The page's contents ("On this page") sit above the lesson, not under the workbench.
    const toc = page.locator('mobile-starlight-toc nav');
    await expect.poll(() => toc.isVisible()).toBe(true);
    const t = (await toc.boundingBox())!;
    expect(t.x + t.width).toBeLessThanOrEqual(w.x + 1);

    // The lesson scrolls; the workbench stays where it is.
    await page.mouse.move(l.x + 50, 400);
    await page.mouse.wheel(0, 3000);
    await expect.poll(() => page.evaluate(() => scrollY)).toBeGreaterThan(1000);
    expect((await bench.boundingBox())!.y).toBeCloseTo(w.y, 0);
    expect((await page.locator('.wb-editor').boundingBox())!.y).toBeLessThan(DESKTOP.height / 2);
    await assertNoOverlap(page, 'wide, scrolled');

    // The lesson takes the whole width; the choice is remembered.
    await page.getByRole('button', { name: 'Hide the workbench' }).click();
    await expect.poll(async () => (await bench.boundingBox())!.width).toBeLessThan(80);
    expect((await lesson.boundingBox())!.width).toBeGreaterThan(l.width + 150);
    await page.reload();
    await expect.poll(async () => (await page.locator('[data-socklab-workbench]').boundingBox())!.width).toBeLessThan(80);
    await page.getByRole('button', { name: 'Show the workbench' }).click();
    await ready(page);
    expect((await bench.boundingBox())!.width).toBeGreaterThan(DESKTOP.width * 0.4);

    // The workbench takes the whole window (Expand), and gives it back.
    await button(page, 'Expand').click();
    const e = (await page.locator('.wb.wb-expanded').boundingBox())!;
    expect(e.width).toBe(DESKTOP.width);
    // Expanded, the workbench covers the page: its own controls are checked.
    await assertNoOverlap(page, 'expanded', '.wb.wb-expanded :is(button, select, summary, [role=tab])');
    await button(page, 'Collapse').click();
    await page.locator('.wb.wb-expanded').waitFor({ state: 'detached' });

    // At exactly 50rem Starlight shows its sidebar: the phone's tabs must not show too (the sidebar covered them).
    await page.setViewportSize({ width: 800, height: 900 });
    await assertNoOverlap(page, 'at 800 px, where Starlight\'s sidebar starts');
  });

  e2e('b. phone: lesson, code and terminals are tabs; no control overlapped, the page within the screen', 90_000, async (context) => {
    const page = await (await context(PHONE)).newPage();
    await page.goto(`${served.url}/labs/${LAB}/`);
    const tabs = page.getByRole('tablist', { name: 'Lab views' });
    await expect.poll(() => tabs.isVisible()).toBe(true);
    // Lesson: the text, no workbench over it.
    await expect.poll(() => page.locator('.sl-markdown-content h2').first().isVisible()).toBe(true);
    expect(await page.locator('[data-socklab-workbench]').isVisible()).toBe(false);
    await assertNoOverlap(page, 'phone, lesson');

    await tabs.getByRole('tab', { name: 'Code' }).click();
    await ready(page);
    expect(await pane(page, 'server').isVisible()).toBe(false);
    // Both file tabs and both file actions can be tapped (client.py used to hide under Reset).
    await page.getByRole('tab', { name: 'client.py' }).click();
    expect(await page.getByRole('tab', { name: 'client.py' }).getAttribute('aria-selected')).toBe('true');
    const n = await assertNoOverlap(page, 'phone, code');
    expect(n).toBeGreaterThanOrEqual(10);

    // Run (the starter) from the code shows the terminals.
    await button(page, 'Run').click();
    await expect.poll(() => tabs.getByRole('tab', { name: 'Terminals' }).getAttribute('aria-selected')).toBe('true');
    expect(await page.locator('.wb-editor').isVisible()).toBe(false);
    await pane(page, 'server').locator('.wb-pane-state', { hasText: 'listening on 12000/tcp' }).waitFor({ timeout: 20_000 });
    await paneShowsLine(page, 'server', 'The server is ready to receive');
    // The terminal draws what it got while it was hidden.
    await expect.poll(() => pane(page, 'server').locator('.xterm-rows, canvas').first().isVisible()).toBe(true);

    await page.locator('.wb-sockets summary').click();
    await page.locator('.wb-insp-end').first().waitFor({ timeout: 15_000 });
    await assertNoOverlap(page, 'phone, terminals, sockets open');

    await button(page, 'Check').click();
    await page.locator('.wb-checklist[data-verdict]').waitFor({ timeout: 60_000 });
    // The starter fails; the first failure is open with its transcript, whose
    // "who" never breaks (a row is one line high where the text is short),
    // and the table scrolls sideways inside its box, not the page.
    const transcript = page.locator('.wb-check-details[open] .wb-transcript').first();
    await transcript.waitFor();
    const whoLines = await transcript.locator('.wb-t-who').evaluateAll((tds) =>
      tds.map((td) => {
        const range = document.createRange();
        range.selectNodeContents(td);
        return { text: td.textContent ?? '', lines: new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size };
      }),
    );
    expect(whoLines.filter((w) => w.text).length).toBeGreaterThan(0);
    for (const w of whoLines) if (w.text) expect(w.lines, `who "${w.text}"`).toBe(1);
    await assertNoOverlap(page, 'phone, terminals, after Check');
    const snap = await page.locator('body').ariaSnapshot();
    expect(snap).toContain('tablist "Lab views"');
    expect(snap).toMatch(/tab "Terminals" \[selected\]/);
    expect(snap).toContain('button "Restart client 1"');
  });

  e2e('c. keyboard only: Run, type into a client, Esc and Tab to the next pane, Check; every control reached with a visible focus', 120_000, async (context) => {
    const page = await (await context()).newPage();
    await page.goto(`${served.url}/labs/${LAB}/`);
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el) return { name: '', visible: false, pane: '', tag: '', inEditor: false, inWorkbench: false, isPane: false };
        const style = getComputedStyle(el);
        return {
          tag: el.tagName.toLowerCase(),
          name: (el.getAttribute('aria-label') ?? el.textContent ?? '').trim(),
          visible: el.matches(':focus-visible') && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
          pane: (el.closest('.wb-pane') as HTMLElement | null)?.dataset.pane ?? '',
          inEditor: Boolean(el.closest('.wb-editor')),
          inWorkbench: Boolean(el.closest('[data-socklab-workbench], .wb')),
          isPane: el.classList.contains('wb-pane'),
        };
      });
    /** Presses `key` until `done` holds for the focused element (at most `max` times). */
    const pressUntil = async (key: string, done: (f: Awaited<ReturnType<typeof focused>>) => boolean, max: number, what: string) => {
      for (let i = 0; i < max; i++) {
        await page.keyboard.press(key);
        const f = await focused();
        if (done(f)) return f;
      }
      throw new Error(`${max} × ${key} never reached ${what}; focus is on ${JSON.stringify(await focused())}`);
    };

    // The first Tab offers a way straight to the workbench.
    await pressUntil('Tab', (f) => f.name === 'Skip to the workbench', 40, 'the skip link');
    await page.keyboard.press('Enter');
    await ready(page);
    const run = await pressUntil('Tab', (f) => f.name.endsWith('Run'), 15, 'Run');
    expect(run.visible).toBe(true);
    // Take the reference solution, by keyboard, so the client gets a reply.
    await pressUntil('Tab', (f) => f.name.endsWith('Show solution'), 20, 'Show solution');
    await page.keyboard.press('Enter');
    await page.locator('dialog.wb-dialog[open]').waitFor();
    await pressUntil('Tab', (f) => f.name === 'Show solution' && f.tag === 'button', 3, 'the dialog’s Show solution');
    await page.keyboard.press('Enter');
    await expect.poll(() => fileText(page, 'server.py')).toContain('sendall');
    // The solution is in the editor, which has the focus: Ctrl+M makes Tab move the focus from there.
    expect((await focused()).inEditor).toBe(true);
    await page.keyboard.press('Control+M');
    await pressUntil('Shift+Tab', (f) => f.name.endsWith('Run'), 20, 'Run, backwards');
    await page.keyboard.press('Enter');
    await pane(page, 'server').locator('.wb-pane-state', { hasText: 'listening on 12000/tcp' }).waitFor({ timeout: 20_000 });
    await pane(page, 'client 1').locator('.wb-pane-state', { hasText: 'type a line and press Enter' }).waitFor({ timeout: 20_000 });

    // On through the file tabs and the editor (Tab moves the focus there now).
    await pressUntil('Tab', (f) => f.inEditor, 16, 'the editor');
    const serverPane = await pressUntil('Tab', (f) => f.isPane, 3, 'the server pane');
    expect(serverPane.pane).toBe('server');
    expect(serverPane.visible).toBe(true);
    const clientPane = await pressUntil('Tab', (f) => f.isPane && f.pane === 'client 1', 3, 'the client pane');
    expect(clientPane.visible).toBe(true);
    await page.keyboard.press('Enter'); // into the terminal
    await page.keyboard.type('keys only 7');
    await page.keyboard.press('Enter');
    await paneShowsLine(page, 'client 1', 'KEYS ONLY 7');
    // Esc leaves the terminal; Tab moves on, out of the pane, to the sockets panel.
    await page.keyboard.press('Escape');
    expect((await focused()).isPane).toBe(true);
    const next = await pressUntil('Tab', (f) => f.pane !== 'client 1', 3, 'past the client pane');
    expect(next.tag).toBe('summary');
    expect(next.name).toMatch(/^Sockets/);
    expect(next.visible).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.wb-sockets').getAttribute('open')).not.toBeNull();

    // Back to Check, and Check.
    await pressUntil('Shift+Tab', (f) => f.name.endsWith('Check'), 30, 'Check');
    await page.keyboard.press('Enter');
    await page.locator('.wb-checklist[data-verdict]').waitFor({ timeout: 60_000 });
    expect(await page.locator('.wb-checklist').getAttribute('data-verdict')).toBe('pass');

    // Every button the accessibility tree names in the workbench is reached by Tab, with a visible focus.
    const snap = await page.locator('.wb').ariaSnapshot();
    const named = [...snap.matchAll(/- button "([^"]+)"/g)].map((m) => m[1]!);
    expect(named).toEqual(expect.arrayContaining(['Run', 'Stop', 'Check', 'Expand', 'Restart server', 'Restart client 1']));
    expect(snap).toMatch(/region "client 1 terminal"/);
    await page.locator('.wb-toolbar select').focus();
    const reached = new Map<string, boolean>();
    for (let i = 0; i < 80; i++) {
      const f = await focused();
      if (!f.inWorkbench) break;
      if (f.tag === 'button' || f.tag === 'summary' || f.tag === 'select' || f.isPane) reached.set(f.name, reached.get(f.name) || f.visible);
      await page.keyboard.press('Tab');
    }
    const label = (n: string) => n.replace(/^[^\w]+\s*/, '');
    for (const n of named) {
      const hit = [...reached.entries()].find(([k]) => label(k) === label(n));
      expect(hit, `Tab never reached "${n}"`).toBeDefined();
      expect(hit![1], `"${n}" had no visible focus`).toBe(true);
    }
  });

  e2e('d. two tabs of one lab: each shows what the other saved; typing in both at once loses nothing', 60_000, async (context) => {
    const ctx = await context();
    const [a, b] = [await ctx.newPage(), await ctx.newPage()];
    for (const p of [a, b]) {
      await p.goto(`${served.url}/labs/${LAB}/`);
      await ready(p);
    }
    const end = async (p: Page, text: string) => {
      await p.bringToFront();
      await p.locator('.wb-tabs [role=tab][data-file="server.py"]').click();
      await p.locator('.wb-editor .view-lines').click();
      await p.keyboard.press('Control+End');
      await p.keyboard.insertText(text);
    };
    // One after the other: each edit shows up in the other tab.
    await end(a, '\n# from tab A');
    await expect.poll(() => fileText(b, 'server.py'), { timeout: 5000 }).toContain('# from tab A');
    await end(b, '\n# from tab B');
    await expect.poll(() => fileText(a, 'server.py'), { timeout: 5000 }).toContain('# from tab B');
    expect(await fileText(a, 'server.py')).toContain('# from tab A');
    await b.locator('.wb-msg', { hasText: 'server.py was changed in another tab' }).waitFor();

    // Both at once (inside the save delay): whichever text ends up saved,
    // the other is still there to take back, and the page says so.
    await Promise.all([end(a, '\n# both A'), end(b, '\n# both B')]);
    await expect.poll(async () => (await fileText(a, 'server.py')) === (await fileText(b, 'server.py')), { timeout: 5000 }).toBe(true);
    const final = await fileText(a, 'server.py');
    expect(final.includes('# both A') || final.includes('# both B')).toBe(true);
    for (const [p, mine] of [
      [a, '# both A'],
      [b, '# both B'],
    ] as const) {
      if (final.includes(mine)) continue;
      // This tab's text was replaced: it says so, and undo brings it back.
      await p.locator('.wb-msg', { hasText: 'changed in another tab' }).first().waitFor();
      await p.bringToFront();
      await p.locator('.wb-editor .view-lines').click();
      await p.keyboard.press('Control+Z');
      await expect.poll(() => fileText(p, 'server.py')).toContain(mine);
    }
  });

  e2e('e. a client says what it waits for; a server that fails leaves its clients unstarted, saying why', 90_000, async (context) => {
    const page = await (await context()).newPage();
    await page.goto(`${served.url}/labs/${LAB}/`);
    await ready(page);
    // A server that takes 4 s to listen.
    await setFile(page, 'server.py', "import socket, time; time.sleep(4); s = socket.create_server(('', 12000)); print('up', flush=True); time.sleep(60)\n");
    await button(page, 'Run').click();
    await pane(page, 'client 1').locator('.wb-pane-state', { hasText: 'waiting for the server to listen on 12000/tcp' }).waitFor({ timeout: 10_000 });
    await pane(page, 'server').locator('.wb-pane-state', { hasText: 'listening on 12000/tcp' }).waitFor({ timeout: 20_000 });
    await pane(page, 'client 1').locator('.wb-pane-state', { hasText: 'running: type a line and press Enter' }).waitFor({ timeout: 20_000 });
    await button(page, 'Stop').click();
    await pane(page, 'client 1').locator('.wb-pane-state', { hasText: /exited|stopped/ }).waitFor({ timeout: 20_000 });

    // A server with a syntax error: the client is never started, and its pane says why.
    await setFile(page, 'server.py', 'def broken:');
    await button(page, 'Run').click();
    await pane(page, 'server').locator('.wb-pane-state', { hasText: 'exited with code 1' }).waitFor({ timeout: 20_000 });
    const note = 'not started: the server exited with code 1 before it was ready on 12000/tcp';
    await pane(page, 'client 1').locator('.wb-pane-state', { hasText: note }).waitFor({ timeout: 10_000 });
    await expect.poll(async () => (await paneText(page, 'client 1')).replace(/\n/g, '')).toContain(`[${note}]`);
    await page.waitForTimeout(1500); // a client started late would show by now
    expect(await pane(page, 'client 1').getAttribute('data-state')).toBe('idle');
    expect(await pane(page, 'client 1').locator('.wb-pane-state').innerText()).toBe(note);
  });
});
