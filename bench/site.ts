/**
 * The course site in a real browser (Debian's chromium through
 * playwright-core) against the real `socklab serve`: the "site" figure of
 * `npm run bench`. Each value has a baseline from the same run on the same
 * machine.
 *
 *   lesson_page_js_kb   JavaScript a lesson page (/labs/tcp-echo/, 1024x768:
 *                       the workbench after the lesson) loads before its
 *                       load event: every script response the page
 *                       started before loadEventStart (its resource timing),
 *                       plus the page's inline scripts, each gzipped here
 *                       with zlib (level 6) from the fetched body. kB = 1000
 *                       bytes. The workbench bundle, fetched once the page
 *                       is idle (site/workbench/loader.ts), is reported
 *                       beside it (workbench JS at idle). Baseline: the same
 *                       for the course home page, a plain Starlight page
 *                       with no workbench. Goal <= 50.
 *   workbench_ready_ms  from navigation start to the workbench ready: the
 *                       editor showing the file's text and taking typing
 *                       (the plain editor the workbench mounts with, or
 *                       Monaco if it is there first), every terminal pane
 *                       attached (its xterm open in the page), and the
 *                       runner connected (before that Run only says "still
 *                       connecting"), opening /labs/tcp-echo/#workbench-heading
 *                       at 1280x800 (the workbench a column beside the
 *                       lesson, in view at once, so it loads and mounts on
 *                       arrival); p50 of 7 cold
 *                       loads, each in a fresh browser context (no cache, no
 *                       storage). Times are taken in the page
 *                       (performance.now(), a MutationObserver); each of
 *                       the three is kept too (information), and when
 *                       Monaco took the plain editor's place (monaco_ms).
 *                       Baseline: the home page's load event, cold, p50 of
 *                       7, interleaved. Goal: ready <= baseline + 400 ms.
 *   mount_after_scroll_ms  a narrower screen (1024x768): the lesson opened at its
 *                       top, the bundle preloaded at idle (data-bundle
 *                       "loaded"), then a scroll to the workbench: from the
 *                       scroll to ready. p50 of the same 7 loads.
 *   editor_bundle       the workbench bundle in the built site: main.*.js and
 *                       every chunk it imports statically, transitively
 *                       (xterm.js, shared code: all that must arrive before
 *                       it mounts), then Monaco: editor.*.js and its static
 *                       imports (its layer chunks), which main.*.js imports
 *                       once mounted: bytes and gzipped bytes of each and in
 *                       all; main.*.js's own beside them, and the part
 *                       before Monaco (shell_*). Chunks imported only on use
 *                       (the tokenizers, the editor worker) are listed apart.
 *   check_ms            the TCP echo Python reference solution (Show
 *                       solution) graded by the page's Check: from the click
 *                       to the verdict on the page; p50 of 3. Baseline:
 *                       `socklab grade tcp-echo <the solution folder>` run as
 *                       a command (Node start, tsx, the grader) on the same
 *                       files, wall time, p50 of 3, interleaved with the page.
 *                       The grader's own time (checkDone's durationMs, from
 *                       the WebSocket, and the CLI's JSON report) is kept too.
 *
 * The runner serves a private snapshot of dist/ (built first if missing),
 * so a rebuild of dist/ by someone else mid-run cannot break a page load.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, ROOT, snapshotSite, startServe } from '../test/support/browser.ts';
import { info, type Figure, type Row } from './figure.ts';
import { median, round } from './stats.ts';

const LAB = 'tcp-echo';
const SOLUTION_DIR = join(ROOT, 'labs/02-tcp-echo/solution/python');
const KB = 1000;
/** A desktop: from 72rem up the workbench is a column beside the lesson (site/styles/workbench-layout.css), in view at once. */
const VIEWPORT = { width: 1280, height: 800 };
/** A laptop too narrow for that column: the workbench comes after the lesson, out of view until a scroll. */
const NARROW = { width: 1024, height: 768 };
/** Cold loads per ready figure (each side, interleaved). */
const READY_RUNS = 7;
/** Issue 16: the workbench ready within this of the home page's cold load. */
const READY_GOAL_MS = 400;

