/**
 * A walkthrough of the lab workbench in a real browser against a real
 * runner: not a vitest test (it needs a built site and a served runner),
 * but a script that drives the page step by step, asserts what a student
 * would see, and saves a screenshot at each step to look at.
 *
 *   npx astro build
 *   node bin/socklab.js serve --port 4400 &
 *   node bin/run-ts.js test/e2e/workbench.walkthrough.ts [--url http://127.0.0.1:4400] [--out /tmp/socklab-shots]
 *
 * (or `npx tsx test/e2e/workbench.walkthrough.ts ...`). Uses playwright-core
 * with Debian's chromium (/usr/bin/chromium, or $CHROMIUM). Steps, on
 * /labs/tcp-echo/:
 *   1. the lesson loads with only the small loader: no Monaco/xterm yet
 *      (1000 px wide, where the workbench comes after the lesson);
 *   2. scrolling to the workbench loads it; the status says connected;
 *   3. Show solution (confirmed in the dialog), Run: the server pane says
 *      "listening on 12000/tcp";
 *   4. typing "hello" + Enter into the client pane prints "HELLO";
 *   5. Check: every check passes (✓);
 *   6. reload: the solution code is still in the editor, the last Check
 *      is remembered;
 *   7. the course home shows the lab as done;
 *   8. dark theme: the workbench follows Starlight's theme switch;
 *   9. switching to JavaScript ends the session; Ctrl+Enter in the editor
 *      runs the JavaScript starter;
 *  10. Add client starts "client 2"; Ctrl-C in its pane stops it;
 *  11. Check on the starter: failed checks open to their transcript;
 *  12. Reset to starter (confirmed) brings the starter back;
 *  13. keyboard: Tab reaches every control; Esc leaves a terminal;
 *  14. Expand fills the window (terminals refit); a lost WebGL context
 *      falls back to the DOM renderer with the text kept;
 *  15. with no runner (the built site on a static server), the workbench
 *      says how to start one, and edits are still saved.
 * Exit code 0 when every step passed, 1 otherwise.
 */
import { mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { staticServer } from '../support/browser.ts';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const BASE = opt('--url', 'http://127.0.0.1:4400').replace(/\/$/, '');
const OUT = opt('--out', '/tmp/socklab-shots');
const LAB = opt('--lab', 'tcp-echo');
mkdirSync(OUT, { recursive: true });

let failures = 0;
const step = async (name: string, fn: () => Promise<void>) => {
  const t0 = Date.now();
  try {
    await fn();
    console.log(`✓ ${name} (${Date.now() - t0} ms)`);
  } catch (err) {
    failures++;
    console.log(`✗ ${name}: ${(err as Error).message.split('\n')[0]}`);
  }
};
const shot = async (page: Page, name: string, fullPage = false) => {
  const path = `${OUT}/${name}.png`;
  await page.screenshot({ path, fullPage });
  console.log(`  screenshot ${path}`);
};

type Mounted = HTMLElement & { socklab?: { paneText(name: string): string; fileText(name: string): string } };
/** The text a pane's terminal shows (read from xterm's buffer: WebGL draws no DOM text). */
const paneText = (page: Page, name: string) =>
  page.evaluate((n) => (document.querySelector('[data-socklab-workbench]') as Mounted).socklab?.paneText(n) ?? '', name);

/**
 * The scripts a page runs before any dynamic import(): its <script src>,
 * <link rel=modulepreload>, and what those (and inline module scripts)
 * import statically, transitively.
 */
async function staticScriptClosure(pageUrl: string): Promise<{ url: string; text: string; gzip: number }[]> {
  const html = await (await fetch(pageUrl)).text();
  const seen = new Map<string, { url: string; text: string; gzip: number }>();
  const queue: string[] = [];
  for (const m of html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)) queue.push(new URL(m[1]!, pageUrl).href);
  for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)) queue.push(new URL(m[1]!, pageUrl).href);
  const staticImports = (code: string, base: string) =>
    [...code.matchAll(/(?:^|[;\s}])import\s*(?:[\w*{}\s,$]+\s*from\s*)?["']([^"']+)["']/g)].map((m) => new URL(m[1]!, base).href);
  for (const m of html.matchAll(/<script type="module">([\s\S]*?)<\/script>/g)) queue.push(...staticImports(m[1]!, pageUrl));
  while (queue.length) {
    const url = queue.shift()!;
    if (seen.has(url)) continue;
    const text = await (await fetch(url)).text();
    seen.set(url, { url: url.replace(BASE, ''), text, gzip: gzipSync(text).length });
    queue.push(...staticImports(text, url));
  }
  return [...seen.values()];
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
const page = await context.newPage();
const consoleErrors: string[] = [];
page.on('console', (m) => {
  if (m.type() === 'error') consoleErrors.push(m.text());
});
page.on('pageerror', (e) => consoleErrors.push(String(e)));
page.on('response', (res) => {
  if (res.status() >= 400) consoleErrors.push(`${res.status()} ${res.url()}`);
});
/** Whether the editor shows this text (Monaco renders spaces as U+00A0). */
const editorShows = (text: string) =>
  page.waitForFunction((t) => document.querySelector('.wb-editor .view-lines')?.textContent?.replace(/\u00a0/g, ' ').includes(t), text, { timeout: 5000 });

