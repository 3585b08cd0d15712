/* Scratch: where the workbench-ready time goes (not committed). */
import type { Browser } from 'playwright-core';
import { launchChromium, snapshotSite, startServe } from '../test/support/browser.ts';
import { rmSync, writeFileSync } from 'node:fs';

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
    if (marks.mounted === undefined) marks.mounted = t;
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-link', 'class'] });
})();`;

async function one(browser: Browser, base: string, trace: boolean, i: number) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.addInitScript({ content: PROBE });
  if (trace) await browser.startTracing(page, { categories: ['devtools.timeline', 'v8', 'v8.execute', 'disabled-by-default-devtools.timeline', 'blink.user_timing', 'loading', 'netlog'] });
  const wsT: Record<string, number> = {};
  page.on('websocket', (ws) => { wsT.open = Date.now(); ws.on('framereceived', (f) => { if (!wsT.first) wsT.first = Date.now(); }); });
  const t0 = Date.now();
  await page.goto(`${base}/labs/tcp-echo/#workbench-heading`);
  await page.waitForFunction(() => { const m = (window as any).__socklabReady; return m.editor !== undefined && m.panes !== undefined && m.connected !== undefined; }, null, { timeout: 120000 });
  const marks = await page.evaluate(() => (window as any).__socklabReady);
  const res = await page.evaluate(() => performance.getEntriesByType('resource').map((e: any) => ({ n: e.name.replace(/^https?:\/\/[^/]+/, ''), s: Math.round(e.startTime), rs: Math.round(e.responseStart), e: Math.round(e.responseEnd), b: e.encodedBodySize, t: e.initiatorType })));
  const nav = await page.evaluate(() => { const n = performance.getEntriesByType('navigation')[0] as any; return { dcl: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd), resp: Math.round(n.responseEnd) }; });
  const paints = await page.evaluate(() => performance.getEntriesByType('paint').map((p) => [p.name, Math.round(p.startTime)]));
  console.log(`run ${i}: marks`, JSON.stringify(Object.fromEntries(Object.entries(marks).map(([k, v]) => [k, Math.round(v as number)]))), 'nav', JSON.stringify(nav), 'paints', JSON.stringify(paints), 'ws open at', wsT.open - t0, 'first frame', wsT.first - t0, '(wall from goto)');
  for (const r of res) console.log(`   ${r.t.padEnd(8)} ${String(r.s).padStart(6)} ${String(r.rs).padStart(6)} ${String(r.e).padStart(6)} ${String(r.b).padStart(9)} ${r.n}`);
  if (trace) {
    const buf = await browser.stopTracing();
    writeFileSync(`/tmp/wb-trace-${i}.json`, buf);
    const ev = JSON.parse(buf.toString()).traceEvents as any[];
    // main thread of the renderer: thread with most EvaluateScript
    const mainTid = (() => { const c = new Map<string, number>(); for (const e of ev) if (e.name === 'ParseHTML' || e.name === 'EvaluateScript') c.set(`${e.pid}:${e.tid}`, (c.get(`${e.pid}:${e.tid}`) ?? 0) + 1); return [...c].sort((a, b) => b[1] - a[1])[0]![0]; })();
    const agg = new Map<string, number>();
    const navStart = ev.find((e) => e.name === 'navigationStart' || e.name === 'NavigationStart' || e.name === 'markAsMainFrame')?.ts;
    const items: string[] = [];
    for (const e of ev) {
      if (`${e.pid}:${e.tid}` !== mainTid || e.ph !== 'X' || !e.dur) continue;
      const url = e.args?.data?.url ?? e.args?.data?.stackTrace?.[0]?.url ?? e.args?.fileName ?? '';
      const key = `${e.name} ${String(url).replace(/^https?:\/\/[^/]+/, '')}`;
      if (['EvaluateScript', 'v8.compile', 'v8.compileModule', 'v8.evaluateModule', 'FunctionCall', 'Layout', 'UpdateLayoutTree', 'ParseHTML', 'Paint', 'v8.parseOnBackground', 'MajorGC', 'MinorGC', 'V8.GCScavenger', 'ParseAuthorStyleSheet', 'TimerFire', 'FireAnimationFrame', 'RunMicrotasks', 'v8.run', 'ScheduleStyleRecalculation', 'PrePaint', 'Commit', 'RunTask'].includes(e.name)) agg.set(key, (agg.get(key) ?? 0) + e.dur / 1000);
      if (e.dur > 50000 && e.name !== 'RunTask') items.push(`${((e.ts - navStart) / 1000).toFixed(0)}ms +${(e.dur / 1000).toFixed(0)} ${key}`);
    }
    console.log('  main thread totals (ms, nested counted separately):');
    for (const [k, v] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`    ${v.toFixed(0).padStart(6)} ${k}`);
    console.log('  long events:');
    for (const x of items.slice(0, 60)) console.log('    ' + x);
  }
  await context.close();
}

const site = await snapshotSite(['index.html']);
const served = await startServe(site);
const browser = await launchChromium();
try {
  await one(browser, served.url, false, 0);
  for (let i = 1; i <= Number(process.argv[2] ?? 2); i++) await one(browser, served.url, i === 1, i);
} finally {
  await browser.close();
  await served.stop();
  rmSync(site, { recursive: true, force: true });
}
