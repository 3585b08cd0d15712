/**
 * The socket inspector: a live table of the session's sockets (state, both
 * ends, and the send and receive queues that TCP flow control fills), so a
 * student can watch a receive buffer fill up when a program stops reading.
 * The runner samples only while the panel is open.
 */
import type { SocketView } from '../../protocol/messages.ts';
import { h } from './dom.ts';

/** Queue bars are drawn on a log scale up to this many bytes. */
const BAR_MAX_BYTES = 8 * 1024 * 1024;

const size = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KiB` : `${(n / 1048576).toFixed(1)} MiB`);

export class Inspector {
  readonly el: HTMLDetailsElement;
  private readonly body: HTMLTableSectionElement;
  private readonly empty: HTMLElement;

  constructor(
    /** The pane name of a session process id ("server", "client 1"). */
    private readonly procName: (id: number) => string | undefined,
    /** Asks the runner to start or stop sampling; false when there is no session yet. */
    private readonly subscribe: (on: boolean) => boolean,
  ) {
    this.body = h('tbody');
    this.empty = h('p', { class: 'wb-sockets-empty' }, 'No sockets yet: press Run.');
    const head = h(
      'tr',
      {},
      ...['program', 'proto', 'state', 'local', 'remote', 'send queue', 'receive queue'].map((t) => h('th', { scope: 'col' }, t)),
    );
    this.el = h(
      'details',
      { class: 'wb-sockets' },
      h('summary', {}, 'Sockets ', h('span', { class: 'wb-sockets-hint' }, '(live: state and queued bytes of every socket in your sandbox)')),
      // Its own sideways scroll: seven columns never widen the page.
      h('div', { class: 'wb-sockets-scroll' }, h('table', { class: 'wb-sockets-table' }, h('thead', {}, head), this.body)),
      this.empty,
    );
    this.el.addEventListener('toggle', () => {
      if (!this.subscribe(this.el.open)) this.empty.textContent = 'No sockets yet: press Run.';
    });
  }

  /** A session (re)started: resume sampling if the panel is open. */
  sessionStarted(): void {
    if (this.el.open) this.subscribe(true);
  }

  update(sockets: SocketView[]): void {
    this.empty.hidden = sockets.length > 0;
    if (!sockets.length) this.empty.textContent = 'No sockets open right now.';
    const order = (s: SocketView) => `${s.proc ?? 999}`.padStart(3, '0') + s.protocol + s.local;
    this.body.replaceChildren(
      ...[...sockets].sort((a, b) => order(a).localeCompare(order(b))).map((s) =>
        h(
          'tr',
          { 'data-state': s.state },
          h('td', {}, s.proc !== undefined ? this.procName(s.proc) ?? `#${s.proc}` : '—'),
          h('td', {}, s.protocol),
          h('td', {}, s.state),
          h('td', { class: 'wb-mono' }, s.local),
          h('td', { class: 'wb-mono' }, s.remote),
          queueCell(s.sendQueue, s.state === 'LISTEN' ? '' : 'bytes sent but not yet acknowledged'),
          queueCell(s.recvQueue, s.state === 'LISTEN' ? 'connections waiting for accept()' : 'bytes received but not yet read'),
        ),
      ),
    );
  }
}

function queueCell(bytes: number, title: string): HTMLElement {
  const share = bytes <= 0 ? 0 : Math.min(1, Math.log2(1 + bytes) / Math.log2(1 + BAR_MAX_BYTES));
  const bar = h('span', { class: 'wb-queue-bar', 'aria-hidden': 'true' });
  bar.style.width = `${Math.round(share * 100)}%`;
  return h('td', { class: 'wb-queue', title, 'data-full': bytes > 0 ? 'yes' : undefined }, h('span', { class: 'wb-queue-track' }, bar), h('span', { class: 'wb-queue-num' }, size(bytes)));
}