const now = () => performance.now();

/* ---------------- JavaScript a page loads ---------------- */

interface ScriptFile {
  url: string;
  bytes: number;
  gzip: number;
}

interface PageJs {
  files: ScriptFile[];
  inline_bytes: number;
  inline_gzip: number;
  /** Files + inline, gzipped, in kB. */
  total_kb: number;
}

/** Records the JavaScript responses of a page: scripts, module chunks and workers. */
function recordScripts(page: Page, base: string): { files: ScriptFile[]; settled(): Promise<void> } {
  const files: ScriptFile[] = [];
  const pending: Promise<void>[] = [];
  page.on('response', (res) => {
    const url = res.url();
    const type = res.request().resourceType();
    if (!(type === 'script' || /\.m?js(\?|$)/.test(url))) return;
    pending.push(
      res.body().then(
        (body) => void files.push({ url: url.startsWith(base) ? url.slice(base.length) : url, bytes: body.length, gzip: gzipSync(body).length }),
        () => {},
      ),
    );
  });
  return { files, settled: () => Promise.all(pending).then(() => {}) };
}

/** The page's inline JavaScript (classic and module scripts; not JSON data). */
async function inlineScripts(page: Page): Promise<string> {
  return page.evaluate(() =>
    [...document.querySelectorAll('script:not([src])')]
      .filter((s) => {
        const type = (s.getAttribute('type') ?? '').trim().toLowerCase();
        return type === '' || type === 'module' || type === 'text/javascript' || type === 'application/javascript';
      })
      .map((s) => s.textContent ?? '')
      .join('\n'),
  );
}

/**
 * What a page loads, cold, without scrolling: the scripts it started before
 * its load event, and (`idle`) those it fetched later, once idle, until the
 * network is idle (and a moment more).
 */
async function pageJs(browser: Browser, base: string, path: string): Promise<PageJs & { workbench_mounted: boolean; idle: ScriptFile[]; idle_kb: number }> {
  const context = await browser.newContext({ viewport: NARROW });
  try {
    const page = await context.newPage();
    const rec = recordScripts(page, base);
    await page.goto(base + path, { waitUntil: 'networkidle' });
    await page.waitForTimeout(1000); // idle callbacks, late imports
    await rec.settled();
    const beforeLoad = new Set(
      await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        return performance
          .getEntriesByType('resource')
          .filter((e) => e.startTime < nav.loadEventStart)
          .map((e) => e.name);
      }),
    );
    const early = rec.files.filter((f) => beforeLoad.has(f.url.startsWith('http') ? f.url : base + f.url));
    const idle = rec.files.filter((f) => !early.includes(f));
    const inline = Buffer.from(await inlineScripts(page));
    const inlineGzip = inline.length ? gzipSync(inline).length : 0;
    return {
      files: early,
      inline_bytes: inline.length,
      inline_gzip: inlineGzip,
      total_kb: (early.reduce((a, f) => a + f.gzip, 0) + inlineGzip) / KB,
      workbench_mounted: (await page.locator('.wb').count()) > 0,
      idle,
      idle_kb: idle.reduce((a, f) => a + f.gzip, 0) / KB,
    };
  } finally {
    await context.close();
  }
}

/** What using the workbench adds: scroll to it, wait until it is ready and the network is idle. */
async function workbenchJs(browser: Browser, base: string): Promise<{ files: ScriptFile[]; total_kb: number }> {
  const context = await browser.newContext({ viewport: NARROW });
  try {
    const page = await context.newPage();
    await page.goto(`${base}/labs/${LAB}/`, { waitUntil: 'networkidle' });
    const rec = recordScripts(page, base);
    await page.locator('[data-socklab-workbench]').scrollIntoViewIfNeeded();
    await page.locator('.wb[data-link="connected"] .monaco-editor .view-line').first().waitFor({ timeout: 60_000 });
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(500);
    await rec.settled();
    return { files: rec.files, total_kb: rec.files.reduce((a, f) => a + f.gzip, 0) / KB };
  } finally {
    await context.close();
  }
}

