/**
 * Debian's chromium, driven through playwright-core: where it is, how it
 * starts, and how it ends. The grader's web page checks and the project's
 * browser tests (test/support/browser.ts) find and start it the same way.
 * A grader's Chromium runs the student's page, so it is started with every
 * request forced through the grader's proxy (see page-proxy.ts) and ended by
 * its process id, its whole process group with it, whatever the check did.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';

/** Flags of every Chromium the project starts: headless, quiet, nothing fetched for itself. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Where Chromium is: $CHROMIUM, or Debian's package. */
export function chromiumExecutable(): string {
  return process.env.CHROMIUM || '/usr/bin/chromium';
}

/** Why no Chromium can be driven here ('no-browser' with its path, 'no-library'), or null when one can. */
export async function chromiumMissing(): Promise<{ code: 'no-browser'; path: string } | { code: 'no-library' } | null> {
  const path = chromiumExecutable();
  if (!existsSync(path)) return { code: 'no-browser', path };
  try {
    await import('playwright-core');
  } catch {
    return { code: 'no-library' };
  }
  return null;
}

/** A Chromium of the grader's: one browser process (and its children), one profile of its own. */
export interface GraderChromium {
  readonly context: BrowserContext;
  /** The browser process; its process group holds every process it started. */
  readonly pid: number | undefined;
  /** Closes the browser, then kills by pid whatever of its process group is left, and removes its profile. */
  close(): Promise<void>;
}

/**
 * Starts a headless Chromium whose every request, loopback included, goes
 * to the HTTP proxy at 127.0.0.1:`proxyPort`: the page can reach nothing
 * the proxy does not let through. WebRTC may send no UDP of its own.
 */
export async function launchGraderChromium(proxyPort: number, opts: { timeoutMs: number; heapMiB: number }): Promise<GraderChromium> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'socklab-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumExecutable(),
      headless: true,
      timeout: opts.timeoutMs,
      // Playwright's own handlers would exit the runner on Ctrl-C (and keep it alive on SIGTERM): the runner
      // shuts down its way, and a browser whose grader is gone ends with its pipe.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      args: [
        ...CHROMIUM_ARGS,
        `--proxy-server=http://127.0.0.1:${proxyPort}`,
        // Without this, Chromium sends loopback requests past the proxy: the page could reach the runner.
        '--proxy-bypass-list=<-loopback>',
        '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
        `--js-flags=--max-old-space-size=${opts.heapMiB}`,
      ],
    });
  } catch (err) {
    killGroupOf(browserPid(profile));
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  const pid = browserPid(profile);
  return {
    context,
    pid,
    async close() {
      await Promise.race([context.close().catch(() => {}), sleep(3000)]);
      // Renderers and helpers may outlive the browser; none outlives this.
      for (let waited = 0; killGroupOf(pid) > 0 && waited < 3000; waited += 50) await sleep(50);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The pid of this process's child Chromium that runs with `profile`. */
function browserPid(profile: string): number | undefined {
  for (const entry of procEntries()) {
    if (entry.ppid !== process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry.pid}/cmdline`, 'utf8').includes(`--user-data-dir=${profile}`)) return entry.pid;
    } catch {
      /* gone */
    }
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * SIGKILL, by pid, to every process still in the group `pgid` (the browser
 * was started as its group's leader); returns how many there were.
 */
function killGroupOf(pgid: number | undefined): number {
  if (!pgid) return 0;
  let n = 0;
  for (const entry of procEntries()) {
    if (entry.pgrp !== pgid) continue;
    n++;
    try {
      process.kill(entry.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  return n;
}

/** pid, parent and process group of every live process (Linux /proc). */
function procEntries(): { pid: number; ppid: number; pgrp: number }[] {
  const out: { pid: number; ppid: number; pgrp: number }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || fields[0] === 'X') continue; // dead, waiting to be reaped
      out.push({ pid: Number(name), ppid: Number(fields[1]), pgrp: Number(fields[2]) });
    } catch {
      /* gone */
    }
  }
  return out;
}
