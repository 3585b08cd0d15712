/**
 * Debian's chromium, driven through playwright-core: where it is, how it
 * starts, and how it ends. The grader's web page checks and the project's
 * browser tests (test/support/browser.ts) start it the same way; the
 * grader prefers Debian's headless shell where it is installed.
 * A grader's Chromium runs the student's pages, each check's in a context
 * of its own whose every request is forced through that check's proxy (see
 * page-proxy.ts), and is ended by its process id, its whole process group
 * with it, whatever the checks did.
 */
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { leaveRunnerGroup } from '../../sandbox/cgroups.ts';

/** Flags of every Chromium the project starts: headless, quiet, nothing fetched for itself. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * chrome://flags choices of the grader's profile (its Local State), as
 * "flag@2" (Disabled). Headless Chromium builds each window's omnibox
 * popup as a WebUI page in a renderer of its own, and a grader's page is
 * a window of its own: a third of the CPU of each page opened (measured
 * on Chromium 156), for a popup no headless page shows (the headless
 * shell has no windows, and no such flags). Flags, not
 * --disable-features: Chromium keeps the last --disable-features only,
 * and Playwright passes its own; the flags are merged into it.
 */
const PROFILE_FLAGS = ['webui-omnibox-popup@2', 'webui-omnibox-aim-popup@2'];

/** Where Chromium is: $CHROMIUM, or Debian's package. */
export function chromiumExecutable(): string {
  return process.env.CHROMIUM || '/usr/bin/chromium';
}

/**
 * Debian's chromium-headless-shell: the same Chromium without the browser's
 * windows, tabs and their UI. The program itself: the package's
 * /usr/bin/chromium-headless-shell is a shell that runs it as its child,
 * and the grader's pid (ended, and its process group) must be the browser's.
 */
export const HEADLESS_SHELL = '/usr/lib/chromium/chromium-headless-shell';

/**
 * Where the grader's Chromium is: $CHROMIUM; else Debian's headless shell
 * where it is installed (what Playwright itself runs for headless pages);
 * else Debian's chromium, whose headless mode is the whole browser (its
 * windows, tabs and their UI), drawn nowhere. On Chromium 156 a
 * websocket-chat Check (three pages, each in a context of its own) took
 * 0.67 CPU-s in the shell against 1.42 (0.19 against 0.45 for the start
 * alone), a fifth of the whole Check's CPU, with the same verdicts.
 */
export function graderChromiumExecutable(): string {
  return process.env.CHROMIUM || (existsSync(HEADLESS_SHELL) ? HEADLESS_SHELL : chromiumExecutable());
}

/** Why the grader can drive no Chromium here ('no-browser' with its path, 'no-library'), or null when it can. */
export async function chromiumMissing(): Promise<{ code: 'no-browser'; path: string } | { code: 'no-library' } | null> {
  const path = graderChromiumExecutable();
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
  /** The browser process; its process group holds every process it started. */
  readonly pid: number | undefined;
  /** False once the browser is gone: closed, or crashed. */
  readonly connected: boolean;
  /** Resolves once the browser is gone (as `connected` turns false). */
  readonly gone: Promise<void>;
  /**
   * A new context: no storage, cookies, cache or service workers of any
   * other context's, and every request of its pages, loopback included,
   * sent to the HTTP proxy at 127.0.0.1:`proxyPort`, so they reach nothing
   * the proxy does not let through.
   */
  newContext(proxyPort: number): Promise<BrowserContext>;
  /** Closes the browser, then kills by pid whatever of its process group is left, and removes its profile. */
  close(): Promise<void>;
}

/**
 * Starts a headless Chromium with no page open. Its own requests (a
 * page's go through its context's proxy) go to a proxy that cuts every
 * connection; WebRTC may send no UDP of its own.
 */
