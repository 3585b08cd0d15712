/**
 * The lab workbench in a real browser (Debian's chromium through
 * playwright-core) against a real runner: one `socklab serve` child process
 * on a free port for the whole file (it serves the built site, dist/, and
 * builds it first if it is missing), real sandboxes, real sockets.
 *
 * The runner serves a private copy of dist/ (others may rebuild dist/ while
 * the tests run; see snapshotSite).
 *
 * A student on /labs/tcp-echo/ in Python:
 *   a. with Monaco held back, finds the starter in the plain editor the
 *      workbench mounts with, types in it (Enter keeps the indentation) and
 *      Run sends and starts what was typed; when Monaco comes it has the
 *      same text, the focus and the cursor, and Ctrl+Z walks back through
 *      the plain editor's typing to the starter; presses Check: Check fails,
 *      and the first failed check says what was expected ("HELLO, WORLD
 *      42") and what came back;
 *   b. types a fix into Monaco with the keyboard (auto-closing brackets and
 *      auto-indentation included; the client a line at a time), runs it with
 *      Ctrl+Enter, talks to the server through the client's terminal, and
 *      Check passes every check;
 *   c. comes back (a new browser context holding b's storage) and finds the
 *      fix; types one more line and reloads at once: nothing is lost;
 *   d. closes the tab: every sandbox process of the session ends;
 *   e. two students (two contexts) run the lab at once on the same runner:
 *      each server listens on 12000/tcp in its own sandbox, each client gets
 *      its own reply;
 *   f. with no runner (the built site on a plain static server) the lesson
 *      still reads and the workbench says how to start one;
 *   g. a runner that speaks another protocol version (its hello rewritten
 *      in flight): the page says to reload and sends it nothing;
 *   h. the workbench beside the lesson takes the connection the page opened
 *      while it was parsed (it opens no second one), and its bundle was
 *      asked for then too; Expand and collapse
 *      leave no listener on document or window, and
 *      dispose() ends the workbench (connection included) so completely
 *      that mounting it again adds exactly what the first mount did;
 *   i. the site's scripts hold no zod: the page takes the protocol's
 *      constants from protocol/constants.ts and only types from its schemas;
 *   k. the Wire panel (issue 17) draws the solution's connection as the
 *      packets went: SYN, SYN+ACK, ACK, then client 1's line as one data
 *      segment of its length, each row owned by "server" or "client 1", and
 *      a clicked segment shows its bytes;
 *   m. Check on a server that answers nothing reads "Stop Check"; pressed,
 *      the runner stops it and the checklist says so, the checks not run
 *      staying "not run yet", and Check is back;
 *   j. the site's scripts hold Monaco's tokenizers of the labs' languages
 *      (Python, JavaScript, Java) and no other (site/workbench/editor.ts).
 *
 * Every test opens its own browser context(s). On a failure, each open page
 * is saved as a screenshot (and its console log) under test-results/.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page, WebSocket as PageSocket } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProcs, stillRunning } from '../support/test-client.ts';
import { launchChromium, sleep, snapshotSite, startServe, staticServer, type Served } from '../support/browser.ts';
import { button, check, checkRows, e2eIn, fileText, pane, paneShowsLine, paneText, RESULTS, typeInto, type Mounted } from '../support/workbench-page.ts';

const LAB = 'tcp-echo';
/** What the page says to files the runner refuses as too large (error files_too_large). */
const FILES_TOO_LARGE = 'Your files are too large to send to the runner.';

/* ------------------------------------------------------------------ the fix */

/**
 * What the student types in b (the client a line at a time), as the
 * files should end up (typeCode copes with Monaco's auto-closing,
 * auto-indentation and word completion).
 * `data += chunk` ends on a word that `chunkSize` completes: the suggestion
 * list opens there, and an Enter would accept it.
 */
const SERVER_FIX = String.raw`# TCP upper-case echo server, fixed by hand.
from socket import *

serverPort = 12000
chunkSize = 4096
serverSocket = socket(AF_INET, SOCK_STREAM)
serverSocket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
serverSocket.bind(('', serverPort))
serverSocket.listen(5)
print('The server is ready to receive', flush=True)
while True:
    connectionSocket, addr = serverSocket.accept()
    try:
        data = b''
        while b'\n' not in data:
            chunk = connectionSocket.recv(chunkSize)
            if not chunk:
                break
            data += chunk
        if b'\n' in data:
            line = data.split(b'\n')[0].rstrip(b'\r').decode('utf-8', 'replace')
            connectionSocket.sendall((line.upper() + '\n').encode())
            print('Replied to', line, flush=True)
    except OSError as e:
        print('A client went away:', e, flush=True)
    finally:
        connectionSocket.close()
`;

const CLIENT_FIX = String.raw`# TCP upper-case echo client, fixed by hand.
import sys
from socket import *

chunkSize = 1024
sentence = sys.stdin.readline().rstrip('\r\n')
try:
    clientSocket = create_connection(('localhost', 12000))
except OSError as e:
    print('could not connect to localhost:12000:', e, flush=True)
    sys.exit(1)
clientSocket.sendall((sentence + '\n').encode())
reply = b''
while b'\n' not in reply:
    chunk = clientSocket.recv(chunkSize)
    if not chunk:
        break
    reply += chunk
clientSocket.close()
print(reply.decode('utf-8', 'replace').split('\n')[0], flush=True)
`;

/* --------------------------------------------------------------- the runner */

let served: Served;
let BASE = '';
/** This file's copy of the built site (see snapshotSite in browser.ts). */
let SITE = '';
let browser: Browser;

