/**
 * The course site in a real browser (Debian's chromium through
 * playwright-core) against the real `socklab serve`: the "site" figure of
 * `npm run bench`. Each value has a baseline from the same run on the same
 * machine.
 *
 *   lesson_page_js_kb   JavaScript a lesson page (/labs/tcp-echo/) loads before
 *                       the workbench is used: every script response in the
 *                       browser's network log once the page is idle, plus
 *                       the page's inline scripts, each gzipped here with
 *                       zlib (level 6) from the fetched body. kB = 1000 bytes.
 *                       Baseline: the same for the course home page, a plain
 *                       Starlight page with no workbench. Goal <= 50.
 *   workbench_ready_ms  from navigation start to an editable editor (Monaco
 *                       created, the file's text rendered) and a connected
 *                       runner (the status says connected), opening
 *                       /labs/tcp-echo/#workbench-heading (the workbench in
 *                       view at once, so it loads on arrival); p50 of 5 cold
 *                       loads, each in a fresh browser context (no cache, no
 *                       storage). Both times are taken in the page
 *                       (performance.now(), a MutationObserver). Baseline:
 *                       the home page's load event, cold, p50 of 5.
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
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, ROOT, snapshotSite, startServe } from '../test/support/browser.ts';
import { info, type Figure, type Row } from './figure.ts';
import { median, round } from './stats.ts';

const LAB = 'tcp-echo';
const SOLUTION_DIR = join(ROOT, 'labs/02-tcp-echo/solution/python');
const KB = 1000;
const VIEWPORT = { width: 1280, height: 800 };

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

/** What a page loads, cold, until the network is idle (and a moment more), without scrolling. */
async function pageJs(browser: Browser, base: string, path: string): Promise<PageJs & { workbench_mounted: boolean }> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await context.newPage();
    const rec = recordScripts(page, base);
    await page.goto(base + path, { waitUntil: 'networkidle' });
    await page.waitForTimeout(1000); // idle callbacks, late imports
    await rec.settled();
    const inline = Buffer.from(await inlineScripts(page));
    const inlineGzip = inline.length ? gzipSync(inline).length : 0;
    return {
      files: rec.files,
      inline_bytes: inline.length,
      inline_gzip: inlineGzip,
      total_kb: (rec.files.reduce((a, f) => a + f.gzip, 0) + inlineGzip) / KB,
      workbench_mounted: (await page.locator('.wb').count()) > 0,
    };
  } finally {
    await context.close();
  }
}

