/**
 * The preview pane of a lab whose server serves a web page (frontmatter
 * `preview`): the student's page, served by their own server in the
 * sandbox, through the runner's preview proxy (runner/server/preview.ts).
 * The page is untrusted code: the iframe is sandboxed without
 * allow-same-origin, as the proxy's CSP header also makes it, so it never
 * runs with the course's origin. Every tab opened from here is one more
 * user of the student's server.
 */
import { localeOf, t } from '../../protocol/i18n/catalog.ts';
import { h } from './dom.ts';
import type { DisposableStore } from './disposable.ts';

/** The iframe's sandbox: scripts and forms, never the course's origin. */
export const PREVIEW_SANDBOX = 'allow-scripts allow-forms';

export class PreviewPane {
  readonly el: HTMLElement;
  private readonly frame: HTMLIFrameElement;
  private readonly open: HTMLAnchorElement;
  private readonly empty: HTMLElement;
  private url: string | null = null;

  /** `request` asks the runner for a new preview URL (a `preview` message); `show` gets the answer. */
  constructor(port: number, store: DisposableStore, request: () => void) {
    const locale = localeOf(document.documentElement.lang);
    this.frame = h('iframe', { class: 'wb-preview-frame', sandbox: PREVIEW_SANDBOX, title: t(locale, 'preview.frameTitle'), referrerpolicy: 'no-referrer', hidden: true });
    this.open = h('a', { class: 'wb-btn wb-btn-quiet', target: '_blank', rel: 'noopener noreferrer', hidden: true }, t(locale, 'preview.openTab'));
    const again = h('button', { type: 'button', class: 'wb-btn wb-btn-quiet', title: t(locale, 'preview.newTitle') }, t(locale, 'preview.new'));
    store.listen(again, 'click', request);
    this.empty = h('p', { class: 'wb-preview-empty' }, t(locale, 'preview.empty', { port }));
    this.el = h(
      'section',
      { class: 'wb-preview', 'aria-label': t(locale, 'preview.label') },
      h('div', { class: 'wb-preview-bar' }, h('strong', {}, t(locale, 'preview.heading', { port })), again, this.open),
      this.empty,
      this.frame,
    );
  }

  /** Shows the page at a new preview URL (protocol-relative, as the runner sends it). */
  show(url: string): void {
    this.url = new URL(url, location.href).href;
    this.frame.src = this.url;
    this.open.href = this.url;
    this.frame.hidden = this.open.hidden = false;
    this.empty.hidden = true;
  }

  /** Loads the page again (its server just started listening). */
  reload(): void {
    if (this.url) this.frame.src = this.url;
  }
}