const scripts: { url: string; bytes: number; gzip: number }[] = [];
page.on('response', async (res) => {
  const url = res.url();
  if (res.request().resourceType() !== 'script' || !url.startsWith(BASE)) return;
  try {
    const body = await res.body();
    scripts.push({ url: url.slice(BASE.length), bytes: body.length, gzip: gzipSync(body).length });
  } catch {
    /* redirected or gone */
  }
});

try {
  // Fresh start: no saved work.
  await page.goto(`${BASE}/`);
  await page.evaluate(() => localStorage.clear());

  scripts.length = 0;
  await step('1. lesson loads light (no workbench bundle before use)', async () => {
    // 1000 px wide: the workbench comes after the lesson. (Wider, it sits
    // beside the lesson, in view, and loads at once.)
    await page.setViewportSize({ width: 1000, height: 1000 });
    await page.goto(`${BASE}/labs/${LAB}/`, { waitUntil: 'networkidle' });
    const inline = await page.evaluate(() =>
      [...document.querySelectorAll('script:not([src]):not([type="application/json"])')].map((s) => s.textContent ?? '').join('\n'),
    );
    const before = [...scripts];
    const total = before.reduce((a, s) => a + s.gzip, 0) + gzipSync(Buffer.from(inline)).length;
    console.log(`  JS before the workbench loads: ${before.length} files + inline scripts, ${(total / 1024).toFixed(1)} KiB gzipped`);
    for (const s of before) console.log(`    ${s.url}  ${s.bytes} B, ${s.gzip} B gz`);
    if (before.some((s) => /main\.|editor\.worker|monaco|xterm/.test(s.url))) throw new Error('the workbench bundle loaded before use');
    // Static closure too: every script the HTML names, and what they import statically.
    const closure = await staticScriptClosure(`${BASE}/labs/${LAB}/`);
    const heavy = closure.filter((c) => /monaco|xterm|editor\.worker|MonacoEnvironment/.test(c.text));
    console.log(`  static import closure of the page's scripts: ${closure.length} files, ${(closure.reduce((a, c) => a + c.gzip, 0) / 1024).toFixed(1)} KiB gz`);
    if (heavy.length) throw new Error(`the lesson's initial scripts reach the workbench bundle: ${heavy.map((c) => c.url).join(', ')}`);
    const mounted = await page.locator('.wb').count();
    if (mounted) throw new Error('the workbench mounted before it was scrolled to');
    await shot(page, '01-lesson-top');
  });

  await step('2. scrolling to the workbench loads it and connects', async () => {
    await page.locator('[data-socklab-workbench]').scrollIntoViewIfNeeded();
    await page.locator('.wb .monaco-editor').waitFor({ timeout: 30_000 });
    await page.locator('.wb[data-link="connected"]').waitFor({ timeout: 15_000 });
    const status = await page.locator('.wb-status').innerText();
    if (!/Connected/.test(status)) throw new Error(`status says "${status}"`);
    const after = scripts.filter((s) => /main\./.test(s.url));
    if (!after.length) throw new Error('no workbench bundle was fetched');
    console.log(`  workbench bundle: ${after.map((s) => `${s.url} ${(s.gzip / 1024).toFixed(0)} KiB gz`).join(', ')}`);
    await page.setViewportSize({ width: 1400, height: 1000 }); // beside the lesson from here on
    const renderer = await page.locator('.wb-pane').first().getAttribute('data-renderer');
    console.log(`  terminal renderer: ${renderer}`);
    await page.locator('.wb').scrollIntoViewIfNeeded();
    await page.evaluate(() => document.querySelector('.wb')!.scrollIntoView({ block: 'start' }));
    await shot(page, '02-workbench-loaded');
  });

  await step('3. Show solution, Run: server listening', async () => {
    await page.getByRole('button', { name: 'Show solution' }).click();
    await page.locator('dialog.wb-dialog[open]').waitFor();
    await shot(page, '03a-solution-dialog');
    await page.locator('dialog.wb-dialog[open]').getByRole('button', { name: 'Show solution' }).click();
    await editorShows('reference solution');
    await page.getByRole('button', { name: /^.?Run$/ }).click();
    await page.locator('.wb-pane[data-pane="server"] .wb-pane-state', { hasText: 'listening on 12000/tcp' }).waitFor({ timeout: 20_000 });
    await page.locator('.wb-pane[data-pane="client 1"][data-state="running"]').waitFor({ timeout: 20_000 });
    await page.evaluate(() => document.querySelector('.wb-panes')!.scrollIntoView({ block: 'center' }));
    await shot(page, '03b-running');
  });

  await step('4. type "hello" into the client: HELLO comes back', async () => {
    await page.locator('.wb-pane[data-pane="client 1"] .xterm').click();
    await page.keyboard.type('hello');
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      () => ((document.querySelector('[data-socklab-workbench]') as Mounted).socklab?.paneText('client 1') ?? '').split('\n').some((l) => l.trim() === 'HELLO'),
      null,
      { timeout: 10_000 },
    );
    await page.locator('.wb-pane[data-pane="client 1"] .wb-pane-state', { hasText: 'exited with code 0' }).waitFor({ timeout: 10_000 });
    console.log(`  client pane:\n${(await paneText(page, 'client 1')).split('\n').filter((l) => l.trim()).map((l) => `    | ${l}`).join('\n')}`);
    await shot(page, '04-hello-HELLO');
  });

  await step('5. Check: every check passes', async () => {
    await page.getByRole('button', { name: /^.?Check$/ }).click();
    await page.locator('.wb-checklist[data-verdict]').waitFor({ timeout: 120_000 });
    const verdict = await page.locator('.wb-checklist').getAttribute('data-verdict');
    const rows = await page.locator('.wb-check').evaluateAll((lis) =>
      lis.map((li) => `${li.querySelector('.wb-check-mark')?.textContent} ${(li as HTMLElement).dataset.role}: ${li.querySelector('.wb-check-name')?.textContent}`),
    );
    console.log(rows.map((r) => `    ${r}`).join('\n'));
    console.log(`  ${await page.locator('.wb-check-summary').innerText()}`);
    await page.locator('.wb-checklist').scrollIntoViewIfNeeded();
    await shot(page, '05-checks');
    if (verdict !== 'pass') throw new Error('not every check passed');
  });

  await step('6. reload: code and last Check kept', async () => {
    await page.reload({ waitUntil: 'load' });
    await page.locator('[data-socklab-workbench]').scrollIntoViewIfNeeded();
    await page.locator('.wb .monaco-editor').waitFor({ timeout: 30_000 });
    await editorShows('reference solution');
    const summary = await page.locator('.wb-check-summary').innerText();
    if (!/Last Check/.test(summary)) throw new Error(`checklist says "${summary}"`);
    await page.locator('.wb[data-link="connected"]').waitFor({ timeout: 15_000 });
    await page.evaluate(() => document.querySelector('.wb')!.scrollIntoView({ block: 'start' }));
    await shot(page, '06-after-reload');
  });

  await step('7. home page shows the lab as done', async () => {
    await page.goto(`${BASE}/`);
    const badge = page.locator(`li[data-lab="${LAB}"] [data-progress]`);
    await badge.waitFor({ state: 'visible', timeout: 5000 });
    const text = await badge.innerText();
    if (!/done/.test(text)) throw new Error(`badge says "${text}"`);
    await shot(page, '07-home-progress');
  });

  await step('8. dark theme: the workbench follows Starlight\'s switch', async () => {
    await page.goto(`${BASE}/labs/${LAB}/`);
    await page.locator('[data-socklab-workbench]').scrollIntoViewIfNeeded();
    await page.locator('.wb .monaco-editor').waitFor({ timeout: 30_000 });
    await page.locator('.wb[data-link="connected"]').waitFor({ timeout: 15_000 });
    await page.locator('starlight-theme-select select').first().selectOption('dark');
    await page.locator('.wb[data-theme="dark"]').waitFor({ timeout: 5000 });
    const bg = await page.locator('.wb .monaco-editor-background').first().evaluate((el) => getComputedStyle(el).backgroundColor);
    if (bg !== 'rgb(20, 22, 26)') throw new Error(`editor background is ${bg}`);
    await page.evaluate(() => document.querySelector('.wb')!.scrollIntoView({ block: 'start' }));
    await shot(page, '08-dark');
  });

  await step('9. switch to JavaScript, Ctrl+Enter in the editor runs it', async () => {
    await page.getByLabel('Language').selectOption('javascript');
    await page.locator('.wb-tab[aria-selected="true"]', { hasText: 'server.js' }).waitFor({ timeout: 5000 });
    await page.locator('.wb .monaco-editor .view-lines').click();
    await page.keyboard.press('Control+Enter');
    await page.locator('.wb-pane[data-pane="server"] .wb-pane-state', { hasText: 'listening on 12000/tcp' }).waitFor({ timeout: 20_000 });
    await page.locator('.wb-pane[data-pane="client 1"] .xterm').click();
    await page.keyboard.type('hi there');
    await page.keyboard.press('Enter');
    await page.locator('.wb-pane[data-pane="client 1"][data-state="exited"]').waitFor({ timeout: 10_000 });
    console.log(`  client pane (JavaScript starter):\n${(await paneText(page, 'client 1')).split('\n').filter((l) => l.trim()).map((l) => `    | ${l}`).join('\n')}`);
    await page.evaluate(() => document.querySelector('.wb')!.scrollIntoView({ block: 'start' }));
    await shot(page, '09-javascript-run');
  });

  await step('10. Add client, Ctrl-C stops it', async () => {
    await page.getByRole('button', { name: /Add client/ }).click();
    await page.locator('.wb-pane[data-pane="client 2"][data-state="running"]').waitFor({ timeout: 10_000 });
    await page.locator('.wb-pane[data-pane="client 2"] .xterm').click();
    await page.keyboard.press('Control+C');
    await page.locator('.wb-pane[data-pane="client 2"][data-state="exited"]').waitFor({ timeout: 10_000 });
    console.log(`  client 2: ${await page.locator('.wb-pane[data-pane="client 2"] .wb-pane-state').innerText()}`);
    await page.evaluate(() => document.querySelector('.wb-panes')!.scrollIntoView({ block: 'center' }));
    await shot(page, '10-add-client-ctrl-c');
    await page.getByRole('button', { name: /^.?Stop$/ }).click();
    await page.locator('.wb-pane[data-pane="server"][data-state="exited"]').waitFor({ timeout: 10_000 });
    console.log(`  after Stop, server: ${await page.locator('.wb-pane[data-pane="server"] .wb-pane-state').innerText()}`);
  });

  await step('11. Check the JavaScript starter: failures explained', async () => {
    await page.getByRole('button', { name: /^.?Check$/ }).click();
    await page.locator('.wb-checklist[data-verdict]').waitFor({ timeout: 120_000 });
    const rows = await page.locator('.wb-check').evaluateAll((lis) => lis.map((li) => `${(li as HTMLElement).dataset.status}: ${li.querySelector('.wb-check-name')?.textContent}`));
    console.log(rows.map((r) => `    ${r}`).join('\n'));
    const failed = await page.locator('.wb-check[data-status="failed"]').count();
    if (!failed) throw new Error('the starter passed every check');
    const open = page.locator('.wb-check-details[open]').first();
    await open.waitFor();
    await open.scrollIntoViewIfNeeded();
    await page.evaluate(() => document.querySelector('.wb-check-details[open]')!.scrollIntoView({ block: 'start' }));
    await shot(page, '11-check-failed-details');
    if (!(await open.locator('.wb-transcript tr[data-who="grader"]').count())) throw new Error('no grader lines in the transcript');
  });

  await step('12. back to Python, Reset to starter (confirmed)', async () => {
    await page.getByLabel('Language').selectOption('python');
    await editorShows('reference solution');
    await page.getByRole('button', { name: /Reset to starter/ }).click();
    await page.locator('dialog.wb-dialog[open]').getByRole('button', { name: 'Reset' }).click();
    await editorShows('server: starter');
    await page.locator('.wb-check-stale').waitFor({ timeout: 3000 }); // the last Check no longer describes this code
    const saved = await page.evaluate((lab) => localStorage.getItem(`socklab:${lab}:python:file:server.py`), LAB);
    if (saved !== null) throw new Error('the starter text is still stored as an edit');
  });

  await step('13. keyboard: Tab reaches every control, Esc leaves a terminal', async () => {
    await page.getByLabel('Language').focus();
    const seen: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      const label = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el) return '';
        return (el.getAttribute('aria-label') || el.textContent || el.tagName).trim().slice(0, 40);
      });
      seen.push(label);
      if (/Code editor/.test(label)) break;
    }
    console.log(`  Tab order: ${seen.join(' → ')}`);
    for (const want of ['Run', 'Stop', 'Add client', 'Check', 'Expand', 'server.py', 'Reset to starter', 'Show solution', 'Code editor']) {
      if (!seen.some((l) => l.includes(want))) throw new Error(`Tab never reached "${want}"`);
    }
    await page.getByLabel('Language').focus();
    await page.keyboard.press('Tab');
    await page.evaluate(() => document.querySelector('.wb')!.scrollIntoView({ block: 'start' }));
    await shot(page, '13a-focus-visible');
    await page.locator('.wb-pane[data-pane="server"] .xterm').click();
    await page.keyboard.press('Escape');
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
    if (focused !== 'server terminal') throw new Error(`Esc left the focus on "${focused}"`);
  });

  await step('14. Expand, resize, and WebGL context loss falls back to the DOM renderer', async () => {
    await page.getByRole('button', { name: /^.?Run$/ }).click();
    await page.locator('.wb-pane[data-pane="server"][data-state="listening"]').waitFor({ timeout: 20_000 });
    const sizes: string[] = [];
    await page.getByRole('button', { name: /Expand/ }).click();
    await page.waitForTimeout(400);
    await shot(page, '14a-expanded');
    const cols = await page.evaluate(() => [...document.querySelectorAll('.wb-pane .xterm')].map((x) => (x as HTMLElement).offsetWidth));
    sizes.push(`expanded pane widths ${cols.join(', ')} px`);
    await page.keyboard.press('Escape'); // focus is on the Expand button: leaves the expanded view
    await page.locator('.wb.wb-expanded').waitFor({ state: 'detached', timeout: 3000 });
    console.log(`  ${sizes.join('; ')}`);
    const lost = await page.evaluate(() => {
      // xterm's WebGL renderer draws on one canvas with a webgl2 context (other canvases are 2D).
      for (const canvas of document.querySelectorAll<HTMLCanvasElement>('.wb-pane[data-pane="server"] canvas')) {
        const ext = canvas.getContext('webgl2')?.getExtension('WEBGL_lose_context');
        if (ext) {
          ext.loseContext();
          return true;
        }
      }
      return false;
    });
    if (!lost) {
      console.log('  (no WebGL here: panes already use the DOM renderer)');
    } else {
      await page.locator('.wb-pane[data-pane="server"][data-renderer="dom"]').waitFor({ timeout: 5000 });
      const text = await paneText(page, 'server');
      if (!/ready to receive/.test(text)) throw new Error('the terminal text was lost with the GL context');
      const domRows = await page.locator('.wb-pane[data-pane="server"] .xterm-rows').innerText();
      if (!/ready to receive/.test(domRows)) throw new Error('the DOM renderer shows nothing');
      console.log('  server pane now renders with the DOM renderer, text kept');
    }
    await page.evaluate(() => document.querySelector('.wb-panes')!.scrollIntoView({ block: 'center' }));
    await shot(page, '14b-after-context-loss');
  });

  await step('15. no runner: the lesson reads, the workbench says how to start one', async () => {
    const server = await staticServer('dist');
    const offline = await context.newPage();
    try {
      await offline.goto(`${server.url}/labs/${LAB}/`);
      await offline.locator('[data-socklab-workbench]').scrollIntoViewIfNeeded();
      await offline.locator('.wb .monaco-editor').waitFor({ timeout: 30_000 });
      await offline.locator('.wb[data-link="offline"]').waitFor({ timeout: 15_000 });
      const help = await offline.locator('.wb-offline').innerText();
      if (!/npm start/.test(help)) throw new Error(`help says "${help}"`);
      await offline.locator('.wb .monaco-editor .view-lines').click();
      await offline.keyboard.press('Control+End');
      await offline.keyboard.type('\n# edited offline');
      await offline.getByRole('button', { name: /^.?Run$/ }).click();
      await offline.evaluate(() => document.querySelector('.wb')!.scrollIntoView({ block: 'start' }));
      await shot(offline, '15-no-runner');
      await offline.waitForTimeout(400);
      const saved = await offline.evaluate((lab) => localStorage.getItem(`socklab:${lab}:python:file:server.py`), LAB);
      if (!saved?.includes('# edited offline')) throw new Error('the offline edit was not saved');
    } finally {
      await offline.close();
      await server.close();
    }
  });
} finally {
  if (consoleErrors.length) console.log(`browser console errors:\n${consoleErrors.map((e) => `  ${e}`).join('\n')}`);
  await browser.close();
}

console.log(failures ? `${failures} step(s) failed` : 'all steps passed');
process.exit(failures ? 1 : 0);