/* ---------------- workbench ready, cold ---------------- */

/**
 * Installed before any page script: notes when the editor shows text, when
 * every terminal pane is attached (its xterm open), and when the runner is
 * connected; "ready" is the last of the three: a student can type, see the
 * terminals and press Run (which needs the connection). The editor is the
 * plain one (a textarea holding the file's text) until Monaco takes its
 * place, which is noted too. Plain JavaScript in a
 * string: a function compiled by tsx would carry esbuild's __name() helper
 * into the page.
 */
const READY_PROBE = `(() => {
  const marks = {};
  window.__socklabReady = marks;
  const observer = new MutationObserver(() => {
    const wb = document.querySelector('.wb');
    if (!wb) return;
    const t = performance.now();
    const root = document.querySelector('[data-socklab-workbench]');
    const plain = wb.querySelector('.wb-editor textarea.wb-plain-text');
    const monaco = wb.querySelector('.monaco-editor .view-lines .view-line');
    if (marks.editor === undefined && root && root.socklab && (monaco || (plain && plain.value.length > 0))) marks.editor = t;
    if (marks.monaco === undefined && root && root.socklab && monaco) marks.monaco = t;
    const panes = wb.querySelectorAll('.wb-pane');
    if (marks.panes === undefined && panes.length && [...panes].every((p) => p.querySelector('.xterm'))) marks.panes = t;
    if (marks.connected === undefined && wb.dataset.link === 'connected') marks.connected = t;
    if (marks.ready === undefined && marks.editor !== undefined && marks.panes !== undefined && marks.connected !== undefined) marks.ready = Math.max(marks.editor, marks.panes, marks.connected);
    if (marks.ready !== undefined && marks.monaco !== undefined) observer.disconnect();
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-link', 'class'] });
})();`;

interface ReadyRun {
  /** Editor, panes and runner connection (navigation start = 0). */
  ready: number;
  editor: number;
  panes: number;
  connected: number;
  /** Monaco in the plain editor's place. */
  monaco: number;
  /** When the last file of the workbench bundle (main.*.js and its static imports) finished arriving. */
  bundle: number;
}

type Marks = { editor: number; panes: number; connected: number; ready: number; monaco: number };
const marksOf = (page: Page) => page.evaluate(() => (window as unknown as { __socklabReady: Marks }).__socklabReady);
const waitReady = (page: Page) =>
  page.waitForFunction(() => {
    const m = (window as unknown as { __socklabReady: Partial<Marks> }).__socklabReady;
    return m.ready !== undefined && m.monaco !== undefined;
  }, null, { timeout: 60_000 });

/** The lesson opened at its workbench, cold: the bundle (`bundleFiles`, names under /_astro/) loads and mounts on arrival. */
async function coldReady(browser: Browser, base: string, bundleFiles: string[]): Promise<ReadyRun> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await context.newPage();
    await page.addInitScript({ content: READY_PROBE });
    await page.goto(`${base}/labs/${LAB}/#workbench-heading`);
    await waitReady(page);
    const m = await marksOf(page);
    const bundle = await page.evaluate((files) => {
      const ends = (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
        .filter((r) => files.some((f) => r.name.endsWith(`/_astro/${f}`)))
        .map((r) => r.responseEnd);
      return ends.length ? Math.max(...ends) : 0;
    }, bundleFiles);
    return { ready: m.ready, editor: m.editor, panes: m.panes, connected: m.connected, monaco: m.monaco, bundle };
  } finally {
    await context.close();
  }
}