/** The runner's sandbox processes now (uid >= 200000, descendants of the serve child). */
const sandboxProcs = () => served.sandboxProcs();

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  // Up to ~3 minutes when dist/ is missing and has to be built first.
  SITE = await snapshotSite(['index.html', `labs/${LAB}/index.html`]);
  served = await startServe(SITE);
  expect(served.log()).toContain('sandbox: bwrap');
  BASE = served.url;
  browser = await launchChromium();
}, 200_000);

afterAll(async () => {
  await browser?.close().catch(() => {});
  const left = await served?.stop();
  if (SITE) rmSync(SITE, { recursive: true, force: true });
  if (left) console.warn(`killed ${left} processes of the runner that outlived it`);
}, 30_000);

/* ------------------------------------------------------------ test plumbing */

const e2e = e2eIn(() => browser);

/** Opens the lab and waits for an editable editor and a connected runner. */
async function openLab(page: Page, base = BASE): Promise<void> {
  await page.goto(`${base}/labs/${LAB}/`);
  await page.locator('[data-socklab-workbench]').scrollIntoViewIfNeeded();
  await page.locator('.wb .monaco-editor .view-lines').waitFor({ timeout: 30_000 });
  if (base === BASE) await page.locator('.wb[data-link="connected"]').waitFor({ timeout: 15_000 });
}

async function waitServerListening(page: Page): Promise<void> {
  await pane(page, 'server').locator('.wb-pane-state', { hasText: 'listening on 12000/tcp' }).waitFor({ timeout: 20_000 });
}

/**
 * Types `code` into `file` with the keyboard, replacing what is there,
 * line by line, the way Monaco wants it typed:
 *  - brackets and quotes Monaco closes by itself are typed over;
 *  - after Enter, Shift+Home selects the indentation Monaco inserted (on a
 *    blank line Home goes to column 1) and Delete removes it, so each line
 *    gets exactly the indentation it is typed with;
 *  - word completion may open a suggestion list after a word, which would
 *    take the Enter: it is closed with Escape first, and an Enter that a
 *    late list took anyway is undone and pressed again.
 * Every line is checked as it goes, and the whole file at the end. With
 * `lines`, each line goes in whole (one input, as a paste of it would: no
 * auto-closing), the Enters between them still typed.
 */
async function typeCode(page: Page, file: string, code: string, keys: 'characters' | 'lines' = 'characters'): Promise<{ suggestionsClosed: number }> {
  await page.locator(`.wb-tabs [role=tab][data-file="${file}"]`).click();
  await page.locator('.wb-editor .view-lines').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  expect(await fileText(page, file)).toBe('');
  const lines = code.split('\n'); // the last one is '' (the file ends with a newline)
  let suggestionsClosed = 0;
  for (let i = 0; i < lines.length; i++) {
    if (i > 0) suggestionsClosed += await newLine(page, file, lines.slice(0, i).join('\n'));
    if (lines[i]) await (keys === 'lines' ? page.keyboard.insertText(lines[i]!) : page.keyboard.type(lines[i]!));
    const got = (await fileText(page, file)).split('\n').at(-1);
    if (got !== lines[i]) throw new Error(`typing line ${i + 1} of ${file} gave ${JSON.stringify(got)}, not ${JSON.stringify(lines[i])}`);
  }
  expect(await fileText(page, file)).toBe(code);
  return { suggestionsClosed };
}

/** Starts a new, empty line after `typed` (the whole text so far); returns how many suggestion lists it closed. */
async function newLine(page: Page, file: string, typed: string): Promise<number> {
  const list = page.locator('.wb-editor .suggest-widget.visible');
  let closed = 0;
  for (let attempt = 1; ; attempt++) {
    // A list opens only after a word character, a moment later (the editor worker finds the words).
    if (/\w$/.test(typed)) await list.waitFor({ state: 'attached', timeout: 400 }).catch(() => {});
    if (await list.count()) {
      closed++;
      await page.keyboard.press('Escape');
      await list.waitFor({ state: 'detached', timeout: 2000 });
    }
    await page.keyboard.press('Enter');
    await page.keyboard.press('Shift+Home');
    await page.keyboard.press('Delete');
    const text = await fileText(page, file);
    if (text === `${typed}\n`) return closed;
    if (attempt === 3) throw new Error(`Enter after ${JSON.stringify(typed.split('\n').at(-1))} in ${file} gave ${JSON.stringify(text.slice(typed.lastIndexOf('\n') + 1))}`);
    // A list that opened after the check took the Enter: undo that, and again.
    await page.keyboard.press('Escape');
    for (let undo = 0; undo < 3 && (await fileText(page, file)) !== typed; undo++) await page.keyboard.press('Control+Z');
    if ((await fileText(page, file)) !== typed) throw new Error(`could not undo a wrong Enter in ${file}`);
  }
}

/* -------------------------------------------------------------------- tests */

/** What b leaves in the browser (localStorage): c starts from it. */
let afterFix: Awaited<ReturnType<BrowserContext['storageState']>> | null = null;

