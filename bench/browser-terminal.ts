/**
 * A flooding program's output in a real browser: the "browser-terminal"
 * figure of `npm run bench`. Debian's chromium (playwright-core) opens the
 * TCP echo lesson against the real `socklab serve` (a private snapshot of
 * dist/), with server.py replaced, through the page's own saved progress
 * (localStorage), by a `yes`-like program that binds the lab's port and
 * then writes 80-byte lines for ever. Run is pressed on the page.
 *
 *   xterm_mb_s      bytes per second xterm in the page has processed (its
 *                   write callback, which is what the page acknowledges to
 *                   the runner: every `ack` the page sends is timed in the
 *                   page), over FLOOD_MS after the first half second of
 *                   output (the Node client: at most 48 MB, see
 *                   CLIENT_MAX_BYTES). MB = 10^6 bytes. Baseline: the same program on
 *                   the same runner read by a WebSocket client in this
 *                   process that acknowledges every frame at once
 *                   (test/support/test-client.ts), interleaved round by
 *                   round: the runner's pace with nothing drawing.
 *   ctrl_c_ms       during the flood, Ctrl-C pressed in the server's pane
 *                   (the keyboard, focus in its xterm): from the keydown
 *                   (timed in the page) to the last byte of the program's
 *                   output xterm processed (the last ack; the program's
 *                   KeyboardInterrupt traceback included). Goal < 200 ms.
 *                   Baseline: the same from the in-process client (an
 *                   `input` of "\x03" to its last output frame).
 *
 * p50 of ROUNDS rounds.
 */
import { rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, snapshotSite, startServe } from '../test/support/browser.ts';
import { info, type Figure, type Row } from './figure.ts';
import { sleep } from './processes.ts';
import { connect, openSession } from './serve.ts';
import { median, round } from './stats.ts';

const LAB = 'tcp-echo';
const MB = 1e6;
const ROUNDS = 3;
/** How long the throughput is measured, after the first half second of output. */
const FLOOD_MS = 2500;
/**
 * The Node client reads far faster than a page draws: it measures until
 * FLOOD_MS or this many bytes, so that it presses Ctrl-C well before the
 * runner's 128 MiB output limit stops the program.
 */
const CLIENT_MAX_BYTES = 48 * MB;
const WARMUP_MS = 500;
const CTRL_C_GOAL_MS = 200;
const VIEWPORT = { width: 1280, height: 800 };
const now = () => performance.now();

/** Binds the lab's port (so the runner reports it listening), then floods like `yes`. */
const FLOOD = `# socklab bench: a flood
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 12000))
s.listen(1)
block = (b'y' * 79 + b'\\n') * 800
w = sys.stdout.buffer.write
while True:
    w(block)
    sys.stdout.flush()
`;

/**
 * Installed before any page script: the flood as the saved server.py, and
 * timings of the page's acks and of the Ctrl-C keydown. Plain JavaScript
 * in a string (a tsx-compiled function would carry esbuild's helpers).
 */
const PROBE = `(() => {
  localStorage.setItem('socklab:${LAB}:python:file:server.py', ${JSON.stringify(FLOOD)});
  const probe = { acks: [], ctrlC: undefined };
  window.__socklabFlood = probe;
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (typeof data === 'string' && data.includes('"ack"')) {
      try {
        const m = JSON.parse(data);
        if (m.type === 'ack') probe.acks.push([performance.now(), m.bytes]);
      } catch {}
    }
    return send.call(this, data);
  };
  addEventListener('keydown', (e) => {
    if (e.ctrlKey && (e.key === 'c' || e.key === 'C') && probe.ctrlC === undefined) probe.ctrlC = performance.now();
  }, true);
})();`;

interface Probe {
  acks: [number, number][];
  ctrlC?: number;
}
const probeOf = (page: Page) => page.evaluate(() => (window as unknown as { __socklabFlood: Probe }).__socklabFlood);

interface Round {
  mb_s: number;
  ctrl_c_ms: number;
  /** Bytes processed after the Ctrl-C. */
  bytes_after_ctrl_c: number;
}

/** One round in the page: Run, measure, Ctrl-C. */
async function pageRound(browser: Browser, base: string): Promise<Round> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await page.addInitScript({ content: PROBE });
    await page.goto(`${base}/labs/${LAB}/#workbench-heading`);
    await page.locator('.wb[data-link="connected"] .monaco-editor .view-line').first().waitFor({ timeout: 60_000 });
    const text = await page.evaluate(() => (document.querySelector('[data-socklab-workbench]') as unknown as { socklab: { fileText(n: string): string } }).socklab.fileText('server.py'));
    if (!text.includes('socklab bench: a flood')) throw new Error('the page did not take the flood as server.py');
    await page.locator('.wb-toolbar').getByRole('button', { name: /Run$/ }).click();
    await page.waitForFunction(() => (window as unknown as { __socklabFlood: Probe }).__socklabFlood.acks.length > 0, null, { timeout: 30_000 });
    await sleep(WARMUP_MS + FLOOD_MS + 200);
    const during = await probeOf(page);
    const from = during.acks[0]![0] + WARMUP_MS;
    const bytes = during.acks.filter(([t]) => t >= from && t < from + FLOOD_MS).reduce((a, [, b]) => a + b, 0);

    const server = page.locator('.wb-pane[data-pane="server"]');
    await server.locator('.xterm').click();
    await page.keyboard.press('Control+C');
    await page.locator('.wb-pane[data-pane="server"][data-state="exited"]').waitFor({ timeout: 30_000 });
    await sleep(1000); // anything still on its way
    const after = await probeOf(page);
    if (after.ctrlC === undefined) throw new Error('the page saw no Ctrl-C keydown');
    const late = after.acks.filter(([t]) => t >= after.ctrlC!);
    const state = await server.locator('.wb-pane-state').textContent();
    if (!/Ctrl-C/i.test(state ?? '')) throw new Error(`the flood did not end by Ctrl-C: the pane says "${state}"`);
    return { mb_s: bytes / MB / (FLOOD_MS / 1000), ctrl_c_ms: late.length ? late.at(-1)![0] - after.ctrlC : 0, bytes_after_ctrl_c: late.reduce((a, [, b]) => a + b, 0) };
  } finally {
    await context.close();
  }
}