/** The lesson opened at its top, cold; once the idle preload is done, a scroll to the workbench: ms from the scroll to ready. */
async function mountAfterScroll(browser: Browser, base: string): Promise<{ ms: number; preloaded_at: number }> {
  const context = await browser.newContext({ viewport: NARROW });
  try {
    const page = await context.newPage();
    await page.addInitScript({ content: READY_PROBE });
    await page.goto(`${base}/labs/${LAB}/`);
    // A site without the idle preload (an older build, for a before/after) is scrolled after 10 s: preloaded_at is then NaN.
    const preloaded = await page
      .locator('[data-socklab-workbench][data-bundle="loaded"]')
      .waitFor({ state: 'attached', timeout: 10_000 })
      .then(() => true, () => false);
    if (await page.locator('.wb').count()) throw new Error('the workbench mounted before the scroll: the figure would be wrong');
    const preloadedAt = preloaded ? await page.evaluate(() => performance.now()) : NaN;
    const t0 = await page.evaluate(() => {
      const t = performance.now();
      document.querySelector('[data-socklab-workbench]')!.scrollIntoView();
      return t;
    });
    await waitReady(page);
    return { ms: (await marksOf(page)).ready - t0, preloaded_at: preloadedAt };
  } finally {
    await context.close();
  }
}

interface BundleFile {
  file: string;
  bytes: number;
  gzip: number;
}

/**
 * The workbench bundle in the built site: main.*.js and every chunk it
 * imports statically, transitively (what must arrive before it runs), and
 * apart the chunks it names otherwise (dynamic imports: the tokenizers, the
 * editor worker).
 */
function editorBundle(site: string): { file: string; main_bytes: number; main_gzip: number; shell_bytes: number; shell_gzip: number; bytes: number; gzip: number; files: BundleFile[]; chunks: { file: string; bytes: number }[] } {
  const dir = join(site, '_astro');
  const names = readdirSync(dir);
  const main = names.find((f) => /^main\.[\w-]+\.js$/.test(f));
  if (!main) throw new Error('the built site has no workbench bundle (_astro/main.*.js)');
  const editor = names.find((f) => /^editor\.[\w-]+\.js$/.test(f));
  if (!editor) throw new Error('the built site has no editor chunk (_astro/editor.*.js)');
  const files: BundleFile[] = [];
  const visit = (file: string): void => {
    if (files.some((f) => f.file === file) || !names.includes(file)) return;
    const body = readFileSync(join(dir, file));
    files.push({ file, bytes: body.length, gzip: gzipSync(body).length });
    // Static imports only (`from"./x.js"`, `import"./x.js"`); an import() waits for its use.
    for (const m of body.toString('utf8').matchAll(/(?:\bfrom|\bimport)\s*["']\.\/([\w.-]+\.js)["']/g)) visit(m[1]!);
  };
  visit(main);
  const shell = [...files];
  visit(editor);
  const body = readFileSync(join(dir, main), 'utf8') + readFileSync(join(dir, editor), 'utf8');
  const chunks = names
    .filter((f) => f.endsWith('.js') && !files.some((g) => g.file === f) && body.includes(f))
    .map((f) => ({ file: f, bytes: statSync(join(dir, f)).size }));
  return {
    file: main,
    main_bytes: files[0]!.bytes,
    main_gzip: files[0]!.gzip,
    shell_bytes: shell.reduce((a, f) => a + f.bytes, 0),
    shell_gzip: shell.reduce((a, f) => a + f.gzip, 0),
    bytes: files.reduce((a, f) => a + f.bytes, 0),
    gzip: files.reduce((a, f) => a + f.gzip, 0),
    files,
    chunks,
  };
}

async function coldLoad(browser: Browser, url: string): Promise<number> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'load' });
    return await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return nav.loadEventEnd || nav.loadEventStart || performance.now();
    });
  } finally {
    await context.close();
  }
}

/* ---------------- Check, page vs CLI ---------------- */