describe('the lab workbench, in a browser, against `socklab serve`', () => {
  e2e('a. before Monaco the plain editor types and Runs, Monaco takes over; the starter runs; Check fails and says what was expected and what came back', 60_000, async (scene) => {
    const page = await scene.page();
    // Monaco (the editor chunk; not its worker) is held back until the plain editor has done its part.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route(/\/_astro\/editor\.[\w-]+\.js$/, async (route) => {
      if (!/worker/.test(route.request().url())) await held;
      await route.continue();
    });
    const sent: string[] = [];
    page.on('websocket', (ws) => ws.on('framesent', (f) => void (typeof f.payload === 'string' && sent.push(f.payload))));
    await page.goto(`${BASE}/labs/${LAB}/`);
    await page.locator('[data-socklab-workbench]').scrollIntoViewIfNeeded();
    const plain = page.locator('.wb-editor[data-editor="plain"] textarea');
    await plain.waitFor({ timeout: 30_000 });
    await page.locator('.wb[data-link="connected"]').waitFor({ timeout: 15_000 });
    const starter = await fileText(page, 'server.py');
    expect(starter).toContain('starter');
    expect(await plain.inputValue()).toBe(starter);

    // The plain editor takes typing: at the end of the first line, then a new line (Enter keeps the indentation: none here).
    await plain.click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('End');
    await page.keyboard.type(' # plain');
    await page.keyboard.press('Enter');
    await page.keyboard.type('x = 1');
    const [first, ...rest] = starter.split('\n');
    const typed = [`${first} # plain`, 'x = 1', ...rest].join('\n');
    expect(await fileText(page, 'server.py')).toBe(typed);

    // Run works before Monaco: the runner gets the typed file and starts it.
    await button(page, 'Run').click();
    await waitServerListening(page);
    await paneShowsLine(page, 'server', 'The server is ready to receive');
    const files = sent.map((m) => JSON.parse(m) as { type: string; files?: { name: string; content: string }[] }).filter((m) => m.type === 'files');
    expect(files.at(-1)?.files?.find((f) => f.name === 'server.py')?.content).toBe(typed);
    expect(await page.locator('.wb .monaco-editor').count()).toBe(0);

    // Monaco arrives: the same text, the focus where it was (the click on Run took it: put back), the cursor after "x = 1".
    await plain.focus();
    release();
    await page.locator('.wb-editor[data-editor="monaco"] .monaco-editor .view-lines').waitFor({ timeout: 30_000 });
    expect(await plain.count()).toBe(0);
    expect(await fileText(page, 'server.py')).toBe(typed);
    expect(await page.evaluate(() => Boolean(document.activeElement?.closest('.wb-editor .monaco-editor')))).toBe(true);
    await page.keyboard.type('2');
    expect(await fileText(page, 'server.py')).toBe(typed.replace('x = 1', 'x = 12'));
    // Undo walks back through Monaco's typing, then the plain editor's, step by step, to the starter.
    await page.keyboard.press('Control+Z');
    expect(await fileText(page, 'server.py')).toBe(typed);
    await page.keyboard.press('Control+Z');
    expect(await fileText(page, 'server.py')).toBe([`${first} # plain`, '', ...rest].join('\n'));
    for (let i = 0; i < 3 && (await fileText(page, 'server.py')) !== starter; i++) await page.keyboard.press('Control+Z');
    expect(await fileText(page, 'server.py')).toBe(starter);

    // With the packets of each check (off by default): the failure's story on the wire too.
    const packetsSwitch = page.getByRole('switch', { name: 'Packets in Check' });
    expect(await packetsSwitch.isChecked()).toBe(false);
    await packetsSwitch.check();
    expect(await check(page)).toBe('fail');
    const rows = await checkRows(page);
    expect(rows.find((r) => r.name === 'listens on port 12000')?.status).toBe('passed');
    expect(rows.filter((r) => r.status === 'failed').length).toBeGreaterThan(0);
    expect(await page.locator('.wb-check-summary').innerText()).toMatch(/\d+ passed, \d+ failed/);

    // The first failure is open, in words a student can act on.
    const upper = page.locator('.wb-check[data-status="failed"]', { has: page.locator('.wb-check-name', { hasText: /^replies with the line in upper case$/ }) });
    const details = upper.locator('details.wb-check-details');
    expect(await details.getAttribute('open')).not.toBeNull();
    await expect.poll(() => details.isVisible()).toBe(true);
    const diff = details.locator('.wb-check-diff');
    const terms = await diff.locator('dt').allInnerTexts();
    expect(terms).toEqual(['expected', 'received']);
    const [expected, received] = await diff.locator('dd').allInnerTexts();
    expect(expected).toContain('HELLO, WORLD 42');
    expect(received).toContain('hello, world 42');
    expect(received).not.toContain('HELLO');
    // The transcript shows the grader's side of the conversation.
    expect(await details.locator('.wb-transcript tr[data-who="grader"]').count()).toBeGreaterThan(0);
    expect(await details.locator('.wb-transcript').innerText()).toContain('hello, world 42');
    // The check's packets: the handshake with the server first, then the line as the grader sent it.
    const packets = details.locator('.wb-check-wire .wb-cw-row');
    expect(await packets.first().innerText()).toMatch(/grader tcp#1 → your server SYN\b/);
    expect(await details.locator('.wb-check-wire').innerText()).toMatch(/grader tcp#1 → your server PSH\+ACK 16 B win=\d+ "hello, world 42\\n"/);
    await details.locator('.wb-check-wire').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(RESULTS, 'check-packets-en.png') });
    expect(scene.pageErrors(page)).toEqual([]);
  });

  e2e('b. types the fix in Monaco, runs it with Ctrl+Enter, talks to it, and Check passes', 90_000, async (scene) => {
    const page = await scene.page();
    await openLab(page);

    const t0 = Date.now();
    const { suggestionsClosed } = await typeCode(page, 'server.py', SERVER_FIX);
    const t1 = Date.now();
    // The client a line at a time (its Enters typed): typing every character of it too would show nothing the server's typing has not, for a third of b's time.
    const client = await typeCode(page, 'client.py', CLIENT_FIX, 'lines');
    const closed = suggestionsClosed + client.suggestionsClosed;
    console.log(`b: typed ${SERVER_FIX.length} characters in ${t1 - t0} ms, ${CLIENT_FIX.split('\n').length - 1} lines in ${Date.now() - t1} ms (closed a suggestion list ${closed} times)`);
    expect(await fileText(page, 'server.py')).toBe(SERVER_FIX);

    // Ctrl+Enter from the editor runs both programs.
    await page.locator('.wb-editor .view-lines').click();
    await page.keyboard.press('Control+Enter');
    await waitServerListening(page);
    await pane(page, 'client 1').locator('.wb-pane-state', { hasText: /^running: type a line and press Enter$/ }).waitFor({ timeout: 20_000 });
    await paneShowsLine(page, 'server', 'The server is ready to receive');

    await typeInto(page, 'client 1', 'sockets are fun 123');
    await paneShowsLine(page, 'client 1', 'SOCKETS ARE FUN 123');
    await pane(page, 'client 1').locator('.wb-pane-state', { hasText: 'exited with code 0' }).waitFor({ timeout: 10_000 });
    await paneShowsLine(page, 'server', 'Replied to sockets are fun 123');

    expect(await check(page)).toBe('pass');
    const rows = await checkRows(page);
    expect(rows.length).toBe(12);
    expect(rows.filter((r) => r.status !== 'passed')).toEqual([]);
    expect(await page.locator('.wb-check-summary').innerText()).toMatch(/all 12 checks passed/);
    expect(scene.pageErrors(page)).toEqual([]);
    afterFix = await page.context().storageState();
  });

  e2e('c. the fix is kept: in a new visit, and across an immediate reload', 45_000, async (scene) => {
    if (!afterFix) throw new Error('needs test b (the fix) to have passed');
    const page = await scene.page({ storageState: afterFix });
    await openLab(page);
    expect(await fileText(page, 'server.py')).toBe(SERVER_FIX);
    expect(await fileText(page, 'client.py')).toBe(CLIENT_FIX);
    expect(await page.locator('.wb-check-summary').innerText()).toMatch(/Last Check .*all 12 checks passed/);

    // One more line, and reload straight away (no time for the 300 ms save delay).
    await page.locator('.wb-tabs [role=tab][data-file="server.py"]').click();
    await page.locator('.wb-editor .view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('# typed just before a reload');
    expect(await fileText(page, 'server.py')).toBe(`${SERVER_FIX}# typed just before a reload`);
    await page.reload();
    await page.locator('[data-socklab-workbench]').scrollIntoViewIfNeeded();
    await page.locator('.wb .monaco-editor .view-lines').waitFor({ timeout: 30_000 });
    expect(await fileText(page, 'server.py')).toBe(`${SERVER_FIX}# typed just before a reload`);
    expect(await fileText(page, 'client.py')).toBe(CLIENT_FIX);

    // The trimmed editor (site/lib/monaco-trim.ts) still colours Python and finds with Ctrl+F.
    await page.locator('.wb-tabs [role=tab][data-file="server.py"]').click();
    const tokenClasses = () =>
      page.evaluate(() => new Set([...document.querySelectorAll('.wb-editor .view-line span[class^="mtk"]')].map((s) => s.className)).size);
    // Keywords, strings, numbers, comments: not one plain colour (the tokenizer's chunk may still be arriving).
    await expect.poll(tokenClasses, { timeout: 10_000 }).toBeGreaterThan(3);
    await page.locator('.wb-editor .view-lines').click();
    await page.keyboard.press('Control+F');
    await page.locator('.wb-editor .find-widget.visible textarea, .wb-editor .find-widget.visible input').first().waitFor({ timeout: 5000 });
    await page.keyboard.type('serverSocket');
    await expect.poll(() => page.locator('.wb-editor .find-widget .matchesCount').innerText()).toMatch(/^1 of \d+$/);
    await page.keyboard.press('Escape');
    await page.locator('.wb-editor .find-widget.visible').waitFor({ state: 'detached', timeout: 5000 });
    expect(scene.pageErrors(page)).toEqual([]);
  });

  e2e('k. the Wire panel draws the handshake and the data segment, with their owners', 45_000, async (scene) => {
    const page = await scene.page();
    await openLab(page);
    await button(page, 'Show solution').click();
    await page.locator('.wb-dialog').getByRole('button', { name: 'Show solution' }).click();
    await expect.poll(() => fileText(page, 'server.py')).not.toContain('TODO');
    await page.locator('.wb-wire summary').click();
    await button(page, 'Run').click();
    await waitServerListening(page);
    await pane(page, 'client 1').locator('.wb-pane-state', { hasText: /^running: type a line and press Enter$/ }).waitFor({ timeout: 20_000 });
    await typeInto(page, 'client 1', 'wire 42');
    await paneShowsLine(page, 'client 1', 'WIRE 42');

    type Row = { flags: string; len: number; src: string; dst: string; proto: string };
    const rows = () =>
      page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('.wb-wire-row')].map((el) => ({
          flags: el.dataset.flags ?? '',
          len: Number(el.dataset.len),
          src: el.dataset.src ?? '',
          dst: el.dataset.dst ?? '',
          proto: el.dataset.proto ?? '',
        })),
      );
    const has = (all: Row[], want: Partial<Row>) => all.findIndex((r) => Object.entries(want).every(([k, v]) => r[k as keyof Row] === v));
    const line = { proto: 'tcp', src: 'client 1', dst: 'server', len: 'wire 42\n'.length };
    let all = await rows();
    for (const t0 = Date.now(); has(all, line) < 0 && Date.now() - t0 < 10_000; all = await rows()) await sleep(100);
    expect(has(all, line), JSON.stringify(all)).toBeGreaterThanOrEqual(0);
    const syn = has(all, { flags: 'SYN', src: 'client 1', dst: 'server', len: 0 });
    const synAck = has(all, { flags: 'SYN+ACK', src: 'server', dst: 'client 1', len: 0 });
    const ack = has(all, { flags: 'ACK', src: 'client 1', dst: 'server', len: 0 });
    const data = has(all, line);
    expect([syn, synAck, ack, data].every((i) => i >= 0), JSON.stringify(all)).toBe(true);
    expect(syn < synAck && synAck < ack && ack <= data).toBe(true);
    expect(all[data]!.flags).toBe('PSH+ACK');
    // Each end is a lifeline named by its owner.
    const heads = await page.locator('.wb-wire-end strong').allInnerTexts();
    expect(heads).toEqual(expect.arrayContaining(['server', 'client 1']));

    // A segment opens its header fields and bytes, and the row is reachable by keyboard.
    const row = page.locator('.wb-wire-row').nth(data);
    await row.click();
    await expect.poll(() => row.getAttribute('tabindex')).toBe('0');
    const detail = await page.locator('.wb-wire-detail').innerText();
    expect(detail).toContain('77 69 72 65 20 34 32 0a'); // "wire 42\n" in hex
    expect(detail).toContain('wire 42.');
    expect(await row.getAttribute('aria-label')).toMatch(/^client 1 → server: PSH\+ACK, 8 B/);
    await page.mouse.move(0, 0);
    await page.locator('.wb-wire').screenshot({ path: join(RESULTS, 'wire-tcp-echo.png') });
    expect(scene.pageErrors(page)).toEqual([]);
  });

  e2e('l. Ctrl-C during a flood stops the pane at once: what was still waiting to be drawn is skipped, and it says so', 45_000, async (scene) => {
    const page = await scene.page();
    await page.goto(`${BASE}/labs/${LAB}/`);
    // A client that floods its terminal (it needs no server).
    const flood = 'import sys\nline = "x" * 199 + "\\n"\nwhile True:\n    sys.stdout.write(line)\n';
    await page.evaluate(([lab, text]) => localStorage.setItem(`socklab:${lab}:python:file:client.py`, text!), [LAB, flood]);
    await openLab(page);
    expect(await fileText(page, 'client.py')).toBe(flood);
    /** The pane's last lines (the whole text of a flooded pane is megabytes). */
    const tail = () => page.evaluate(() => ((document.querySelector('[data-socklab-workbench]') as Mounted).socklab?.paneText('client 1') ?? '').split('\n').slice(-8).join('\n'));
    await button(page, 'Run').click();
    await pane(page, 'client 1').locator('.wb-pane-state', { hasText: /^running/ }).waitFor({ timeout: 20_000 });
    await expect.poll(tail, { timeout: 10_000 }).toContain(`\n${'x'.repeat(199)}\n`);
    await pane(page, 'client 1').locator('.xterm').click();
    // A page that draws slower than the program writes (here: busy for a second): the runner's window of output fills and waits for the page.
    await page.evaluate(() => {
      for (const end = performance.now() + 1000; performance.now() < end; );
    });
    await page.keyboard.press('Control+C');
    await pane(page, 'client 1').locator('.wb-pane-state', { hasText: 'stopped by Ctrl-C (SIGINT)' }).waitFor({ timeout: 10_000 });
    await expect.poll(tail, { timeout: 10_000 }).toMatch(/\[client 1 stopped by Ctrl-C \(SIGINT\)\]$/);
    // The note comes before the traceback the interrupt printed. Between them is drawn what the program wrote while
    // the ^C was on its way to it through the kernel's tty worker: no bound holds for that on a loaded machine (a fast
    // Python under a full test run wrote 58 KiB), so none is asserted.
    const around = await page.evaluate(() => {
      const text = (document.querySelector('[data-socklab-workbench]') as Mounted).socklab?.paneText('client 1') ?? '';
      const note = /\[(\d+) KiB of output skipped: Ctrl-C drops what was still waiting to be drawn, as a terminal does\]/.exec(text);
      return { kib: note ? Number(note[1]) : 0, between: note ? text.indexOf('Traceback', note.index) - note.index - note[0].length : -1 };
    });
    expect(around.kib).toBeGreaterThan(16);
    expect(around.between).toBeGreaterThanOrEqual(0);
    expect(scene.pageErrors(page)).toEqual([]);
  });

  e2e('m. a Check of a server that answers nothing can be stopped: the button reads "Stop Check", the checklist says it was stopped, Check is back', 45_000, async (scene) => {
    const page = await scene.page();
    await openLab(page);
    // It listens and never accepts: each check waits out its timeout (5-10 s) for an echo.
    await typeCode(page, 'server.py', "import socket, time\ns = socket.socket()\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.bind(('', 12000))\ns.listen(16)\ntime.sleep(600)\n", 'lines');
    await button(page, 'Check').click();
    const stop = button(page, 'Stop Check');
    await stop.waitFor({ timeout: 5000 });
    expect(await stop.getAttribute('title')).toBe('Checking… Press to stop it: the checks still running end, with no verdict');
    await page.locator('.wb-check[data-status="pending"]').first().waitFor({ timeout: 20_000 }); // the plan has come
    // An error answering another request meanwhile (files the runner refuses) is said, and the Check goes on, still stoppable.
    await page.evaluate(() => (document.querySelector('[data-socklab-workbench]') as unknown as { socklab: { link: { send(m: unknown): boolean } } }).socklab.link.send({ type: 'files', files: [{ name: 'server.py', content: 'x'.repeat(300_000) }] }));
    await page.locator('.wb-messages .wb-msg-error', { hasText: FILES_TOO_LARGE }).waitFor({ timeout: 5000 });
    expect(await stop.isVisible()).toBe(true);
    await page.locator('.wb-toolbar').screenshot({ path: join(RESULTS, 'workbench-check-stop-button.png') });
    const t0 = Date.now();
    await stop.click();
    await page.locator('.wb-checklist[data-verdict="stopped"]').waitFor({ timeout: 5000 });
    console.log(`m: stopped ${Date.now() - t0} ms after the press`);
    expect(await page.locator('.wb-check-summary').innerText()).toBe('You stopped the Check before every check ran: no verdict. Press Check to run it again.');
    expect((await checkRows(page)).filter((r) => r.status === 'pending').length).toBeGreaterThan(0);
    await button(page, 'Check').waitFor({ timeout: 2000 });
    expect(scene.pageErrors(page)).toEqual([]);
    await page.locator('.wb-checklist').screenshot({ path: join(RESULTS, 'workbench-check-stopped.png') });
  });

  e2e('d. closing the tab ends every sandbox process of its session', 45_000, async (scene) => {
    // Sessions' uids are told apart by their programs: `socklab serve` keeps
    // a sandbox made ahead for the next session (a uid with no program), and
    // this session takes it when it opens.
    const withPython = () => new Set(sandboxProcs().filter((p) => p.name.startsWith('python')).map((p) => p.uid));
    const before = withPython();
    const context = await scene.context();
    const page = await context.newPage();
    await openLab(page);
    await button(page, 'Run').click();
    await waitServerListening(page);
    await pane(page, 'client 1').locator('.wb-pane-state', { hasText: /^running: type a line and press Enter$/ }).waitFor({ timeout: 20_000 });

    // "running" means the terminal started; the client's python3 may still be on its way up.
    const ours = () => {
      const uids = [...withPython()].filter((uid) => !before.has(uid));
      return sandboxProcs().filter((p) => uids.includes(p.uid));
    };
    const t1 = Date.now();
    while (ours().filter((p) => p.name.startsWith('python')).length < 2 && Date.now() - t1 < 10_000) await sleep(50);
    const mine = ours();
    const uids = new Set(mine.map((p) => p.uid));
    expect(uids.size).toBe(1); // one session, one uid
    expect(mine.filter((p) => p.name.startsWith('python')).length).toBe(2); // the server and client 1
    const ownedBy = () => listProcs().filter((p) => uids.has(p.uid) && p.state !== 'Z');

    await page.close();
    await context.close();
    const t0 = Date.now();
    let left = ownedBy();
    while (left.length && Date.now() - t0 < 5000) {
      await sleep(50);
      left = ownedBy();
    }
    expect(left.map((p) => `${p.pid} ${p.name} uid ${p.uid}`)).toEqual([]);
    expect(mine.filter(stillRunning)).toEqual([]);
    console.log(`d: ${mine.length} sandbox processes (uid ${[...uids].join(', ')}) ended ${Date.now() - t0} ms after the tab closed`);
  });

  e2e('e. two students run the lab at once: two servers on 12000/tcp, each client its own reply', 60_000, async (scene) => {
    const [alice, bob] = await Promise.all([scene.page(), scene.page()]);
    await Promise.all([openLab(alice), openLab(bob)]);
    // Their sandboxes may be made already (the runner makes one ahead): the new servers tell them apart.
    const before = new Set(sandboxProcs().filter((p) => p.name.startsWith('python')).map((p) => p.uid));
    await Promise.all(
      [alice, bob].map(async (page) => {
        await button(page, 'Show solution').click();
        await page.locator('dialog.wb-dialog[open]').getByRole('button', { name: 'Show solution' }).click();
        await expect.poll(() => fileText(page, 'server.py')).toContain('reference solution');
      }),
    );
    await Promise.all([button(alice, 'Run').click(), button(bob, 'Run').click()]);
    await Promise.all([waitServerListening(alice), waitServerListening(bob)]);
    await Promise.all([alice, bob].map((p) => pane(p, 'client 1').locator('.wb-pane-state', { hasText: /^running: type a line and press Enter$/ }).waitFor({ timeout: 20_000 })));

    // Two sandboxes: two uids, two network namespaces, each with a server on 12000.
    const servers = sandboxProcs().filter((p) => !before.has(p.uid) && p.name.startsWith('python'));
    expect(new Set(servers.map((p) => p.uid)).size).toBe(2);
    expect(new Set(servers.map((p) => p.netns)).size).toBe(2);

    await Promise.all([typeInto(alice, 'client 1', 'alice says hi'), typeInto(bob, 'client 1', 'bob says hello')]);
    await Promise.all([paneShowsLine(alice, 'client 1', 'ALICE SAYS HI'), paneShowsLine(bob, 'client 1', 'BOB SAYS HELLO')]);
    await Promise.all([paneShowsLine(alice, 'server', 'Replied to alice says hi'), paneShowsLine(bob, 'server', 'Replied to bob says hello')]);
    const [aliceClient, bobClient, aliceServer, bobServer] = await Promise.all([
      paneText(alice, 'client 1'),
      paneText(bob, 'client 1'),
      paneText(alice, 'server'),
      paneText(bob, 'server'),
    ]);
    expect(aliceClient).not.toMatch(/bob/i);
    expect(bobClient).not.toMatch(/alice/i);
    expect(aliceServer).not.toMatch(/bob/i);
    expect(bobServer).not.toMatch(/alice/i);
  });

  e2e('f. no runner: the lesson reads and the workbench says how to start one', 45_000, async (scene) => {
    const site = await staticServer(SITE);
    try {
      const page = await scene.page();
      const response = await page.goto(`${site.url}/labs/${LAB}/`);
      expect(response?.status()).toBe(200);
      // The lesson is there to read, workbench or not.
      expect(await page.locator('h1').first().innerText()).toMatch(/TCP/i);
      const paragraphs = await page.locator('main .sl-markdown-content p').count();
      expect(paragraphs).toBeGreaterThan(3);
      await expect.poll(() => page.locator('main').innerText()).toMatch(/SOCK_STREAM|accept\(\)/);

      await openLab(page, site.url);
      await page.locator('.wb[data-link="offline"]').waitFor({ timeout: 15_000 });
      const offline = page.locator('.wb-offline');
      expect(await offline.isVisible()).toBe(true);
      const help = await offline.innerText();
      expect(help).toMatch(/No runner is answering/);
      expect(help).toContain('npm start');
      // A retry may be under way (the status says "connecting" then): the status says so between retries.
      await expect.poll(() => page.locator('.wb-status').innerText()).toMatch(/no runner/i);
      // Run does nothing harmful; it points at the help. (While a retry is
      // under way Run says "still connecting" instead: press it between
      // retries, again if a retry began between the look and the press.)
      const flash = page.locator('.wb-offline.wb-flash');
      for (let press = 0; press < 5 && !(await flash.count()); press++) {
        await page.locator('.wb[data-link="offline"]').waitFor({ timeout: 15_000 });
        await button(page, 'Run').click();
        await flash.waitFor({ timeout: 1000 }).catch(() => {});
      }
      expect(await flash.count()).toBe(1);
      expect(scene.pageErrors(page)).toEqual([]);
    } finally {
      await site.close();
    }
  });

  e2e('g. a runner of another protocol version: the page says to reload and sends it nothing', 45_000, async (scene) => {
    const page = await scene.page();
    const fromPage: string[] = [];
    let sockets = 0;
    // The real runner, its hello rewritten on the way to say another version.
    await page.routeWebSocket(/\/ws$/, (ws) => {
      sockets++;
      const server = ws.connectToServer();
      server.onMessage((m) => {
        const hello = typeof m === 'string' ? (JSON.parse(m) as { type: string; protocol: number }) : null;
        if (hello?.type === 'hello') ws.send(JSON.stringify({ ...hello, protocol: hello.protocol + 1 }));
        else ws.send(m);
      });
      ws.onMessage((m) => {
        fromPage.push(String(m));
        server.send(m);
      });
    });
    await page.goto(`${BASE}/labs/${LAB}/`);
    await page.locator('[data-socklab-workbench]').scrollIntoViewIfNeeded();
    await page.locator('.wb .monaco-editor .view-lines').waitFor({ timeout: 30_000 });
    await page.locator('.wb[data-link="outdated"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('.wb-status').innerText()).toContain('The course was updated: reload the page.');
    expect(await page.locator('.wb-offline').innerText()).toContain('The course was updated: reload the page.');

    // Run and Check send nothing; the page neither reconnects nor retries.
    await button(page, 'Run').click();
    await button(page, 'Check').click();
    await page.locator('.wb-offline.wb-flash').waitFor({ timeout: 3000 });
    await sleep(2500); // longer than the first reconnect backoff (500 ms)
    expect(fromPage).toEqual([]);
    expect(sockets).toBe(1);
    expect(await page.locator('.wb').getAttribute('data-link')).toBe('outdated');
    expect(scene.pageErrors(page)).toEqual([]);
  });

  e2e('h. Expand and collapse leave no listener behind; dispose() ends it all and the workbench mounts again', 60_000, async (scene) => {
    const page = await scene.page();
    const sockets: PageSocket[] = [];
    const order: string[] = [];
    page.on('websocket', (ws) => void (sockets.push(ws), order.push('socket')));
    page.on('request', (req) => void (/\/_astro\/main\.[\w-]+\.js$/.test(req.url()) && order.push('bundle')));
    page.once('domcontentloaded', () => order.push('parsed'));
    await openLab(page);
    // Beside the lesson the connection opens, and the bundle is asked for, as
    // the page starts to be parsed (the loader's module runs only after it),
    // and the workbench takes that connection: no second.
    expect(order.slice(0, 2).sort()).toEqual(['bundle', 'socket']); // in either order
    expect(order.slice(2)).toEqual(['parsed']);
    expect(sockets).toHaveLength(1);
    const cdp = await page.context().newCDPSession(page);
    /** Listeners on document and window, by "target type" (DevTools' own count). */
    const listeners = async (): Promise<Record<string, number>> => {
      const counts: Record<string, number> = {};
      for (const target of ['document', 'window']) {
        const { result } = await cdp.send('Runtime.evaluate', { expression: target });
        const { listeners: found } = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId! });
        await cdp.send('Runtime.releaseObject', { objectId: result.objectId! });
        for (const l of found) counts[`${target} ${l.type}`] = (counts[`${target} ${l.type}`] ?? 0) + 1;
      }
      return counts;
    };
    const expand = page.locator('.wb-toolbar').getByRole('button', { name: /Expand|Collapse/ });
    // What loads when idle, and what a library adds once a page on first use (a
    // message listener for its zero-delay timer), is in place before counting:
    // a leak is what grows with every expand, not what the first one installs.
    const idle = () => page.evaluate(() => new Promise<void>((r) => requestIdleCallback(() => r(), { timeout: 3000 })));
    await idle();
    await expand.click();
    await page.locator('.wb.wb-expanded').waitFor();
    await expand.click();
    await page.locator('.wb:not(.wb-expanded)').waitFor();
    await idle();
    const mounted = await listeners();

    for (let i = 0; i < 3; i++) {
      await expand.click();
      await page.locator('.wb.wb-expanded').waitFor();
      await expand.click();
      await page.locator('.wb:not(.wb-expanded)').waitFor();
    }
    await expand.click();
    await page.locator('.wb.wb-expanded').waitFor();
    await page.keyboard.press('Escape'); // the focus is on the button, outside the editor
    await page.locator('.wb:not(.wb-expanded)').waitFor();
    expect(await listeners()).toEqual(mounted);

    await page.evaluate(() => (document.querySelector('[data-socklab-workbench]') as Mounted).socklab!.dispose());
    expect(await page.locator('.wb').count()).toBe(0);
    await page.locator('[data-wb-placeholder]').waitFor({ state: 'visible' });
    await expect.poll(() => sockets.filter((ws) => !ws.isClosed()).length, { timeout: 5000 }).toBe(0);
    const disposed = await listeners();
    expect(Object.values(disposed).reduce((a, b) => a + b, 0)).toBeLessThan(Object.values(mounted).reduce((a, b) => a + b, 0));

    // The loader mounts it again (a click in the workbench's area, not in the
    // editor: Monaco listens to selectionchange while it has the focus, and
    // the first mount had none); nothing of the first workbench is left.
    await page.locator('#workbench-heading').click();
    await page.locator('.wb[data-link="connected"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('.wb').count()).toBe(1);
    expect(await listeners()).toEqual(mounted);
    await page.evaluate(() => (document.querySelector('[data-socklab-workbench]') as Mounted).socklab!.dispose());
    expect(await listeners()).toEqual(disposed);
    expect(scene.pageErrors(page)).toEqual([]);
  });

  it('i. no lesson page ships zod: only the Replay page, which checks a file from outside, does', () => {
    const scripts = readdirSync(join(SITE, '_astro')).filter((f) => f.endsWith('.js'));
    expect(scripts.some((f) => f.startsWith('main.'))).toBe(true); // the workbench bundle is among them
    // zod names its error class in a string that survives minifying.
    const withZod = scripts.filter((f) => readFileSync(join(SITE, '_astro', f), 'utf8').includes('ZodError'));
    expect(withZod.filter((f) => !f.startsWith('Replay.astro_'))).toEqual([]);
    // and no lesson page or other script loads the Replay page's script
    const lesson = readFileSync(join(SITE, 'labs', 'tcp-echo', 'index.html'), 'utf8');
    for (const f of withZod) {
      expect(lesson).not.toContain(f);
      expect(scripts.filter((g) => g !== f && readFileSync(join(SITE, '_astro', g), 'utf8').includes(f))).toEqual([]);
    }
  });

  it("j. the site ships Monaco's tokenizers of Python, JavaScript and Java and no other language's", () => {
    const scripts = readdirSync(join(SITE, '_astro')).filter((f) => f.endsWith('.js'));
    const all = scripts.map((f) => readFileSync(join(SITE, '_astro', f), 'utf8'));
    // A Monarch tokenizer names its token suffix, a registered language its id, both in strings that survive minifying.
    const tokenizers = all.flatMap((js) => [...js.matchAll(/tokenPostfix:\s*"\.([\w-]+)"/g)].map((m) => m[1]));
    const languages = all.flatMap((js) => [...js.matchAll(/\{id:\s*"([\w-]+)",\s*extensions:/g)].map((m) => m[1]));
    expect(tokenizers.sort()).toEqual(['java', 'js', 'python']);
    expect(languages.sort()).toEqual(['java', 'javascript', 'python']);
    // Nor the parts of Monaco's core that no lab uses (site/lib/monaco-trim.ts): the diff editors'
    // and the quick input's widgets build these class names, the GPU renderer names WebGPU.
    const bundle = all[scripts.findIndex((f) => /^editor\.[\w-]+\.js$/.test(f) && !f.includes('worker'))]!;
    expect(bundle).toContain('site/lib/monaco-trim.ts');
    for (const gone of ['quick-input-list', 'diff-review-row', 'WebGPU']) expect(all.filter((js) => js.includes(gone))).toEqual([]);
    // Monaco's chunks (site/lib/monaco-chunks.ts) load with the workbench bundle only: no page's
    // scripts import one statically (a shared helper put in one made every page load Monaco).
    const staticImports = (file: string, seen = new Set<string>()): Set<string> => {
      if (seen.has(file) || !scripts.includes(file)) return seen;
      seen.add(file);
      for (const m of readFileSync(join(SITE, '_astro', file), 'utf8').matchAll(/(?:\bfrom|\bimport)\s*["']\.\/([\w.-]+\.js)["']/g)) staticImports(m[1]!, seen);
      return seen;
    };
    for (const page of ['index.html', join('labs', LAB, 'index.html'), join('ko', 'labs', LAB, 'index.html')]) {
      const entries = [...readFileSync(join(SITE, page), 'utf8').matchAll(/<script[^>]*\ssrc="\/_astro\/([^"]+\.js)"/g)].map((m) => m[1]!);
      expect(entries.length).toBeGreaterThan(0);
      const upFront = entries.flatMap((f) => [...staticImports(f)]);
      expect(upFront.filter((f) => /^(monaco-|main\.|editor\.)/.test(f))).toEqual([]);
    }
  });
});
