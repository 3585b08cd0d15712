/**
 * A student's page in the preview, in a real browser (Debian's chromium
 * through playwright-core) against a real runner and sandbox: the page runs
 * with an opaque origin, in the workbench's sandboxed iframe and opened in
 * a tab of its own alike. It reaches its own server (history over REST,
 * push over its WebSocket), but not the course's localStorage or cookies,
 * not the course's /ws, not the course's pages, and no preview but those
 * whose address it was given (the unguessable token in the host is the key:
 * an opaque origin's requests carry nothing else that names their page).
 * A session's preview ends with it.
 *
 * The student's page here is a probe: lab 06's solution server serving a
 * public/index.html that tries all of that and writes what happened into
 * its body's data-result.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage, StudentFile } from '../../protocol/messages.ts';
import { startRunner, type InProcessRunner } from '../support/in-process-runner.ts';
import { PREVIEW_SANDBOX } from '../../site/workbench/preview.ts';
import { launchChromium, ROOT } from '../support/browser.ts';
import { TestClient } from '../support/test-client.ts';

const SOLUTION = join(ROOT, 'labs/06-websocket-chat/solution/javascript');

/**
 * What the probe page tries; `#<course origin>|<a preview URL>` tells it
 * where the course is and which preview it may POST to.
 */
const PROBE = `<!doctype html><meta charset="utf-8"><title>probe</title><body>probe<script>
const [course, other] = decodeURIComponent(location.hash.slice(1)).split('|');
const out = { origin: String(self.origin) };
const settle = (p, ms = 4000) => Promise.race([p, new Promise((r) => setTimeout(() => r('timeout'), ms))]);
const wsTry = (url) => settle(new Promise((resolve) => {
  const ws = new WebSocket(url);
  ws.onopen = () => { resolve('open'); ws.close(); };
  ws.onerror = () => resolve('refused');
}));
(async () => {
  try { out.storage = String(localStorage.getItem('secret')); } catch (e) { out.storage = 'blocked ' + e.name; }
  try { out.cookie = document.cookie; } catch (e) { out.cookie = 'blocked ' + e.name; }
  out.courseWs = await wsTry(course.replace(/^http/, 'ws') + '/ws');
  out.coursePage = await settle(fetch(course + '/').then((r) => r.text()).then(() => 'read', () => 'blocked'));
  out.ownHistory = await settle(fetch('messages').then((r) => r.json()).then((h) => 'read ' + h.length, () => 'blocked'));
  out.ownWs = await wsTry('ws://' + location.host + '/ws');
  out.otherPreview = await settle(fetch(other + 'messages', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"text":"from another session"}' })
    .then((r) => 'status ' + r.status, () => 'blocked'));
  out.guessedPreview = await settle(fetch(location.protocol + '//' + '0123456789abcdef'.repeat(2) + '.' + location.host.split('.').slice(1).join('.') + '/messages')
    .then((r) => 'status ' + r.status, () => 'blocked'));
  document.body.dataset.result = JSON.stringify(out);
})();
</script>`;

/** The solution's files with the probe as its page. */
function probeFiles(): StudentFile[] {
  const files = readdirSync(SOLUTION)
    .filter((name) => statSync(join(SOLUTION, name)).isFile())
    .map((name) => ({ name, content: readFileSync(join(SOLUTION, name), 'utf8') }));
  return [...files, { name: 'public/index.html', content: PROBE }];
}

/** GET /messages of a preview, from Node (which may not resolve `*.localhost`: the Host header names it). */
function historyOf(previewUrl: string): Promise<unknown> {
  const url = new URL(previewUrl);
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: url.port, path: '/messages', headers: { host: url.host } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
}

async function resultOf(frame: Frame | Page): Promise<Record<string, string>> {
  const handle = await frame.waitForSelector('body[data-result]', { timeout: 30_000 });
  return JSON.parse((await handle.getAttribute('data-result'))!) as Record<string, string>;
}