/** The lab page with the reference solution in the editor, connected. */
async function solutionPage(browser: Browser, base: string): Promise<{ context: BrowserContext; page: Page; graderMs: number[] }> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  const graderMs: number[] = [];
  page.on('websocket', (ws) =>
    ws.on('framereceived', (f) => {
      if (typeof f.payload !== 'string' || !f.payload.includes('"checkDone"')) return;
      try {
        const m = JSON.parse(f.payload) as { type: string; durationMs?: number };
        if (m.type === 'checkDone' && typeof m.durationMs === 'number') graderMs.push(m.durationMs);
      } catch {
        /* not JSON */
      }
    }),
  );
  await page.goto(`${base}/labs/${LAB}/`);
  await page.locator('[data-socklab-workbench]').scrollIntoViewIfNeeded();
  await page.locator('.wb[data-link="connected"] .monaco-editor .view-line').first().waitFor({ timeout: 60_000 });
  await page.locator('.wb-filebar').getByRole('button', { name: /Show solution/ }).click();
  await page.locator('dialog.wb-dialog[open]').getByRole('button', { name: 'Show solution' }).click();
  await page.waitForFunction(() => /reference solution/.test((document.querySelector('[data-socklab-workbench]') as unknown as { socklab: { fileText(n: string): string } }).socklab.fileText('server.py')));
  return { context, page, graderMs };
}

/** One Check from the page: click to verdict, timed in the page. */
async function pageCheck(page: Page): Promise<{ ms: number; verdict: string }> {
  return page.evaluate(
    () =>
      new Promise<{ ms: number; verdict: string }>((resolve, reject) => {
        const list = document.querySelector<HTMLElement>('.wb-checklist')!;
        const button = [...document.querySelectorAll<HTMLButtonElement>('.wb-toolbar button')].find((b) => /Check$/.test(b.textContent ?? ''));
        if (!button) return reject(new Error('no Check button'));
        let started = false;
        const timer = setTimeout(() => reject(new Error('Check took more than 120 s')), 120_000);
        const observer = new MutationObserver(() => {
          if (list.dataset.running === 'true') started = true;
          if (started && list.dataset.running === 'false' && list.dataset.verdict) {
            const ms = performance.now() - t0;
            observer.disconnect();
            clearTimeout(timer);
            resolve({ ms, verdict: list.dataset.verdict });
          }
        });
        observer.observe(list, { attributes: true, attributeFilter: ['data-running', 'data-verdict'] });
        const t0 = performance.now();
        button.click();
      }),
  );
}

/** `socklab grade` as a command on the solution folder: wall time and the grader's own time. */
function cliGrade(): Promise<{ ms: number; graderMs: number; passed: number; failed: number }> {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const child = spawn(process.execPath, ['bin/socklab.js', 'grade', LAB, SOLUTION_DIR, '--lang', 'python', '--reporter', 'json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      try {
        process.kill(child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const ms = now() - t0;
      try {
        const report = JSON.parse(out) as { durationMs: number; passed: number; failed: number };
        resolve({ ms, graderMs: report.durationMs, passed: report.passed, failed: report.failed });
      } catch {
        reject(new Error(`socklab grade exited with ${code}: ${err.slice(0, 500)}`));
      }
    });
  });
}

/* ---------------- the section ---------------- */

export interface SiteResults {
  lesson_page_js_kb: number;
  lesson_page_js: PageJs;
  baseline_home_js_kb: number;
  baseline_home_js: PageJs;
  /** The workbench bundle fetched once the lesson page is idle (gzip kB). */
  workbench_idle_js_kb: number;
  workbench_idle_js: ScriptFile[];
  workbench_on_use_js_kb: number;
  workbench_on_use_js: ScriptFile[];
  editor_bundle: ReturnType<typeof editorBundle>;
  workbench_ready_ms: number;
  workbench_ready_runs: ReadyRun[];
  editor_ready_ms: number;
  panes_attached_ms: number;
  runner_connected_ms: number;
  monaco_ms: number;
  mount_after_scroll_ms: number;
  mount_after_scroll_runs: number[];
  lesson_preloaded_at_ms: number;
  bundle_arrived_ms: number;
  baseline_home_load_ms: number;
  baseline_home_load_runs: number[];
  check_ms: number;
  check_runs: number[];
  check_grader_ms: number;
  baseline_cli_grade_ms: number;
  baseline_cli_grade_runs: number[];
  baseline_cli_grader_ms: number;
  leftover_processes_killed: number;
}

