/**
 * The classic script Head.astro inlines in a lab page's head (early-socket.ts:
 * parseTimeScript) run as the page runs it: its text alone, with only the
 * browser's globals around it (here: the few it uses, recorded), so a
 * reference to anything outside its own source (an import, a bundler's
 * helper) fails here and not silently on every lesson page. It opens the
 * runner connection, and asks for the workbench bundle once the build named
 * its files, only where the workbench mounts at once (the wide layout, not
 * folded away), records what the socket says until taken, and the
 * loader's take leaves none behind. The real page, socket and runner:
 * test/e2e/workbench.test.ts (h).
 */
import { describe, expect, it } from 'vitest';
import { WS_PATH } from '../../protocol/constants.ts';
import { BUNDLE_MARKER, parseTimeScript, takeParseTimeSocket, type EarlySocket, type SocketHolder } from './early-socket.ts';
import { SIDE_BY_SIDE, SIDE_KEY } from './side.ts';

class RecordedSocket {
  static opened: string[] = [];
  binaryType = 'blob';
  onopen: (() => void) | null = null;
  onmessage: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {
    RecordedSocket.opened.push(url);
  }
}

/** Module preloads the script added to the page's head (their href). */
let preloads: string[] = [];

/**
 * Runs the script as a page would, at `width` px, with `stored` in
 * localStorage; `bundle`: the file names the build wrote in place of the
 * marker (site/lib/workbench-preload.ts), none as in `astro dev`.
 */
function runInPage(width: number, stored: Record<string, string> = {}, storage = true, bundle?: string[]): SocketHolder {
  RecordedSocket.opened = [];
  preloads = [];
  let script = parseTimeScript();
  if (bundle) script = script.split(JSON.stringify(BUNDLE_MARKER)).join(JSON.stringify(bundle));
  const globals = {
    document: {
      createElement: (tag: string) => ({ tag, rel: '', href: '' }),
      head: { append: (el: { tag: string; rel: string; href: string }) => void (el.tag === 'link' && el.rel === 'modulepreload' && preloads.push(el.href)) },
    },
    location: { protocol: 'https:', host: 'course.example:8443' },
    matchMedia: (q: string) => ({ matches: q === SIDE_BY_SIDE && width >= 72 * 16 }),
    localStorage: {
      getItem: (k: string) => {
        if (!storage) throw new Error('SecurityError: storage is disabled');
        return stored[k] ?? null;
      },
    },
    WebSocket: RecordedSocket,
  };
  new Function(...Object.keys(globals), script)(...Object.values(globals));
  return globals.document as unknown as SocketHolder;
}

describe('the runner connection opened while the lesson page is parsed', () => {
  it('opens beside the lesson only, to the runner on the page\'s origin, and keeps what it hears until taken', () => {
    const page = runInPage(1280);
    expect(RecordedSocket.opened).toEqual([`wss://course.example:8443${WS_PATH}`]);
    const early = page.socklabSocket as EarlySocket & { ws: RecordedSocket };
    expect(early.ws.binaryType).toBe('arraybuffer');
    early.ws.onopen!();
    early.ws.onmessage!({ data: 'hello' });
    early.ws.onmessage!({ data: 'second' });
    expect(early.opened).toBe(true);
    expect(early.queued.map((m) => m.data)).toEqual(['hello', 'second']);
    expect(takeParseTimeSocket(page)).toBe(early);
    expect(takeParseTimeSocket(page)).toBe(null);

    // A narrower screen: the workbench comes after the lesson; no connection until the student reaches it.
    expect(runInPage(1024).socklabSocket).toBeUndefined();
    expect(RecordedSocket.opened).toEqual([]);
    // Folded away by the student (layout.ts remembers it): none either.
    expect(runInPage(1600, { [SIDE_KEY]: 'hidden' }).socklabSocket).toBeUndefined();
    expect(RecordedSocket.opened).toEqual([]);
    // Storage refused: never folded, so it opens.
    expect(runInPage(1600, {}, false).socklabSocket).toBeTruthy();
    expect(RecordedSocket.opened).toHaveLength(1);
  });

  it('asks for the workbench bundle beside the lesson once the build has named it, and not otherwise', () => {
    const bundle = ['/_astro/main.abc.js', '/_astro/pane.def.js'];
    runInPage(1280, {}, true, bundle);
    expect(preloads).toEqual(bundle);
    runInPage(1280); // astro dev: the marker is still there
    expect(preloads).toEqual([]);
    expect(RecordedSocket.opened).toHaveLength(1);
    runInPage(1024, {}, true, bundle);
    expect(preloads).toEqual([]);
    runInPage(1600, { [SIDE_KEY]: 'hidden' }, true, bundle);
    expect(preloads).toEqual([]);
  });
});