describe('the preview in a real browser', () => {
  let browser: Browser;
  let served: InProcessRunner;
  let course: string;
  const clients: TestClient[] = [];

  /** A session running the probe; resolves with its client and preview URL. */
  const session = async (): Promise<{ c: TestClient; url: string }> => {
    // From 127.0.0.1 the runner names the preview host `<token>.localhost`.
    const c = await TestClient.connect(course.replace('localhost', '127.0.0.1'));
    clients.push(c);
    await c.waitFor((m) => m.type === 'hello');
    c.send({ type: 'open', lab: 'websocket-chat', lang: 'javascript' });
    await c.waitFor((m) => m.type === 'opened', 15_000);
    c.send({ type: 'files', files: probeFiles() });
    await c.waitFor((m) => m.type === 'files', 5000);
    c.send({ type: 'run' });
    await c.waitForProc((p) => p.name === 'server' && p.state === 'listening', 20_000);
    const from = c.messages.length;
    c.send({ type: 'preview' });
    const msg = await c.waitFor<Extract<ServerMessage, { type: 'preview' }>>((m) => m.type === 'preview', 5000, from);
    return { c, url: `http:${msg.url}` };
  };

  beforeAll(async () => {
    browser = await launchChromium();
    served = await startRunner();
    course = `http://localhost:${served.port}`;
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  it('runs the page with an opaque origin, in the sandboxed iframe and in a tab of its own', async () => {
    const a = await session();
    const b = await session();
    const guessed = `${'0123456789abcdef'.repeat(2)}.`;
    expect(a.url).not.toContain(guessed);
    expect(b.url).not.toContain(guessed);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${course}/`);
      await page.evaluate(() => {
        localStorage.setItem('secret', 'the course secret');
        document.cookie = 'sid=course-cookie';
      });
      // The page is given its own address as the one to POST to: a page can use what it is given.
      const target = `${a.url}#${encodeURIComponent(`${course}|${a.url}`)}`;
      await page.evaluate(([src, sandbox]) => {
        const frame = document.createElement('iframe');
        frame.setAttribute('sandbox', sandbox!);
        frame.src = src!;
        document.body.append(frame);
      }, [target, PREVIEW_SANDBOX]);
      let frame: Frame | undefined;
      for (let i = 0; i < 100 && !frame; i++) {
        frame = page.frames().find((f) => f.url().startsWith(a.url));
        if (!frame) await page.waitForTimeout(100);
      }
      const tab = await context.newPage();
      await tab.goto(target);
      for (const [where, result] of [['iframe', await resultOf(frame!)], ['tab', await resultOf(tab)]] as const) {
        expect(result, where).toEqual({
          origin: 'null',
          storage: 'blocked SecurityError',
          cookie: 'blocked SecurityError',
          courseWs: 'refused',
          coursePage: 'blocked',
          // The iframe and the tab run at once: either may have posted first.
          ownHistory: expect.stringMatching(/^read [01]$/),
          ownWs: 'open',
          otherPreview: 'status 201',
          guessedPreview: 'blocked',
        });
      }
      // The iframe and the tab each posted to their own server; nothing reached the other session's.
      expect(await historyOf(a.url)).toHaveLength(2);
      expect(await historyOf(b.url)).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('ends with its session', async () => {
    const a = await session();
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const before = await page.goto(`${a.url}#${encodeURIComponent(`${course}|${a.url}`)}`);
      expect(before?.status()).toBe(200);
      a.c.send({ type: 'close' });
      await a.c.waitFor((m) => m.type === 'closed', 10_000).catch(() => undefined);
      const deadline = Date.now() + 10_000;
      let status = 200;
      while (status === 200 && Date.now() < deadline) {
        status = (await page.goto(a.url))?.status() ?? 0;
        if (status === 200) await page.waitForTimeout(200);
      }
      expect(status).toBe(404);
      expect(await page.textContent('body')).toContain('this preview has ended');
    } finally {
      await context.close();
    }
  }, 90_000);
});