export async function benchSite(opts: { log?: (line: string) => void } = {}): Promise<SiteResults> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const site = await snapshotSite(['index.html', `labs/${LAB}/index.html`], undefined, { rebuildStale: true });
  const bundle = editorBundle(site);
  const bundleFiles = bundle.files.map((f) => f.file);
  const served = await startServe(site);
  const browser = await launchChromium();
  let result: SiteResults | undefined;
  try {
    const base = served.url;
    // Warm the runner and the machine's file cache once (not measured).
    await coldReady(browser, base, bundleFiles);

    log('  JavaScript before the workbench is used (lesson vs home page)...');
    const lesson = await pageJs(browser, base, `/labs/${LAB}/`);
    if (lesson.workbench_mounted) throw new Error(`the workbench mounted without being used (viewport ${NARROW.width}x${NARROW.height}): the figure would be wrong`);
    const home = await pageJs(browser, base, '/');
    const onUse = await workbenchJs(browser, base);

    log(`  workbench ready, ${READY_RUNS} cold loads at the workbench, ${READY_RUNS} at the top then a scroll, ${READY_RUNS} of the home page, interleaved...`);
    const ready: ReadyRun[] = [];
    const homeLoad: number[] = [];
    const scrolled: { ms: number; preloaded_at: number }[] = [];
    for (let i = 0; i < READY_RUNS; i++) {
      ready.push(await coldReady(browser, base, bundleFiles));
      homeLoad.push(await coldLoad(browser, `${base}/`));
      scrolled.push(await mountAfterScroll(browser, base));
    }

    log('  Check on the solution, 3 from the page and 3 `socklab grade` runs, interleaved...');
    const { context, page, graderMs } = await solutionPage(browser, base);
    const pageRuns: number[] = [];
    const cliRuns: { ms: number; graderMs: number }[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const r = await pageCheck(page);
        if (r.verdict !== 'pass') throw new Error(`the solution did not pass on the page (verdict ${r.verdict})`);
        pageRuns.push(r.ms);
        const c = await cliGrade();
        if (c.failed !== 0) throw new Error(`socklab grade failed ${c.failed} checks of the solution`);
        cliRuns.push(c);
      }
    } finally {
      await context.close();
    }

    result = {
      lesson_page_js_kb: lesson.total_kb,
      lesson_page_js: stripFlag(lesson),
      baseline_home_js_kb: home.total_kb,
      baseline_home_js: stripFlag(home),
      workbench_idle_js_kb: lesson.idle_kb,
      workbench_idle_js: lesson.idle,
      workbench_on_use_js_kb: onUse.total_kb,
      workbench_on_use_js: onUse.files,
      editor_bundle: bundle,
      workbench_ready_ms: median(ready.map((r) => r.ready)),
      workbench_ready_runs: ready,
      editor_ready_ms: median(ready.map((r) => r.editor)),
      panes_attached_ms: median(ready.map((r) => r.panes)),
      runner_connected_ms: median(ready.map((r) => r.connected)),
      monaco_ms: median(ready.map((r) => r.monaco)),
      mount_after_scroll_ms: median(scrolled.map((r) => r.ms)),
      mount_after_scroll_runs: scrolled.map((r) => r.ms),
      lesson_preloaded_at_ms: median(scrolled.map((r) => r.preloaded_at)),
      bundle_arrived_ms: median(ready.map((r) => r.bundle)),
      baseline_home_load_ms: median(homeLoad),
      baseline_home_load_runs: homeLoad,
      check_ms: median(pageRuns),
      check_runs: pageRuns,
      check_grader_ms: graderMs.length ? median(graderMs) : NaN,
      baseline_cli_grade_ms: median(cliRuns.map((c) => c.ms)),
      baseline_cli_grade_runs: cliRuns.map((c) => c.ms),
      baseline_cli_grader_ms: median(cliRuns.map((c) => c.graderMs)),
      leftover_processes_killed: 0,
    };
  } finally {
    await browser.close().catch(() => {});
    const leftover = await served.stop();
    rmSync(site, { recursive: true, force: true });
    if (leftover) log(`  site: killed ${leftover} leftover processes of its runner by pid`);
    if (result) result.leftover_processes_killed = leftover;
  }
  return result;
}

