/**
 * The only workbench code a lesson page loads up front (well under 3 KB).
 * It waits until the student is about to use the workbench: the workbench
 * comes within a screen of the viewport, or something in it gets focus or a
 * click, or the "Open the workbench" button is pressed, or a phone's Code or
 * Terminals tab is opened (layout.ts). Then it imports the
 * real bundle (Monaco, xterm.js, the runner connection: ./main.ts), which
 * mounts itself into the placeholder. Until then no editor code, worker or
 * WebSocket exists on the page.
 *
 * The root's data-state says where it is: none (placeholder), "loading",
 * "ready" (mounted), "failed". A disposed workbench clears it and shows the
 * placeholder again, so the same triggers mount it anew.
 */
type Root = HTMLElement & { socklabFocus?: boolean };

function start(root: Root, focus: boolean): void {
  if (focus) root.socklabFocus = true;
  if (root.dataset.state === 'loading' || root.dataset.state === 'ready') return;
  root.dataset.state = 'loading';
  const status = root.querySelector<HTMLElement>('[data-wb-load-status]');
  // The words are server-rendered in the page's language (Workbench.astro): no catalog up front.
  if (status) status.textContent = status.dataset.loading ?? '';
  import('./main.ts')
    // Focus moves into the editor if the student was already in the workbench
    // (the placeholder it replaces had the focus, or its button was pressed).
    .then((m) => {
      if (status) status.textContent = '';
      m.mount(root, { focus: Boolean(root.socklabFocus) || root.contains(document.activeElement) });
      root.socklabFocus = false;
    })
    .catch((err: unknown) => {
      root.dataset.state = 'failed';
      if (status) status.textContent = (status.dataset.failed ?? '{error}').replace('{error}', String(err));
    });
}

for (const root of document.querySelectorAll<Root>('[data-socklab-workbench]')) {
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
