/**
 * Recorded runs, end to end with real processes and a real browser:
 *   a. `socklab run --record` on the TCP echo solution: each pane's text in
 *      the recording is what the run printed for that process;
 *   b. `socklab grade --record --wire`: the recording's check results are the
 *      report's, each with its packets;
 *   c. `socklab replay --cast` prints valid asciicast v2 (header and every
 *      event checked here, by hand, not with our own parser);
 *   d. a malformed, foreign or non-JSON file gets its stable code, no stack;
 *   e. the Replay page plays the recording at 4x: the pane shows the same
 *      text, the checklist the same verdicts (and a screenshot); the Korean
 *      page's file control is a Korean button, not the browser's English one;
 *   f. the workbench's "Share this run" downloads a recording whose pane
 *      holds what the page's pane shows.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingFile } from '../../protocol/recorder.ts';
import { readRecording } from '../../protocol/recording.ts';
import { RECORDING_LIMITS } from '../../runner/limits.ts';
import { RecordingErrorCode } from '../../protocol/constants.ts';
import { CATALOGS } from '../../protocol/i18n/catalog.ts';
import { launchChromium, ROOT, snapshotSite, startServe, staticServer } from '../support/browser.ts';
import { button, paneShowsLine, paneText } from '../support/workbench-page.ts';

const scratch = mkdtempSync(join(tmpdir(), 'socklab-record-'));
chmodSync(scratch, 0o755);
const RUN = join(scratch, 'run.json');
const GRADE = join(scratch, 'grade.json');

/** Runs the CLI; resolves with its exit code and output. */
function socklab(args: string[], stdin = ''): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['bin/socklab.js', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdin.end(stdin);
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    }),
  );
}

/** What a cast's output events print, as lines, carriage returns dropped. */
function castLines(cast: string): string[] {
  const [, ...events] = cast.trim().split('\n').map((l) => JSON.parse(l) as [number, string, string]);
  return events.map((e) => e[2]).join('').replace(/\r/g, '').split('\n').filter((l) => l !== '');
}

let run: { code: number | null; out: string; err: string };
let grade: { code: number | null; out: string; err: string };

beforeAll(async () => {
  run = await socklab(['run', 'tcp-echo', join(ROOT, 'labs/02-tcp-echo/solution/python'), '--record', RUN], 'hello recorder\nsecond line\n');
  grade = await socklab(['grade', 'udp-echo', join(ROOT, 'labs/01-udp-echo/solution/python'), '--only', 'server', '--reporter', 'json', '--record', GRADE, '--wire']);
}, 120_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('socklab --record', () => {
  it('records each pane with the text the run printed', () => {
    expect(run.code, run.err).toBe(0);
    expect(run.err).toContain(`recorded to ${RUN}`);
    const rec = JSON.parse(readFileSync(RUN, 'utf8')) as RecordingFile;
    expect(rec.lab).toBe('tcp-echo');
    expect(rec.panes.map((p) => p.name).sort()).toEqual(['client 1', 'server']);
    const printed = run.out.split('\n').filter(Boolean);
    for (const pane of rec.panes) {
      const mine = printed.filter((l) => l.startsWith(`[${pane.name}] `)).map((l) => l.slice(pane.name.length + 3));
      expect(castLines(pane.cast)).toEqual(mine.filter((l) => l !== ''));
    }
    expect(castLines(rec.panes.find((p) => p.name === 'client 1')!.cast).join('\n')).toMatch(/hello recorder/i);
    expect(rec.events.filter((e) => e.msg.type === 'proc').length).toBeGreaterThanOrEqual(4);
    // Nothing of this machine: not the scratch folder, the user, the host.
    const text = readFileSync(RUN, 'utf8');
    expect(text).not.toContain(ROOT);
    expect(text).not.toContain(process.env.HOME ?? '/nonexistent');
  });

  it('records the check results the report has', () => {
    expect(grade.code, grade.err).toBe(0);
    const report = JSON.parse(grade.out) as { results: { id: string; status: string; wire?: unknown }[] };
    const rec = JSON.parse(readFileSync(GRADE, 'utf8')) as RecordingFile;
    const results = rec.events.flatMap((e) => (e.msg.type === 'checkResult' ? [{ id: e.msg.result.id, status: e.msg.result.status }] : []));
    expect(results).toEqual(report.results.map((r) => ({ id: r.id, status: r.status })));
    // --wire: every check's packets are in the recording as in the report; the upper-case check's datagram and its echo among them.
    const checked = rec.events.flatMap((e) => (e.msg.type === 'checkResult' ? [e.msg.result] : []));
    const upper = checked.find((r) => r.id === 'upper-case')!.wire!.packets;
    expect(upper.map((p) => [p.protocol, p.src.owner, p.dst.owner])).toEqual([['udp', 'grader client A', 'your server'], ['udp', 'your server', 'grader client A']]);
    expect(checked.map((r) => r.wire)).toEqual(report.results.map((r) => r.wire));
    expect(rec.events.at(-1)?.msg.type).toBe('checkDone');
  });

  it('gives out a pane as a valid asciicast v2 file', async () => {
    const r = await socklab(['replay', RUN, '--cast', 'server']);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n');
    expect(lines.pop()).toBe('');
    const header = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(header.version).toBe(2);
    expect(Number.isInteger(header.width) && (header.width as number) > 0).toBe(true);
    expect(Number.isInteger(header.height) && (header.height as number) > 0).toBe(true);
    expect(Number.isInteger(header.timestamp)).toBe(true);
    let last = 0;
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines.slice(1)) {
      const e = JSON.parse(line) as unknown[];
      expect(e).toHaveLength(3);
      expect(typeof e[0]).toBe('number');
      expect(e[0] as number).toBeGreaterThanOrEqual(last);
      last = e[0] as number;
      expect(e[1]).toBe('o');
      expect(typeof e[2]).toBe('string');
    }
  });

  it('refuses a malformed, foreign or non-JSON file with its stable code', async () => {
    const rec = JSON.parse(readFileSync(RUN, 'utf8')) as RecordingFile;
    const files = {
      recording_malformed: JSON.stringify({ ...rec, panes: [{ proc: 1, name: 'server', cast: 'not a cast' }] }),
      recording_foreign: JSON.stringify({ version: 2, width: 80, height: 24 }),
      recording_not_json: 'PK\u0003\u0004 not json',
      recording_too_large: ' '.repeat(RECORDING_LIMITS.maxFileBytes + 1),
    };
    for (const [code, text] of Object.entries(files)) {
      const read = readRecording(text, RECORDING_LIMITS.maxFileBytes);
      expect(read.ok ? 'ok' : read.code).toBe(code);
    }
    // The Replay page words each code in every language.
    for (const catalog of Object.values(CATALOGS)) for (const code of Object.keys(RecordingErrorCode)) expect(catalog).toHaveProperty([`replay.error.${code}`]);
    // The CLI says it plainly: the code, no stack trace, exit 2.
    const file = join(scratch, 'malformed.json');
    writeFileSync(file, files.recording_malformed);
    const r = await socklab(['replay', file]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^socklab: recording_malformed: .*panes\.0\.cast: not asciicast v2\n$/);
  });
});

