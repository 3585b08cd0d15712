/**
 * The socket inspector: every socket of the session's namespace, the two
 * ends of one TCP connection side by side, each end's send and receive
 * queues drawn as bars against the socket buffer's size with a few seconds
 * of history, so a student sees a receive buffer fill and a window close
 * when a program stops reading. The runner samples only while the panel is
 * open (several times a second); the page keeps the history.
 */
import type { SocketView } from '../../protocol/messages.ts';
import { localeOf, t, type MessageKey } from '../../protocol/i18n/catalog.ts';
import { h } from './dom.ts';
import './inspector.css';

/** How often the history takes a sample of the latest view, and how many it keeps (5 s). */
const TICK_MS = 200;
const HISTORY = 25;
/** The scale when the runner does not say the buffer size. */
const DEFAULT_BUF_BYTES = 256 * 1024;

const size = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KiB` : `${(n / 1048576).toFixed(1)} MiB`);
const SVG = 'http://www.w3.org/2000/svg';

/** One end's queues over the last seconds. */
interface History {
  send: number[];
  recv: number[];
}

/** A connection's ends (one for a listening or UDP socket), in a stable order. */
type Group = SocketView[];

export class Inspector {
  readonly el: HTMLDetailsElement;
  private readonly list: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly tr = (key: MessageKey) => t(localeOf(document.documentElement.lang), key as never);
  private latest: SocketView[] = [];
  private readonly history = new Map<string, History>();
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(
    /** The pane name of a session process id ("server", "client 1"). */
    private readonly procName: (id: number) => string | undefined,
    /** Asks the runner to start or stop sampling; false when there is no session yet. */
    private readonly subscribe: (on: boolean) => boolean,
  ) {
    this.list = h('div', { class: 'wb-insp-list', role: 'list' });
    this.empty = h('p', { class: 'wb-insp-empty' }, this.tr('inspector.empty'));
    this.el = h(
      'details',
      { class: 'wb-insp wb-sockets' },
      h('summary', {}, this.tr('inspector.title'), h('span', { class: 'wb-insp-hint' }, this.tr('inspector.hint'))),
      h('p', { class: 'wb-insp-note' }, this.tr('inspector.note')),
      this.list,
      this.empty,
    );
    this.el.addEventListener('toggle', () => {
      const on = this.el.open;
      if (!this.subscribe(on)) this.empty.textContent = this.tr('inspector.empty');
      clearInterval(this.ticker);
      this.ticker = on ? setInterval(() => this.tick(), TICK_MS) : undefined;
    });
  }

  /** A session (re)started: resume sampling if the panel is open. */
  sessionStarted(): void {
    this.history.clear();
    if (this.el.open) this.subscribe(true);
  }

  /** The runner's latest view (sent only when it changed). */
  update(sockets: SocketView[]): void {
    this.latest = sockets;
    this.tick();
  }

  /** Adds the latest view to the history and draws it. */
  private tick(): void {
    const seen = new Set<string>();
    for (const s of this.latest) {
      const key = keyOf(s);
      seen.add(key);
      const hist = this.history.get(key) ?? { send: [], recv: [] };
      hist.send.push(s.sendQueue);
      hist.recv.push(s.recvQueue);
      if (hist.send.length > HISTORY) (hist.send.shift(), hist.recv.shift());
      this.history.set(key, hist);
    }
    for (const key of this.history.keys()) if (!seen.has(key)) this.history.delete(key);
    this.draw();
  }

  private draw(): void {
    this.empty.hidden = this.latest.length > 0;
    if (!this.latest.length) this.empty.textContent = this.tr('inspector.none');
    this.list.replaceChildren(...groups(this.latest).map((g) => this.groupEl(g)));
  }

  private owner(s: SocketView): string {
    return s.proc !== undefined ? this.procName(s.proc) ?? `#${s.proc}` : this.tr('inspector.outside');
  }

  private groupEl(ends: Group): HTMLElement {
    const first = ends[0]!;
    const kind = first.protocol === 'udp' ? 'udp' : first.state === 'LISTEN' ? 'listen' : 'conn';
    return h(
      'div',
      { class: 'wb-insp-group', role: 'listitem', 'data-kind': kind },
      h('div', { class: 'wb-insp-kind' }, `${first.protocol.toUpperCase()} · ${this.tr(kind === 'conn' ? 'inspector.connection' : kind === 'listen' ? 'inspector.listening' : 'inspector.datagram')}`),
      h('div', { class: 'wb-insp-ends' }, ...ends.map((s) => this.endEl(s))),
    );
  }

  private endEl(s: SocketView): HTMLElement {
    const hist = this.history.get(keyOf(s)) ?? { send: [s.sendQueue], recv: [s.recvQueue] };
    const buf = s.bufBytes ?? DEFAULT_BUF_BYTES;
    const listen = s.state === 'LISTEN';
    return h(
      'div',
      {
        class: 'wb-insp-end',
        'data-owner': this.owner(s),
        'data-state': s.state,
        'data-local': s.local,
        'data-remote': s.remote,
        'data-send': String(s.sendQueue),
        'data-recv': String(s.recvQueue),
        'data-peak-send': String(Math.max(...hist.send)),
        'data-peak-recv': String(Math.max(...hist.recv)),
      },
      h('div', { class: 'wb-insp-head' }, h('strong', {}, this.owner(s)), ' ', h('span', { class: 'wb-insp-state' }, s.state)),
      h('div', { class: 'wb-insp-addr wb-mono' }, `${s.local} → ${s.remote}`),
      listen
        ? queueRow(this.tr('inspector.acceptQueueShort'), this.tr('inspector.acceptQueue'), s.recvQueue, hist.recv, 0)
        : queueRow(this.tr('inspector.colSendQueue'), this.tr('inspector.unacked'), s.sendQueue, hist.send, buf),
      listen ? null : queueRow(this.tr('inspector.colRecvQueue'), this.tr('inspector.unread'), s.recvQueue, hist.recv, buf),
      s.protocol === 'udp' ? h('div', { class: 'wb-insp-drops', 'data-drops': String(s.drops ?? 0) }, `${this.tr('inspector.drops')}: ${s.drops ?? 0}`) : null,
    );
  }
}

