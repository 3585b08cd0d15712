/**
 * The runner connection, opened before the workbench bundle (Monaco,
 * xterm.js) has arrived and been evaluated, so the WebSocket handshake and
 * the runner's hello overlap that second or more instead of following it.
 * What the socket says before the workbench takes it (link.ts) is kept, in
 * order, and handed over with it.
 *
 * Two places open it: where the workbench sits beside the lesson (in view,
 * so it mounts at once), a classic script inside the workbench's markup
 * while the page is still being parsed (`parseTimeScript`, inlined by
 * Workbench.astro); anywhere else the loader (loader.ts), when the student
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

/** The workbench's root element, carrying the socket opened at parse time until the loader takes it. */
export type SocketRoot = HTMLElement & { socklabSocket?: EarlySocket | null };

/*
 * The three functions below are inlined into the page as source text
 * (parseTimeScript): each names nothing but its parameters and the
 * browser's globals.
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
 * Run while the page is parsed: opens the connection on `root` when the
 * workbench will mount at once, beside the lesson (the wide layout, and not
 * folded away by the student: layout.ts), the loader's own condition
 * (loader.ts). A reader on a narrower screen opens none until they reach
 * the workbench.
 */
export function openAtParse(root: SocketRoot, open: (url: string) => EarlySocket | null, url: string, side: string, key: string): void {
  let folded = false;
  try {
    folded = localStorage.getItem(key) === 'hidden';
  } catch {
    /* storage disabled: never folded */
  }
  if (!folded && matchMedia(side).matches) root.socklabSocket = open(url);
}

/**
 * The classic script Workbench.astro puts first inside the workbench's root
 * (document.currentScript's parent): `openAtParse` with its helpers, as
 * source text.
 */
export function parseTimeScript(): string {
  const args = [socketUrl.toString(), JSON.stringify(WS_PATH), JSON.stringify(SIDE_BY_SIDE), JSON.stringify(SIDE_KEY)];
  return `(${openAtParse.toString()})(document.currentScript.parentElement, ${openEarlySocket.toString()}, (${args[0]})(${args[1]}), ${args[2]}, ${args[3]});`;
}

/** The runner's WebSocket URL on this page's origin (plus `query`, e.g. a resume). */
export const runnerUrl = (query = ''): string => socketUrl(WS_PATH + query);

/** The socket opened at parse time, if there is one and it is not taken yet; taking it leaves none. */
export function takeParseTimeSocket(root: SocketRoot): EarlySocket | null {
  const socket = root.socklabSocket ?? null;
  root.socklabSocket = null;
  return socket;
}