function stripFlag(p: PageJs & { workbench_mounted: boolean; idle: ScriptFile[]; idle_kb: number }): PageJs {
  const { workbench_mounted: _, idle: _idle, idle_kb: _idleKb, ...rest } = p;
  return rest;
}

/** The figure's rows in the bench's table. */
export function siteRows(s: SiteResults): Row[] {
  const kb = (x: number) => round(x, 1).toString();
  return [
    {
      metric: 'lesson_page_js_kb (gzip)',
      value: kb(s.lesson_page_js_kb),
      baseline: `${kb(s.baseline_home_js_kb)} (home page, no workbench)`,
      ratio: `${round(s.lesson_page_js_kb / s.baseline_home_js_kb, 2)}x`,
      goal: '<= 50',
      ok: s.lesson_page_js_kb <= 50,
    },
    info('  workbench JS at idle / on use (gzip kB)', `${kb(s.workbench_idle_js_kb)} / ${kb(s.workbench_on_use_js_kb)}`),
    info(
      '  workbench bundle (main.*.js + static imports)',
      `${kb(s.editor_bundle.bytes / KB)} kB`,
      `${kb(s.editor_bundle.gzip / KB)} kB gzipped`,
      `${s.editor_bundle.files.length} files; main.*.js ${kb(s.editor_bundle.main_bytes / KB)} kB; before Monaco ${kb(s.editor_bundle.shell_gzip / KB)} kB gzipped`,
    ),
    {
      metric: 'workbench_ready_ms p50 (cold, at the workbench)',
      value: round(s.workbench_ready_ms, 0).toString(),
      baseline: `${round(s.baseline_home_load_ms, 0)} (home page load, cold)`,
      ratio: `+${round(s.workbench_ready_ms - s.baseline_home_load_ms, 0)} ms`,
      goal: '<= +400 ms',
      ok: s.workbench_ready_ms - s.baseline_home_load_ms <= READY_GOAL_MS,
    },
    info('  bundle/editor/panes/connected/Monaco p50', `${round(s.bundle_arrived_ms, 0)}/${round(s.editor_ready_ms, 0)}/${round(s.panes_attached_ms, 0)}/${round(s.runner_connected_ms, 0)}/${round(s.monaco_ms, 0)}`),
    info('  scroll to ready p50 (preloaded)', round(s.mount_after_scroll_ms, 0).toString(), `preloaded ${round(s.lesson_preloaded_at_ms, 0)} ms after navigation`),
    info('check_ms p50 (page, solution)', round(s.check_ms, 0).toString(), `${round(s.baseline_cli_grade_ms, 0)} (socklab grade CLI)`, `${round(s.check_ms / s.baseline_cli_grade_ms, 2)}x`),
    info('  grader alone, page/CLI p50', round(s.check_grader_ms, 0).toString(), round(s.baseline_cli_grader_ms, 0).toString(), `${round(s.check_grader_ms / s.baseline_cli_grader_ms, 2)}x`),
  ];
}

export const siteFigure: Figure<SiteResults> = {
  name: 'site',
  key: 'site',
  title: 'the site in chromium: lesson JS, workbench ready (7 cold loads each way), Check vs socklab grade (3 each)',
  run: () => benchSite(),
  rows: siteRows,
};
