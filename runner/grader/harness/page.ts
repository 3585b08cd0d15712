/**
 * A check's view of the student's web page: their server's page, opened in
 * a real headless Chromium that reaches nothing but that server (through
 * page-proxy.ts), with what the page did written to the transcript: its
 * requests and their answers, its WebSockets, what it asked for elsewhere,
 * its uncaught errors. The Chromium is the grade's (grade-browser.ts); the
 * page is in a context of the check's own, closed with the check.
 */
import type { BrowserContext, Page } from 'playwright-core';
import type { Sandbox } from '../../sandbox/index.ts';
import type { WebPage } from '../api.ts';
import type { GraderSay } from '../messages.ts';
import type { Transcript } from '../transcript.ts';
import { chromiumMissing, type GraderChromium } from './chromium.ts';
import { GradeOver, type GradeBrowser } from './grade-browser.ts';
import { PAGE_HOST, startPageProxy } from './page-proxy.ts';
import { CheckFailure } from './wait.ts';

/** How long the page may take to load. */
const LOAD_MS = 10_000;
/** Longest error or console line kept in the transcript. */
const MAX_LINE = 300;
/** How long closing a context may take before the check ends without waiting (the grade's end kills the browser). */
const CLOSE_MS = 3000;

export interface PageContext {
  sandbox: Sandbox;
  browser: GradeBrowser;
  say: GraderSay;
  transcript: Transcript;
  teardown(fn: () => void | Promise<void>): void;
  /** False once the check is over: a check that waited for a browser and timed out meanwhile opens no page. */
  live(): boolean;
}

const cut = (s: string) => (s.length > MAX_LINE ? `${s.slice(0, MAX_LINE)}…` : s);

/** Opens `path` of the web server at `port` in the sandbox; fails the check plainly when no browser can run here. */
export async function openPage(ctx: PageContext, port: number, path: string): Promise<WebPage> {
  const { say, transcript } = ctx;
  const channel = say('log.browser');
  const note = (text: string) => transcript.add('note', channel, text);
  const missing = await chromiumMissing();
  if (missing) {
    throw new CheckFailure(missing.code === 'no-browser' ? say('browser.none', { path: missing.path }) : say('browser.noLibrary'), { hint: say('hint.browser') });
  }
  const failed = (err: unknown) => new CheckFailure(say('browser.failed', { error: cut(String((err as Error).message).split('\n')[0] ?? '') }), { hint: say('hint.browser') });
  let browser: GraderChromium;
  try {
    browser = await ctx.browser.browser();
  } catch (err) {
    throw err instanceof GradeOver ? new CheckFailure('the check is over') : failed(err);
  }
  if (!ctx.live()) {
    ctx.browser.done();
    throw new CheckFailure('the check is over');
  }
  let proxy: Awaited<ReturnType<typeof startPageProxy>> | undefined;
  let opening: Promise<BrowserContext> | undefined;
  // Registered before anything starts: a check that ends meanwhile still closes its context and proxy.
  ctx.teardown(async () => {
    const context = await opening?.catch(() => undefined);
    if (context) {
      const closed = await Promise.race([context.close().then(() => true, () => true), new Promise<boolean>((r) => setTimeout(() => r(false), CLOSE_MS))]);
      // A page that would not close (a hung renderer) must not outlive its
      // check: it still points at this check's proxy port, which another
      // grade's proxy may take next. The browser goes; the next check starts one.
      if (!closed) await browser.close();
    }
    proxy?.close();
    ctx.browser.done();
  });
  const requests: string[] = [];
  const frames: { sent: boolean; data: string }[] = [];
  proxy = await startPageProxy(() => ctx.sandbox.connectTcp(port), {
    exchange: (request, status) => {
      requests.push(request);
      note(say('log.pageExchange', { request, status: status || say('log.noAnswer') }));
    },
    upgrade: (request, status) => note(say('log.pageUpgrade', { request, status: status || say('log.noAnswer') })),
  });
  if (!ctx.live()) {
    // Its teardown ran while the proxy started: it found none to close.
    proxy.close();
    throw new CheckFailure('the check is over');
  }
  opening = browser.newContext(proxy.port);
  let page: Page;
  try {
    page = await (await opening).newPage();
  } catch (err) {
    // The browser died between the grade handing it over and now: this check fails, the next one gets another.
    throw failed(err);
  }
  page.setDefaultTimeout(LOAD_MS);
  const url = `${proxy.origin}${path.replace(/^\//, '')}`;
  const own = (address: string) => {
    try {
      return new URL(address).host === PAGE_HOST;
    } catch {
      return false;
    }
  };
  const errors: string[] = [];
  const thrown: string[] = [];
  const refused: string[] = [];
  let loads = 0;
  const refuse = (address: string) => {
    refused.push(address);
    note(say('log.pageRefused', { url: cut(address) }));
  };
  page.on('pageerror', (err) => {
    errors.push(cut(err.message));
    thrown.push(cut(err.message));
    note(say('log.pageError', { error: cut(err.message) }));
  });
  page.on('console', (m) => {
    if (m.type() !== 'error' || /^Failed to load resource/.test(m.text())) return; // a failed load is noted where it happened
    errors.push(cut(m.text()));
    note(say('log.pageConsole', { text: cut(m.text()) }));
  });
  page.on('requestfailed', (r) => {
    if (!own(r.url()) && !r.url().startsWith('data:')) refuse(r.url());
  });
  page.on('websocket', (ws) => {
    if (!own(ws.url().replace(/^ws/, 'http'))) return refuse(ws.url());
    const frame = (sent: boolean) => ({ payload }: { payload: string | Buffer }) => {
      const data = typeof payload === 'string' ? payload : say('log.binaryFrame', { n: payload.length });
      frames.push({ sent, data });
      note(say(sent ? 'log.pageFrameSent' : 'log.pageFrameReceived', { frame: cut(data) }));
    };
    ws.on('framesent', frame(true));
    ws.on('framereceived', frame(false));
  });
  page.on('load', () => loads++);
  note(say('log.pageOpen', { url }));
  let status = 0;
  try {
    status = (await page.goto(url, { waitUntil: 'load', timeout: LOAD_MS }))?.status() ?? 0;
  } catch (err) {
    throw new CheckFailure(say('page.noLoad', { url, error: cut(String((err as Error).message).split('\n')[0] ?? '') }), { hint: say('hint.pageNoLoad', { port }) });
  }
  const proxied = proxy;
  return {
    page,
    url,
    status,
    errors,
    thrown,
    refused,
    requests,
    frames,
    get loads() {
      return loads;
    },
    waitWebSockets: (n, ms) => proxied.waitWebSockets(n, ms),
  };
}