/** One round from a WebSocket client in this process that acknowledges at once. */
async function clientRound(url: string): Promise<Round> {
  const c = await connect(url, { keepOutput: false });
  try {
    await openSession(c, [{ name: 'server.py', content: FLOOD }]);
    await c.waitFor((m) => m.type === 'files', 10_000);
    const from = c.messages.length;
    c.send({ type: 'run', clients: 0 });
    const running = await c.waitForProc((p) => p.name === 'server' && (p.state === 'running' || p.state === 'listening'), 30_000, from);
    const deadline = now() + 30_000;
    while (!c.output.get(running.id)?.firstByteAt) {
      if (now() > deadline) throw new Error('the flood wrote nothing');
      await sleep(20);
    }
    const out = c.output.get(running.id)!;
    const warm = now() + WARMUP_MS;
    while (now() < warm && out.bytes < CLIENT_MAX_BYTES / 4) await sleep(10);
    const b0 = out.bytes;
    const t0 = now();
    while (now() - t0 < FLOOD_MS && out.bytes - b0 < CLIENT_MAX_BYTES) await sleep(10);
    const mbS = (out.bytes - b0) / MB / ((now() - t0) / 1000);
    const before = out.bytes;
    const sent = now();
    c.send({ type: 'input', proc: running.id, data: '\x03' });
    const exited = await c.waitForProc((p) => p.id === running.id && p.state === 'exited', 30_000, from);
    if (exited.signal !== 'SIGINT') throw new Error(`the flood did not end by Ctrl-C (${round(before / MB, 1)} MB written before it): ${JSON.stringify(exited)}`);
    await sleep(1000);
    return { mb_s: mbS, ctrl_c_ms: Math.max(0, out.lastByteAt! - sent), bytes_after_ctrl_c: out.bytes - before };
  } finally {
    await c.close();
  }
}

export interface BrowserTerminalResults {
  xterm_mb_s: number;
  baseline_client_mb_s: number;
  ctrl_c_ms: number;
  baseline_client_ctrl_c_ms: number;
  rounds: number;
  page_runs: Round[];
  client_runs: Round[];
  leftover_processes_killed: number;
}

export async function benchBrowserTerminal(rounds = ROUNDS): Promise<BrowserTerminalResults> {
  const site = await snapshotSite(['index.html', `labs/${LAB}/index.html`], undefined, { rebuildStale: true });
  const served = await startServe(site);
  const browser = await launchChromium();
  const page: Round[] = [];
  const client: Round[] = [];
  let leftover = 0;
  try {
    for (let i = 0; i < rounds; i++) {
      page.push(await pageRound(browser, served.url));
      client.push(await clientRound(served.url));
    }
  } finally {
    await browser.close().catch(() => {});
    leftover = await served.stop();
    rmSync(site, { recursive: true, force: true });
  }
  return {
    xterm_mb_s: median(page.map((r) => r.mb_s)),
    baseline_client_mb_s: median(client.map((r) => r.mb_s)),
    ctrl_c_ms: median(page.map((r) => r.ctrl_c_ms)),
    baseline_client_ctrl_c_ms: median(client.map((r) => r.ctrl_c_ms)),
    rounds,
    page_runs: page,
    client_runs: client,
    leftover_processes_killed: leftover,
  };
}

export function browserTerminalRows(r: BrowserTerminalResults): Row[] {
  return [
    info(
      'xterm_mb_s p50 (chromium, flood)',
      round(r.xterm_mb_s, 1).toString(),
      `${round(r.baseline_client_mb_s, 1)} (Node client, acks at once)`,
      `${round(r.xterm_mb_s / r.baseline_client_mb_s, 2)}x`,
    ),
    {
      metric: 'ctrl_c_ms p50 (to last byte shown)',
      value: round(r.ctrl_c_ms, 0).toString(),
      baseline: `${round(r.baseline_client_ctrl_c_ms, 0)} (Node client)`,
      ratio: `${round(r.ctrl_c_ms / Math.max(1, r.baseline_client_ctrl_c_ms), 1)}x`,
      goal: `< ${CTRL_C_GOAL_MS}`,
      ok: r.ctrl_c_ms < CTRL_C_GOAL_MS,
    },
    info('  kB shown after Ctrl-C p50 (page/client)', `${round(median(r.page_runs.map((x) => x.bytes_after_ctrl_c)) / 1000, 0)}`, `${round(median(r.client_runs.map((x) => x.bytes_after_ctrl_c)) / 1000, 0)}`),
  ];
}

export const browserTerminalFigure: Figure<BrowserTerminalResults> = {
  name: 'browser-terminal',
  key: 'browser_terminal',
  title: `a flood in chromium's xterm: bytes/s and Ctrl-C to the last byte (${ROUNDS} rounds, page and Node client interleaved)`,
  run: () => benchBrowserTerminal(),
  rows: browserTerminalRows,
};