/** A socket's identity across samples. */
const keyOf = (s: SocketView) => `${s.protocol} ${s.local} ${s.remote}`;

/**
 * Pairs the two ends of each connection inside the namespace (one's local
 * address is the other's remote); listening sockets first, then connections,
 * then the rest, each group's server-side end first.
 */
function groups(sockets: SocketView[]): Group[] {
  const byEnds = new Map(sockets.map((s) => [keyOf(s), s]));
  const done = new Set<SocketView>();
  const out: Group[] = [];
  const rank = (g: Group) => (g[0]!.state === 'LISTEN' ? 0 : g[0]!.protocol === 'tcp' ? 1 : 2);
  for (const s of sockets) {
    if (done.has(s)) continue;
    done.add(s);
    const peer = s.protocol === 'tcp' && s.remote !== '*' ? byEnds.get(`${s.protocol} ${s.remote} ${s.local}`) : undefined;
    if (peer && !done.has(peer)) {
      done.add(peer);
      // The end whose local port is the lower one is the server's (clients get ephemeral ports).
      out.push(port(s.local) <= port(peer.local) ? [s, peer] : [peer, s]);
    } else out.push([s]);
  }
  return out.sort((a, b) => rank(a) - rank(b) || port(a[0]!.local) - port(b[0]!.local) || port(a.at(-1)!.local) - port(b.at(-1)!.local));
}

const port = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1)) || 0;

/** A queue's label, bar against `buf` (0: no bar), number and sparkline. */
function queueRow(label: string, title: string, bytes: number, hist: number[], buf: number): HTMLElement {
  const share = buf > 0 ? Math.min(1, bytes / buf) : 0;
  const bar = h('span', { class: 'wb-insp-bar', 'aria-hidden': 'true' });
  bar.style.width = `${Math.round(share * 100)}%`;
  return h(
    'div',
    { class: 'wb-insp-queue', title: buf > 0 ? `${title} (${size(bytes)} of ${size(buf)})` : title, 'data-level': share >= 0.5 ? 'high' : bytes > 0 ? 'some' : undefined },
    h('span', { class: 'wb-insp-label' }, label),
    buf > 0 ? h('span', { class: 'wb-insp-track' }, bar) : null,
    h('span', { class: 'wb-insp-num' }, buf > 0 ? size(bytes) : String(bytes)),
    sparkline(hist, buf > 0 ? buf : Math.max(1, ...hist)),
  );
}

/** The last seconds of a queue as a small line, 0 at the bottom and `max` at the top. */
function sparkline(values: number[], max: number): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'wb-insp-spark');
  svg.setAttribute('viewBox', `0 0 ${HISTORY - 1} 10`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('aria-hidden', 'true');
  const line = document.createElementNS(SVG, 'polyline');
  const offset = HISTORY - values.length;
  line.setAttribute('points', values.map((v, i) => `${offset + i},${(10 - 10 * Math.min(1, v / max)).toFixed(2)}`).join(' '));
  svg.append(line);
  return svg;
}
