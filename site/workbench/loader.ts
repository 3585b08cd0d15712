/**
 * The only workbench code a lesson page loads up front (well under 3 KB).
 * Once the page is idle (requestIdleCallback, after the load) it fetches and
 * evaluates the real bundle (xterm.js, the runner connection: ./main.ts)
 * and then Monaco (./editor.ts, which main.ts imports on its own when it
 * mounts without it), so that the editor is there by the time the student
 * scrolls to it: evaluating Monaco takes about a second on a 2-core server
 * (bench/site.ts), which a student at the workbench would otherwise watch. A browser that
 * asks to save data (navigator.connection.saveData) is spared that. Where
 * the workbench sits beside the lesson, in view from the start, the bundle
 * (not Monaco) is fetched at once instead, as the mount will need it.
 * It mounts the workbench only when the student is about to use it: the
 * workbench comes within a screen of the viewport, or something in it gets
 * focus or a click, or the "Open the workbench" button is pressed, or a
 * phone's Code or Terminals tab is opened (layout.ts). Until then no editor,
 * worker or WebSocket exists on the page, so a student reading the lesson
 * opens no connection to the runner. At that moment the runner connection
 * opens too (early-socket.ts), while the bundle still loads; beside the
 * lesson it was opened already, while the page was parsed, and the
 * workbench mounts as soon as the bundle is there.
 *
 * The root's data-state says where it is: none (placeholder), "loading",
 * "ready" (mounted), "failed". A disposed workbench clears it and shows the
 * placeholder again, so the same triggers mount it anew.
 */
import { openEarlySocket, runnerUrl, takeParseTimeSocket } from './early-socket.ts';
import { SIDE_BY_SIDE } from './side.ts';

type Root = HTMLElement & { socklabFocus?: boolean };

type Bundle = typeof import('./main.ts');
let bundle: Promise<Bundle> | null = null;
/**
 * The workbench bundle, imported once (the idle preload and a mount share it).
 * Monaco's icon font (declared in the page's <head>: site/lib/lazy-css.ts)
 * is fetched beside it: a font's arrival relays out the whole page, cheaper
 * now, while the bundle downloads and compiles, than once the editor exists.
 */
const load = (): Promise<Bundle> => {
  if (!bundle) void document.fonts?.load('16px codicon').catch(() => {});
  return (bundle ??= import('./main.ts'));
};

/** Longest wait for an idle moment: a page that is never idle still gets its editor. */
const IDLE_TIMEOUT_MS = 3000;

/** Imports the bundle when the page is idle after its load event, unless the browser asks to save data. */
function preloadWhenIdle(): void {
  if ((navigator as Navigator & { connection?: { saveData?: boolean } }).connection?.saveData) return;
  const idle = (): void => {
    // data-bundle="loaded" tells tests and the bench (bench/site.ts) that the preload is done.
    const go = () =>
      void load()
        .then((m) => m.loadEditor())
        .then(
          () => roots.forEach((r) => (r.dataset.bundle = 'loaded')),
          () => void (bundle = null), // a failed preload is tried again, and reported, by a mount
        );
    if ('requestIdleCallback' in window) requestIdleCallback(go, { timeout: IDLE_TIMEOUT_MS });
    else setTimeout(go, 200);
  };
  if (document.readyState === 'complete') idle();
  else addEventListener('load', idle, { once: true });
}

function start(root: Root, focus: boolean): void {
  if (focus) root.socklabFocus = true;
  if (root.dataset.state === 'loading' || root.dataset.state === 'ready') return;
  root.dataset.state = 'loading';
  const status = root.querySelector<HTMLElement>('[data-wb-load-status]');
  // The words are server-rendered in the page's language (Workbench.astro): no catalog up front.
  if (status) status.textContent = status.dataset.loading ?? '';
  // The runner connection, opened while the page was parsed where the
  // workbench sits beside the lesson, else now, beside the bundle's download
  // and evaluation; the workbench takes it over.
  let socket = takeParseTimeSocket() ?? openEarlySocket(runnerUrl());
  load()
    // Focus moves into the editor if the student was already in the workbench
    // (the placeholder it replaces had the focus, or its button was pressed).
    .then((m) => {
      if (status) status.textContent = '';
      m.mount(root, { focus: Boolean(root.socklabFocus) || root.contains(document.activeElement), socket });
      socket = null; // the workbench's now (a mount that threw leaves it to the catch below, which closes it)
      root.socklabFocus = false;
    })
    .catch((err: unknown) => {
      socket?.ws.close(1000, 'workbench failed to load');
      bundle = null; // the next trigger tries again
      root.dataset.state = 'failed';
      if (status) status.textContent = (status.dataset.failed ?? '{error}').replace('{error}', String(err));
    });
}

const roots = document.querySelectorAll<Root>('[data-socklab-workbench]');
if (roots.length) preloadWhenIdle();
// Beside the lesson, the workbench is in view from the first layout: it
// mounts now (its bundle asked for while the lesson is still being laid out,
// the connection opened at parse time taken), not once an intersection
// observer has reported after that layout. After this module's siblings
// have run, so that the layout's "hide the workbench" (layout.ts:
// html[data-wb-side]) is known.
queueMicrotask(() => {
  if (matchMedia(SIDE_BY_SIDE).matches && document.documentElement.dataset.wbSide !== 'hidden') roots.forEach((root) => start(root, false));
});
for (const root of roots) {
  const io =
    'IntersectionObserver' in window
      ? new IntersectionObserver(
          (entries) => {
            if (entries.some((e) => e.isIntersecting)) {
              io?.disconnect();
              start(root, false);
            }
          },
          { rootMargin: '200px 0px' },
        )
      : null;
  if (io) io.observe(root);
  else start(root, false);
  root.addEventListener('focusin', () => start(root, false));
  root.addEventListener('pointerdown', () => start(root, false));
  // layout.ts: a phone's Code or Terminals tab was opened.
  root.addEventListener('socklab:load', () => start(root, false));
  root.querySelector('[data-wb-load]')?.addEventListener('click', () => start(root, true));
}