describe('the Replay page', () => {
  let browser: Browser;
  let site = '';
  let server: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    site = await snapshotSite(['replay/index.html', 'ko/replay/index.html']);
    server = await staticServer(site);
    browser = await launchChromium();
  }, 300_000);
  afterAll(async () => {
    await browser?.close().catch(() => {});
    await server?.close();
    if (site) rmSync(site, { recursive: true, force: true });
  });

  it("shows a failure's quoted bytes with every space: the check about spaces kept must not look as if they were lost", async () => {
    const graded = JSON.parse(readFileSync(GRADE, 'utf8')) as RecordingFile;
    // The async-chat failure of a server that trims the text (what its Check said, word for word).
    const failed = {
      status: 'failed' as const,
      message: 'bob sent "  spaces are kept  "; bob received "[bob] spaces are kept" instead of "[bob]   spaces are kept  "',
      expected: '"[bob]   spaces are kept  \\n"',
      received: '"[bob] spaces are kept\\n"',
      hint: 'compare "  a" with " a"',
    };
    let first = true;
    const events = graded.events.map((e) => {
      if (e.msg.type !== 'checkResult' || !first) return e;
      first = false;
      return { ...e, msg: { ...e.msg, result: { ...e.msg.result, ...failed } } };
    });
    const file = join(scratch, 'spaces.json');
    writeFileSync(file, JSON.stringify({ ...graded, events }));
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/replay/`);
      await page.locator('[data-rp-file]').setInputFiles(file);
      await page.locator('[data-socklab-replay][data-state="loaded"]').waitFor();
      await page.locator('[data-rp-speed]').selectOption('4');
      await page.locator('[data-rp-play]').click();
      await page.locator('.rp-checks .wb-check-message').waitFor({ state: 'attached', timeout: 20_000 });
      await page.locator('.rp-checks .wb-check-details').first().evaluate((d) => ((d as HTMLDetailsElement).open = true));
      // innerText is what is drawn: spaces the page collapses are gone from it.
      expect(await page.locator('.rp-checks .wb-check-message').first().innerText()).toBe(failed.message);
      expect(await page.locator('.rp-checks .wb-expected').first().innerText()).toBe(failed.expected);
      expect(await page.locator('.rp-checks .wb-check-hint').first().innerText()).toContain(failed.hint);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('plays a run at 4x to the same pane text and check verdicts, and refuses a bad file', async () => {
    const run = JSON.parse(readFileSync(RUN, 'utf8')) as RecordingFile;
    const graded = JSON.parse(readFileSync(GRADE, 'utf8')) as RecordingFile;
    // One file with both: the run's panes, then the grade's Check.
    const both: RecordingFile = { ...run, events: [...run.events, ...graded.events.map((e) => ({ ...e, t: Math.min(e.t, run.durationMs) }))] };
    const file = join(scratch, 'both.json');
    writeFileSync(file, JSON.stringify(both));
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/replay/`);
      await page.locator('[data-rp-file]').setInputFiles(file);
      await page.locator('[data-socklab-replay][data-state="loaded"]').waitFor();
      // The recording names its lab and language by id; the page says the course's title and the language's name.
      expect(await page.locator('.rp-about').innerText()).toMatch(/^TCP upper-case echo in Python, recorded /);
      await page.locator('[data-rp-speed]').selectOption('4');
      await page.locator('[data-rp-play]').click();
      await page.waitForFunction(() => {
        const root = document.querySelector('[data-socklab-replay]') as HTMLElement & { replay?: { position(): { at: number; duration: number } } };
        const p = root.replay?.position();
        return p !== undefined && p.at >= p.duration;
      }, undefined, { timeout: 20_000 });
      for (const pane of run.panes) {
        const want = castLines(pane.cast);
        await page.waitForFunction(
          ([name, lines]) => {
            const root = document.querySelector('[data-socklab-replay]') as HTMLElement & { replay?: { text(n: string): string } };
            const shown = (root.replay?.text(name) ?? '').split('\n').map((l) => l.trimEnd()).filter(Boolean);
            return JSON.stringify(shown) === JSON.stringify(lines);
          },
          [pane.name, want] as const,
          { timeout: 10_000 },
        );
      }
      const verdicts = graded.events.flatMap((e) => (e.msg.type === 'checkResult' ? [e.msg.result.status] : []));
      expect(await page.locator('.rp-checks .wb-checks > li').count()).toBe(verdicts.length);
      mkdirSync('/work/shots', { recursive: true });
      await page.screenshot({ path: '/work/shots/replay-en.png', fullPage: true });

      const bad = join(scratch, 'bad.json');
      writeFileSync(bad, JSON.stringify({ format: 'socklab-recording', version: 1, lab: 3 }));
      await page.goto(`${server.url}/ko/replay/`);
      // The Korean page's control is Korean: the browser's own file input (its "Choose File", "No file chosen") is never drawn.
      const choose = page.locator('[data-rp-choose]');
      await expect(choose.textContent()).resolves.toBe(CATALOGS.ko['replay.choose']);
      await expect(page.locator('[data-rp-file]').isHidden()).resolves.toBe(true);
      expect(await page.locator('[data-socklab-replay]').innerText()).not.toMatch(/[A-Za-z]{2,}/);
      await page.screenshot({ path: '/work/shots/replay-ko-empty.png' });
      // Its button opens the file chooser.
      const [chooser] = await Promise.all([page.waitForEvent('filechooser'), choose.click()]);
      await chooser.setFiles(bad);
      await page.locator('[data-socklab-replay][data-error="recording_malformed"]').waitFor();
      expect(await page.locator('.rp-error').textContent()).toMatch(/손상/);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('Share this run in the workbench downloads the run the page showed', async () => {
    const served = await startServe(site);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    try {
      const page = await context.newPage();
      await page.goto(`${served.url}/labs/tcp-echo/`);
      await page.locator('[data-socklab-workbench]').scrollIntoViewIfNeeded();
      await page.locator('.wb[data-link="connected"]').waitFor({ timeout: 30_000 });
      await button(page, 'Run').click();
      await paneShowsLine(page, 'server', 'The server is ready to receive', 20_000);
      const [download] = await Promise.all([page.waitForEvent('download'), button(page, 'Share this run').click()]);
      expect(download.suggestedFilename()).toMatch(/^socklab-tcp-echo-\d{8}-\d{4}\.json$/);
      const read = readRecording(readFileSync(await download.path(), 'utf8'), RECORDING_LIMITS.maxFileBytes);
      if (!read.ok) throw new Error(read.message);
      const server = read.recording.panes.find((p) => p.name === 'server')!;
      const shown = (await paneText(page, 'server')).split('\n').map((l) => l.trim()).filter(Boolean);
      // The pane may add the page's own lines (a process's end); every recorded line is one it shows.
      expect(castLines(server.cast)).toContain('The server is ready to receive');
      expect(shown).toEqual(expect.arrayContaining(castLines(server.cast)));
      expect(read.recording.events.some((e) => e.msg.type === 'proc' && e.msg.proc.state === 'listening')).toBe(true);
    } finally {
      await context.close();
      await served.stop();
    }
  }, 90_000);
});