export async function launchGraderChromium(opts: { timeoutMs: number; heapMiB: number }): Promise<GraderChromium> {
  const { chromium } = await import('playwright-core');
  const nowhere = await cutEveryConnection();
  const profile = mkdtempSync(join(profileParent(), 'socklab-chromium-'));
  writeFileSync(join(profile, 'Local State'), JSON.stringify({ browser: { enabled_labs_experiments: PROFILE_FLAGS } }));
  // WebRTC's UDP, said twice: the headless shell takes --force-webrtc-ip-handling-policy, which chromium (156) no longer
  // knows; chromium takes its profile's preference, which every context of it inherits. Without it, a page's STUN
  // requests reached any UDP port (a test's on loopback).
  mkdirSync(join(profile, 'Default'));
  writeFileSync(join(profile, 'Default', 'Preferences'), JSON.stringify({ webrtc: { ip_handling_policy: 'disable_non_proxied_udp' } }));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: graderChromiumExecutable(),
      headless: true,
      timeout: opts.timeoutMs,
      // Playwright's own handlers would exit the runner on Ctrl-C (and keep it alive on SIGTERM): the runner
      // shuts down its way, and a browser whose grader is gone ends with its pipe.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      args: [
        ...CHROMIUM_ARGS,
        `--proxy-server=http://127.0.0.1:${(nowhere.address() as AddressInfo).port}`,
        // Without this, Chromium sends loopback requests past the proxy: they could reach the runner.
        '--proxy-bypass-list=<-loopback>',
        '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
        `--js-flags=--max-old-space-size=${opts.heapMiB}`,
      ],
    });
  } catch (err) {
    killGroupOf(browserPid(profile));
    rmSync(profile, { recursive: true, force: true });
    nowhere.close();
    throw err;
  }
  const pid = browserPid(profile);
  // Born in the runner's CPU group (cgroups.ts), the browser would run students' pages at the runner's weight,
  // ahead of every session: it goes back to the group the runner came from, its zygote and helpers with it, and the
  // renderers they start later are born there.
  for (const entry of procEntries()) if (entry.pgrp === pid) leaveRunnerGroup(entry.pid);
  const close = async () => {
    await Promise.race([context.close().catch(() => {}), sleep(3000)]);
    // Renderers and helpers may outlive the browser; none outlives this.
    for (let waited = 0; killGroupOf(pid) > 0 && waited < 3000; waited += 50) await sleep(50);
    await rm(profile, { recursive: true, force: true });
    nowhere.close();
  };
  const browser = context.browser();
  if (!browser) {
    await close();
    throw new Error('playwright-core gave no browser for a persistent context');
  }
  // The profile's own blank page: no check's, so none is left to run in it.
  await Promise.all(context.pages().map((p) => p.close().catch(() => {})));
  const gone = new Promise<void>((resolve) => (browser.isConnected() ? browser.once('disconnected', () => resolve()) : resolve()));
  return {
    pid,
    get connected() {
      return browser.isConnected();
    },
    gone,
    // With `bypass` given, Playwright adds no rule of its own (nor lets PLAYWRIGHT_DISABLE_FORCED_CHROMIUM_PROXIED_LOOPBACK send loopback past the proxy).
    newContext: (proxyPort) => browser.newContext({ proxy: { server: `http://127.0.0.1:${proxyPort}`, bypass: '<-loopback>' } }),
    close,
  };
}

/** statfs(2)'s f_type of a tmpfs. */
const TMPFS_MAGIC = 0x01021994;

/**
 * Where the grader's profiles go: a Chromium profile is some 180 files
 * (SQLite databases with their journals, LevelDB stores) written at each
 * start and removed at each end, once per grade. On this machine's disk
 * their removal took 60-220 ms of the runner's event loop per grade (the
 * runner's largest share of a websocket-chat Check): the temporary folder
 * when it is a tmpfs, else /dev/shm when that is one, else the temporary
 * folder all the same.
 */
function profileParent(): string {
  for (const dir of [tmpdir(), '/dev/shm']) {
    try {
      if (statfsSync(dir).type !== TMPFS_MAGIC) continue;
      accessSync(dir, constants.W_OK);
      return dir;
    } catch {
      /* not there, or not ours to write */
    }
  }
  return tmpdir();
}

/** A TCP server on loopback that ends every connection at once: a proxy that lets nothing through. */
async function cutEveryConnection(): Promise<Server> {
  const server = createServer((s) => s.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return server;
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
