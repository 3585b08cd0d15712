/**
 * What the workbench tells the student about itself: the connection line
 * (with the sandbox in use and any warning), the box that says how to start
 * a runner or that the page must be reloaded, and the dismissible messages
 * from the runner.
 */
import { h } from './dom.ts';
import { DisposableStore, type Disposable } from './disposable.ts';
import type { LinkState } from './link.ts';
import { say, sayWith } from './words.ts';

export type MessageKind = 'info' | 'warning' | 'error' | 'success';

/** At most this many messages show; older ones go. */
const MAX_MESSAGES = 4;

export class StatusBar implements Disposable {
  /** The connection line and the sandbox warning. */
  readonly bar: HTMLElement;
  /** Shown when no runner answers, or when the page must be reloaded. */
  readonly box: HTMLElement;
  readonly messages: HTMLElement;
  private readonly text: HTMLElement;
  private readonly warningEl: HTMLElement;
  private readonly boxTitle = h('strong', {}, say('status.noRunner'));
  private readonly boxText = h('span', {});
  private readonly retryIn = h('span', { class: 'wb-retry-in' });
  private readonly store = new DisposableStore();
  private countdown: Disposable | null = null;

  constructor(retryNow: () => void) {
    this.text = h('span', { class: 'wb-status-text' }, say('status.connecting'));
    this.warningEl = h('p', { class: 'wb-warning', role: 'note' });
    this.warningEl.hidden = true;
    const status = h('div', { class: 'wb-status', role: 'status' }, h('span', { class: 'wb-dot', 'aria-hidden': 'true' }), this.text);
    this.bar = h('div', { class: 'wb-statusbar' }, status, this.warningEl);

    const retry = h('button', { type: 'button', class: 'wb-btn wb-btn-small' }, say('status.retryNow'));
    this.store.listen(retry, 'click', retryNow);
    this.box = h(
      'div',
      { class: 'wb-offline' },
      h('p', {}, this.boxTitle, this.boxText),
      h('p', {}, this.retryIn, ' ', retry),
    );
    this.box.hidden = true;
    this.messages = h('ul', { class: 'wb-messages', 'aria-live': 'polite', 'aria-label': say('status.messages') });
  }

  /** Shows the connection's state; `seenRunner` tells a first connection from a lost one. */
  link(state: LinkState, info: { seenRunner: boolean; backend?: 'bwrap' | 'host'; retryInMs?: number }): void {
    this.store.drop(this.countdown);
    this.countdown = null;
    switch (state) {
      case 'connected': {
        const { backend } = info;
        this.text.textContent = backend ? say('status.connectedSandbox', { sandbox: backend === 'bwrap' ? 'bubblewrap' : say('status.sandboxNone') }) : say('status.connected');
        this.box.hidden = true;
        return;
      }
      case 'connecting':
        this.text.textContent = say(info.seenRunner ? 'status.reconnecting' : 'status.connecting');
        return;
      case 'offline':
        this.text.textContent = say(info.seenRunner ? 'status.disconnected' : 'status.notConnected');
        this.boxTitle.textContent = say(info.seenRunner ? 'status.runnerStopped' : 'status.noRunner');
        // A runner that was here and went (killed, restarted): the page
        // reconnects by itself, so the student only needs to know nothing is lost.
        this.boxText.replaceChildren(...sayWith(info.seenRunner ? 'status.runnerGoneKept' : 'status.startRunner', { command: h('code', {}, 'npm start') }));
        return this.showRetry(info.retryInMs ?? 0);
      case 'full':
        // Not a fault to fix: a place frees up when another student leaves.
        this.text.textContent = say('status.full');
        this.boxTitle.textContent = say('status.fullTitle');
        this.boxText.replaceChildren(say('status.fullWhy'));
        return this.showRetry(info.retryInMs ?? 0);
      case 'outdated': {
        this.text.textContent = say('status.outdated');
        const reload = h('button', { type: 'button', class: 'wb-btn wb-btn-small' }, say('status.reload'));
        this.store.listen(reload, 'click', () => location.reload());
        this.box.replaceChildren(
          h('p', {}, h('strong', {}, `${say('status.outdated')} `), say('status.outdatedWhy')),
          h('p', {}, reload),
        );
        this.box.hidden = false;
        return;
      }
    }
  }

  /** Shows the box with a countdown to the link's next try. */
  private showRetry(inMs: number): void {
    this.box.hidden = false;
    const until = Date.now() + inMs;
    const tick = () => {
      this.retryIn.textContent = say('status.retryIn', { seconds: Math.max(0, Math.ceil((until - Date.now()) / 1000)) });
    };
    tick();
    this.countdown = this.store.interval(tick, 1000);
  }

  /** The runner's note about a weaker sandbox, or none. */
  warning(text: string | undefined): void {
    this.warningEl.hidden = !text;
    this.warningEl.textContent = text ? `⚠ ${text}` : '';
  }

  /** Draws the eye to the box (a Run pressed while it says what to do first). */
  flash(): void {
    this.box.classList.remove('wb-flash');
    void this.box.offsetWidth; // restarts the animation
    this.box.classList.add('wb-flash');
  }

  /** Shows a message; an `action` is a button in it that does something and dismisses it. */
  message(kind: MessageKind, text: string, action?: { label: string; run(): void }): void {
    const close = h('button', { type: 'button', class: 'wb-msg-close', 'aria-label': say('status.dismiss') }, '×');
    const act = action ? h('button', { type: 'button', class: 'wb-btn wb-btn-small' }, action.label) : null;
    const li = h('li', { class: `wb-msg wb-msg-${kind}` }, h('span', { class: 'wb-msg-text' }, text), act, close);
    close.addEventListener('click', () => li.remove());
    act?.addEventListener('click', () => {
      li.remove();
      action!.run();
    });
    // The same words again (another tab saving as its student types) replace the old message.
    for (const old of this.messages.children) if (old.firstElementChild?.textContent === text) old.remove();
    this.messages.prepend(li);
    while (this.messages.children.length > MAX_MESSAGES) this.messages.lastElementChild?.remove();
  }

  clearMessages(): void {
    this.messages.replaceChildren();
  }

  dispose(): void {
    this.store.dispose();
  }
}
