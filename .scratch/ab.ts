/* Scratch A/B: the same cold workbench-ready measure (bench/site.ts's, ready = editor+panes+connected) on two built sites, interleaved. */
import type { Browser } from 'playwright-core';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, startServe } from '../test/support/browser.ts';

const PROBE = `(() => {
  const marks = {};
  window.__socklabReady = marks;
  const observer = new MutationObserver(() => {
    const wb = document.querySelector('.wb');
    if (!wb) return;
    const t = performance.now();
    const root = document.querySelector('[data-socklab-workbench]');
    if (marks.editor === undefined && root && root.socklab && wb.querySelector('.monaco-editor .view-lines .view-line')) marks.editor = t;
    const panes = wb.querySelectorAll('.wb-pane');
    if (marks.panes === undefined && panes.length && [...panes].every((p) => p.querySelector('.xterm'))) marks.panes = t;
    if (marks.connected === undefined && wb.dataset.link === 'connected') marks.connected = t;
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-link', 'class'] });
})();`;

async function cold(browser: Browser, base: string) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    await page.addInitScript({ content: PROBE });
    await page.goto(`${base}/labs/tcp-echo/#workbench-heading`);
    await page.waitForFunction(() => { const m = (window as any).__socklabReady; return m.editor !== undefined && m.panes !== undefined && m.connected !== undefined; }, null, { timeout: 120000 });
    const m = await page.evaluate(() => (window as any).__socklabReady);
    const bundle = await page.evaluate(() => { const e = performance.getEntriesByType('resource').find((r) => /\/main\.[^/]*\.js$/.test(r.name)) as PerformanceResourceTiming | undefined; return [e?.startTime ?? 0, e?.responseEnd ?? 0]; });
    return { ready: Math.max(m.editor, m.panes, m.connected), editor: m.editor, panes: m.panes, connected: m.connected, bstart: bundle[0], bend: bundle[1] };
  } finally { await context.close(); }
}
async function home(browser: Browser, base: string) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try { const page = await context.newPage(); await page.goto(base + '/', { waitUntil: 'load' });
    return await page.evaluate(() => { const n = performance.getEntriesByType('navigation')[0] as any; return n.loadEventEnd || n.loadEventStart; });
  } finally { await context.close(); }
}
const med = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return Math.round(s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2); };
const [dirA, dirB, nStr] = process.argv.slice(2);
const snap = (d: string) => { const c = mkdtempSync(join(tmpdir(), 'socklab-ab-')); cpSync(d, c, { recursive: true }); return c; };
const sa = snap(dirA!), sb = snap(dirB!);
const A = await startServe(sa), B = await startServe(sb);
const browser = await launchChromium();
const runs: Record<string, any[]> = { A: [], B: [], home: [] };
try {
  await cold(browser, A.url); await cold(browser, B.url);
  for (let i = 0; i < Number(nStr ?? 5); i++) {
    runs.A!.push(await cold(browser, A.url)); runs.home!.push(await home(browser, B.url)); runs.B!.push(await cold(browser, B.url));
    console.log(i, JSON.stringify(runs.A!.at(-1), (k, v) => typeof v === 'number' ? Math.round(v) : v), JSON.stringify(runs.B!.at(-1), (k, v) => typeof v === 'number' ? Math.round(v) : v), Math.round(runs.home!.at(-1)));
  }
  for (const k of ['A', 'B']) console.log(k, Object.fromEntries(['ready', 'editor', 'panes', 'connected', 'bstart', 'bend'].map((f) => [f, med(runs[k]!.map((r) => r[f]))])));
  console.log('home load p50', med(runs.home!));
} finally { await browser.close(); await A.stop(); await B.stop(); rmSync(sa, { recursive: true, force: true }); rmSync(sb, { recursive: true, force: true }); }
