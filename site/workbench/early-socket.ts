/**
 * The runner connection, opened before the workbench bundle (Monaco,
 * xterm.js) has arrived and been evaluated, so the WebSocket handshake and
 * the runner's hello overlap that second or more instead of following it.
 * What the socket says before the workbench takes it (link.ts) is kept, in
 * order, and handed over with it.
 *
 * Two places open it: where the workbench sits beside the lesson (in view,
 * so it mounts at once), a classic script in the page's head as the page
 * starts to be parsed (`parseTimeScript`, inlined by Head.astro), which
 * also asks for the bundle's files; anywhere else the loader (loader.ts), when the student
 * reaches the workbench. The early one cannot wait for the loader: module
 * scripts run only after the whole page is parsed and laid out, and by the
 * time a socket opened there has its hello, the main thread is busy
 * evaluating the bundle and mounting, so the hello waited for all of that
 * (bench/site.ts, "connected": ~750 ms after the home page's load).
 *
 * Small on purpose: it is in the loader's chunk, which every lesson loads.
 */
import { WS_PATH } from '../../protocol/constants.ts';
import { SIDE_BY_SIDE, SIDE_KEY } from './side.ts';

export interface EarlySocket {
  readonly ws: WebSocket;
  /** Whether it opened before it was taken. */
  opened: boolean;
  /** Messages received before it was taken, in order. */
  readonly queued: MessageEvent[];
  /** Its close, if it closed before it was taken. */
  closed: CloseEvent | null;
}

/** The page's document, carrying the socket opened at parse time until the loader takes it (a page has one workbench). */
export type SocketHolder = Document & { socklabSocket?: EarlySocket | null };

/*
 * socketUrl, openEarlySocket and openAtParse are inlined into the page as
 * source text (parseTimeScript): each names nothing but its parameters and
 * the browser's globals.
 */

/** A WebSocket URL for `path` on this page's origin. */
export function socketUrl(path: string): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;
}

/** Opens the runner connection at `url` and records what it says until taken; null when the browser refuses to open it. */
export function openEarlySocket(url: string): EarlySocket | null {
  let ws: WebSocket;
  try {
    ws = new WebSocket(url);
  } catch {
    return null;
  }
  ws.binaryType = 'arraybuffer';
  const early: EarlySocket = { ws, opened: false, queued: [], closed: null };
  ws.onopen = () => void (early.opened = true);
  ws.onmessage = (ev: MessageEvent) => void early.queued.push(ev);
  ws.onclose = (ev: CloseEvent) => void (early.closed = ev);
  return early;
}

/**
 * Run while the page is parsed: where the workbench will mount at once,
 * beside the lesson (the wide layout, and not folded away by the student:
 * layout.ts), the loader's own condition (loader.ts), opens the connection
 * (left on `page`, the document) and asks for the workbench bundle's files (`bundle`, once the
 * build has named them: site/lib/workbench-preload.ts) as module preloads,
 * which the loader's import() then finds fetched and compiled. A reader on
 * a narrower screen gets neither until they reach the workbench.
 */
export function openAtParse(page: SocketHolder, open: (url: string) => EarlySocket | null, url: string, side: string, key: string, bundle: string[] | string): void {
  let folded = false;
  try {
    folded = localStorage.getItem(key) === 'hidden';
  } catch {
    /* storage disabled: never folded */
  }
  if (folded || !matchMedia(side).matches) return;
  page.socklabSocket = open(url);
  if (!Array.isArray(bundle)) return; // `astro dev`: not named
  for (const href of bundle) {
    const link = page.createElement('link');
    link.rel = 'modulepreload';
    link.href = href;
    page.head.append(link);
  }
}

/**
 * What the parse-time script carries in place of the bundle's file names
 * until the build has written them (site/lib/workbench-preload.ts replaces
 * it, as a JSON string, in every built page).
 */
export const BUNDLE_MARKER = '__socklab_workbench_bundle__';

/** The classic script Head.astro puts in a lab page's <head>: `openAtParse` with its helpers, as source text. */
export function parseTimeScript(): string {
  const args = [openEarlySocket.toString(), `(${socketUrl.toString()})(${JSON.stringify(WS_PATH)})`, JSON.stringify(SIDE_BY_SIDE), JSON.stringify(SIDE_KEY), JSON.stringify(BUNDLE_MARKER)];
  return `(${openAtParse.toString()})(document, ${args.join(', ')});`;
}

/** The runner's WebSocket URL on this page's origin (plus `query`, e.g. a resume). */
export const runnerUrl = (query = ''): string => socketUrl(WS_PATH + query);

/** The socket opened at parse time, if there is one and it is not taken yet; taking it leaves none. */
export function takeParseTimeSocket(page: SocketHolder = document): EarlySocket | null {
  const socket = page.socklabSocket ?? null;
  page.socklabSocket = null;
  return socket;
}