/** What using the workbench adds: scroll to it, wait until it is ready and the network is idle. */
async function workbenchJs(browser: Browser, base: string): Promise<{ files: ScriptFile[]; total_kb: number }> {
  const context = await browser.newContext({ viewport: VIEWPORT });
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
 * Installed before any page script: notes when the editor shows text and
 * when the runner is connected. Plain JavaScript in a string: a function
 * compiled by tsx would carry esbuild's __name() helper into the page.
 */
const READY_PROBE = `(() => {
  const marks = {};
  window.__socklabReady = marks;
  const observer = new MutationObserver(() => {
    const wb = document.querySelector('.wb');
    if (!wb) return;
    const t = performance.now();
    const root = document.querySelector('[data-socklab-workbench]');
    if (marks.editor === undefined && root && root.socklab && wb.querySelector('.monaco-editor .view-lines .view-line')) marks.editor = t;
    if (marks.connected === undefined && wb.dataset.link === 'connected') marks.connected = t;
    if (marks.editor !== undefined && marks.connected !== undefined) {
      marks.ready = Math.max(marks.editor, marks.connected);
      observer.disconnect();
    }
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-link', 'class'] });
})();`;

interface ReadyRun {
  ready: number;
  editor: number;
  connected: number;
  /** When the workbench bundle (main.*.js) finished arriving. */
  bundle: number;
}

async function coldReady(browser: Browser, base: string): Promise<ReadyRun> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await context.newPage();
    await page.addInitScript({ content: READY_PROBE });
    await page.goto(`${base}/labs/${LAB}/#workbench-heading`);
    await page.waitForFunction(() => (window as unknown as { __socklabReady: { ready?: number } }).__socklabReady.ready !== undefined, null, { timeout: 60_000 });
    return await page.evaluate(() => {
      const m = (window as unknown as { __socklabReady: { editor: number; connected: number; ready: number } }).__socklabReady;
      const bundle = performance.getEntriesByType('resource').find((e) => /\/main\.[^/]*\.js$/.test(e.name)) as PerformanceResourceTiming | undefined;
      return { ready: m.ready, editor: m.editor, connected: m.connected, bundle: bundle?.responseEnd ?? 0 };
    });
  } finally {
    await context.close();
  }
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
  workbench_on_use_js_kb: number;
  workbench_on_use_js: ScriptFile[];
  workbench_ready_ms: number;
  workbench_ready_runs: ReadyRun[];
  editor_ready_ms: number;
  runner_connected_ms: number;
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
  const site = await snapshotSite(['index.html', `labs/${LAB}/index.html`]);
  const served = await startServe(site);
  const browser = await launchChromium();
  let result: SiteResults | undefined;
  try {
    const base = served.url;
    // Warm the runner and the machine's file cache once (not measured).
    await coldReady(browser, base);

    log('  JavaScript before the workbench is used (lesson vs home page)...');
    const lesson = await pageJs(browser, base, `/labs/${LAB}/`);
    if (lesson.workbench_mounted) throw new Error(`the workbench mounted without being used (viewport ${VIEWPORT.width}x${VIEWPORT.height}): the figure would be wrong`);
    const home = await pageJs(browser, base, '/');
    const onUse = await workbenchJs(browser, base);

    log('  workbench ready, 5 cold loads (and the home page, 5 cold loads)...');
    const ready: ReadyRun[] = [];
    const homeLoad: number[] = [];
    for (let i = 0; i < 5; i++) {
      ready.push(await coldReady(browser, base));
      homeLoad.push(await coldLoad(browser, `${base}/`));
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
      workbench_on_use_js_kb: onUse.total_kb,
      workbench_on_use_js: onUse.files,
      workbench_ready_ms: median(ready.map((r) => r.ready)),
      workbench_ready_runs: ready,
      editor_ready_ms: median(ready.map((r) => r.editor)),
      runner_connected_ms: median(ready.map((r) => r.connected)),
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

function stripFlag(p: PageJs & { workbench_mounted: boolean }): PageJs {
  const { workbench_mounted: _, ...rest } = p;
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
    info('  workbench JS on use (gzip kB)', kb(s.workbench_on_use_js_kb)),
    info(
      'workbench_ready_ms p50 (cold)',
      round(s.workbench_ready_ms, 0).toString(),
      `${round(s.baseline_home_load_ms, 0)} (home page load, cold)`,
      `${round(s.workbench_ready_ms / s.baseline_home_load_ms, 1)}x`,
    ),
    info('  bundle/editor/connected p50', `${round(s.bundle_arrived_ms, 0)}/${round(s.editor_ready_ms, 0)}/${round(s.runner_connected_ms, 0)}`),
    info('check_ms p50 (page, solution)', round(s.check_ms, 0).toString(), `${round(s.baseline_cli_grade_ms, 0)} (socklab grade CLI)`, `${round(s.check_ms / s.baseline_cli_grade_ms, 2)}x`),
    info('  grader alone, page/CLI p50', round(s.check_grader_ms, 0).toString(), round(s.baseline_cli_grader_ms, 0).toString(), `${round(s.check_grader_ms / s.baseline_cli_grader_ms, 2)}x`),
  ];
}

export const siteFigure: Figure<SiteResults> = {
  name: 'site',
  key: 'site',
  title: 'the site in chromium: lesson JS, workbench ready (5 cold loads), Check vs socklab grade (3 each)',
  run: () => benchSite(),
  rows: siteRows,
};
