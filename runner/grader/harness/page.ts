/**
 * A check's view of the student's web page: their server's page, opened in
 * a real headless Chromium that reaches nothing but that server (through
 * page-proxy.ts), with what the page did written to the transcript: its
 * requests and their answers, its WebSockets, what it asked for elsewhere,
 * its uncaught errors. One Chromium per call, ended with the check.
 */
import type { Page } from 'playwright-core';
import type { Sandbox } from '../../sandbox/index.ts';
import type { Limits } from '../../limits.ts';
import type { WebPage } from '../api.ts';
import { gate } from '../gate.ts';
import type { GraderSay } from '../messages.ts';
import type { Transcript } from '../transcript.ts';
import { chromiumMissing, launchGraderChromium, type GraderChromium } from './chromium.ts';
import { PAGE_HOST, startPageProxy } from './page-proxy.ts';
import { CheckFailure } from './wait.ts';

/** How long the page may take to load. */
const LOAD_MS = 10_000;
/** Longest error or console line kept in the transcript. */
const MAX_LINE = 300;

let browsers: ReturnType<typeof gate> | null = null;

/** Waits for one of the runner's browser turns; resolves with the function that gives it back. */
function browserTurn(n: number): Promise<() => void> {
  browsers ??= gate(n);
  const at = browsers;
  return new Promise((got) => {
    void at(() => new Promise<void>((release) => got(release)));
  });
}

export interface PageContext {
  sandbox: Sandbox;
  limits: Limits;
  say: GraderSay;
  transcript: Transcript;
  teardown(fn: () => void | Promise<void>): void;
  /** False once the check is over: a check that waited for a browser and timed out meanwhile starts none. */
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
  const release = await browserTurn(ctx.limits.browsersAtOnce);
  if (!ctx.live()) {
    release();
    throw new CheckFailure('the check is over');
  }
  let proxy: Awaited<ReturnType<typeof startPageProxy>> | undefined;
  let launching: Promise<GraderChromium> | undefined;
  // Registered before anything starts: a check that ends meanwhile still ends the browser.
  ctx.teardown(async () => {
    const browser = await launching?.catch(() => undefined);
    await browser?.close();
    proxy?.close();
    release();
  });
  const requests: string[] = [];
  const frames: { sent: boolean; data: string }[] = [];
  proxy = await startPageProxy(port, () => ctx.sandbox.connectTcp(port), {
    exchange: (request, status) => {
      requests.push(request);
      note(say('log.pageExchange', { request, status: status || say('log.noAnswer') }));
    },
    upgrade: (request, status) => note(say('log.pageUpgrade', { request, status: status || say('log.noAnswer') })),
  });
  launching = launchGraderChromium(proxy.port, { timeoutMs: ctx.limits.browserStartMs, heapMiB: ctx.limits.browserHeapMiB });
  let browser: GraderChromium;
  try {
    browser = await launching;
  } catch (err) {
    throw new CheckFailure(say('browser.failed', { error: cut(String((err as Error).message).split('\n')[0] ?? '') }), { hint: say('hint.browser') });
  }
  const page: Page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.setDefaultTimeout(LOAD_MS);
  const url = `${proxy.origin}${path.replace(/^\//, '')}`;
  const own = (address: string) => {
    try {
      return new URL(address).host === `${PAGE_HOST}:${port}`;
    } catch {
      return false;
    }
  };
  const errors: string[] = [];
  const refused: string[] = [];
  let loads = 0;
  const refuse = (address: string) => {
    refused.push(address);
    note(say('log.pageRefused', { url: cut(address) }));
  };
  page.on('pageerror', (err) => {
    errors.push(cut(err.message));
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
    refused,
    requests,
    frames,
    get loads() {
      return loads;
    },
    waitWebSockets: (n, ms) => proxied.waitWebSockets(n, ms),
  };
}
