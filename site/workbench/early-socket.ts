/**
 * The runner connection, opened by the loader (loader.ts) as soon as the
 * workbench is about to mount, while the bundle (Monaco, xterm.js) is still
 * arriving and being evaluated: the WebSocket handshake and the runner's
 * hello overlap that second or more instead of following it. What the
 * socket says before the workbench takes it (link.ts) is kept, in order,
 * and handed over with it.
 *
 * Small on purpose: it is in the loader's chunk, which every lesson loads.
 */
import { WS_PATH } from '../../protocol/constants.ts';

export interface EarlySocket {
  readonly ws: WebSocket;
  /** Whether it opened before it was taken. */
  opened: boolean;
  /** Messages received before it was taken, in order. */
  readonly queued: MessageEvent[];
  /** Its close, if it closed before it was taken. */
  closed: CloseEvent | null;
}

/** The runner's WebSocket URL on this page's origin (plus `query`, e.g. a resume). */
export const runnerUrl = (query = ''): string => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${WS_PATH}${query}`;

/** Opens the runner connection and records what it says until taken; null when the browser refuses to open it. */
export function openEarlySocket(): EarlySocket | null {
  let ws: WebSocket;
  try {
    ws = new WebSocket(runnerUrl());
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
