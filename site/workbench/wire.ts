/**
 * The wire view: the packets of the session's loopback drawn live as a
 * sequence diagram, in the lessons' visual language (site/styles/sequence.css):
 * one lifeline per socket end (addr:port) named by its owner, one arrow per
 * packet with its TCP flags, byte count and advertised window. A zero window
 * and the probes against it stand out (the flow-control lab). The student can
 * pause (packets wait in a bounded buffer), scroll back, and open a packet to
 * read its header fields and first payload bytes.
 *
 * The runner captures only while the panel is open (`wire` on/off). Memory
 * is bounded: at most MAX_ROWS packets are kept, model and DOM alike; what
 * arrives while paused beyond MAX_PENDING is counted, not kept. Packets are
 * drawn once per animation frame, however many batches arrived.
 */
import type { WireEnd, WirePacket } from '../../protocol/messages.ts';
import { h } from './dom.ts';
import { procLabel, say } from './words.ts';
import './wire.css';

/** The most packets kept on screen; older ones leave as new ones come. */
export const MAX_ROWS = 2000;
/** The most packets kept while paused. */
const MAX_PENDING = 2000;
/** Width of one lifeline's column, in px. */
const COL = 160;

interface Row {
  packet: WirePacket;
  el: HTMLElement;
  /** Set for a packet whose receiver had advertised a zero window: a window probe. */
  probe: boolean;
}

/** Flags as the capture lists them, in Wireshark's order: "SYN+ACK", "PSH+ACK", "FIN+ACK". */
export const flagsOf = (p: WirePacket) => (p.flags ?? []).join('+');

export const endKey = (e: WireEnd) => (e.addr.includes(':') ? `[${e.addr}]:${e.port}` : `${e.addr}:${e.port}`);

export class WireView {
  readonly el: HTMLDetailsElement;
  private readonly head: HTMLElement;
  private readonly list: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly droppedEl: HTMLElement;
  private readonly pauseBtn: HTMLButtonElement;
  private readonly detail: HTMLElement;
  /** Lifelines in column order; a server's ends come first. */
  private ends: { key: string; end: WireEnd }[] = [];
  private readonly rows: Row[] = [];
  /** Packets received but not drawn yet (the next frame draws them, or Resume). */
  private queue: WirePacket[] = [];
  private paused = false;
  /** Packets not shown: counted by the runner, or past the pause buffer. */
  private dropped = 0;
  private frame = 0;
  private selected: Row | null = null;
  /** Each end's last advertised window, to recognise probes against a zero window. */
  private readonly windows = new Map<string, number>();

  constructor(
    /** Asks the runner to start or stop capturing; false when there is no session yet. */
    private readonly subscribe: (on: boolean) => boolean,
  ) {
    this.pauseBtn = h('button', { type: 'button', class: 'wb-wire-pause', 'aria-pressed': 'false' }, say('wire.pause'));
    const clear = h('button', { type: 'button', class: 'wb-wire-clear' }, say('wire.clear'));
    this.droppedEl = h('span', { class: 'wb-wire-dropped', role: 'status', hidden: true });
    this.head = h('div', { class: 'wb-wire-ends', 'aria-hidden': 'true' });
    this.list = h('div', { class: 'wb-wire-list', role: 'list', 'aria-label': say('wire.listLabel') });
    this.empty = h('p', { class: 'wb-wire-empty' }, say('wire.empty'));
    this.detail = h('div', { class: 'wb-wire-detail', hidden: true, 'aria-live': 'polite' });
    this.el = h(
      'details',
      { class: 'wb-insp wb-wire' },
      h('summary', {}, say('wire.title'), h('span', { class: 'wb-insp-hint' }, say('wire.hint'))),
      h('p', { class: 'wb-insp-note' }, say('wire.note')),
      h('div', { class: 'wb-wire-bar' }, this.pauseBtn, clear, this.droppedEl),
      h('div', { class: 'wb-wire-scroll' }, this.head, this.list),
      this.empty,
      this.detail,
    );
    this.el.addEventListener('toggle', () => {
      if (!this.subscribe(this.el.open)) this.empty.textContent = say('wire.empty');
    });
    this.pauseBtn.addEventListener('click', () => this.setPaused(!this.paused));
    clear.addEventListener('click', () => this.clear());
    this.list.addEventListener('click', (e) => {
      const el = (e.target as Element).closest<HTMLElement>('.wb-wire-row');
      if (el) this.select(this.rows.find((r) => r.el === el) ?? null, false);
    });
    this.list.addEventListener('keydown', (e) => this.onKey(e));
  }

  /** A session (re)started: the old packets belong to another namespace; capture again if open. */
  sessionStarted(): void {
    this.clear();
    if (this.el.open) this.subscribe(true);
  }

  /** Ends the view: the runner stops capturing (the panel's owner disposes it). */
  dispose(): void {
    cancelAnimationFrame(this.frame);
    if (this.el.open) this.subscribe(false);
  }

  /** A batch from the runner. */
  add(packets: WirePacket[], dropped: number): void {
    this.dropped += dropped;
    for (const p of packets) this.queue.push(p);
    if (this.paused) {
      const over = this.queue.length - MAX_PENDING;
      if (over > 0) (this.queue.splice(0, over), (this.dropped += over));
      this.showCounts();
    } else this.schedule();
  }

  private schedule(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.flush());
  }

  private setPaused(paused: boolean): void {
    this.paused = paused;
    this.pauseBtn.setAttribute('aria-pressed', String(paused));
    this.pauseBtn.textContent = say(paused ? 'wire.resume' : 'wire.pause');
    this.el.dataset.paused = String(paused);
    this.showCounts();
    if (!paused) this.schedule();
  }

  private clear(): void {
    this.queue = [];
    this.rows.length = 0;
    this.ends = [];
    this.windows.clear();
    this.dropped = 0;
    this.selected = null;
    this.list.replaceChildren();
    this.head.replaceChildren();
    this.detail.hidden = true;
    this.empty.hidden = false;
    this.empty.textContent = say('wire.empty');
    this.showCounts();
  }

  /** Draws everything queued, in one DOM update, and keeps the newest in view unless the student scrolled back. */
  private flush(): void {
    this.frame = 0;
    if (this.paused || !this.queue.length) return;
    const scroller = this.list.parentElement!;
    const atEnd = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
    const batch = this.queue.length > MAX_ROWS ? this.queue.slice(-MAX_ROWS) : this.queue;
    this.dropped += this.queue.length - batch.length;
    this.queue = [];
    let moved = false;
    for (const p of batch) moved = [this.place(p.src), this.place(p.dst)].includes(true) || moved;
    const fragment = document.createDocumentFragment();
    for (const p of batch) {
      const row = this.rowOf(p);
      this.rows.push(row);
      fragment.append(row.el);
    }
    this.list.append(fragment);
    const over = this.rows.length - MAX_ROWS;
    if (over > 0) {
      for (const r of this.rows.splice(0, over)) r.el.remove();
      if (this.selected && !this.selected.el.isConnected) this.selected = null;
    }
    // New rows were placed on creation; older ones move only when a lifeline was inserted before theirs.
    if (moved) this.layout();
    this.empty.hidden = this.rows.length > 0;
    if (!this.selected && this.rows[0]) this.rows[0].el.tabIndex = 0;
    this.showCounts();
    if (atEnd) scroller.scrollTop = scroller.scrollHeight;
  }

  /** Adds a lifeline for `end` if it has none (or names it, once its owner is known); true when columns moved. */
  private place(end: WireEnd): boolean {
    const key = endKey(end);
    const known = this.ends.find((e) => e.key === key);
    if (known) {
      if (!known.end.owner && end.owner) (known.end = end), this.drawHead();
      return false;
    }
    // A server's ends first, then the others as they appear: arrows read from the server outwards.
    const at = end.owner === 'server' ? this.ends.filter((e) => e.end.owner === 'server').length : this.ends.length;
    this.ends.splice(at, 0, { key, end });
    this.drawHead();
    return at < this.ends.length - 1;
  }

  private column(end: WireEnd): number {
    return this.ends.findIndex((e) => e.key === endKey(end));
  }

  private drawHead(): void {
    const width = `${this.ends.length * COL}px`;
    this.head.style.width = width;
    this.list.style.width = width;
    this.head.style.setProperty('--wb-wire-col', `${COL}px`);
    this.list.style.setProperty('--wb-wire-col', `${COL}px`);
    this.head.replaceChildren(
      ...this.ends.map(({ key, end }) =>
        h('div', { class: 'wb-wire-end', 'data-owner': end.owner ?? '', 'data-end': key }, h('strong', {}, end.owner ? procLabel(end.owner) : say('wire.unknownOwner')), h('span', { class: 'wb-mono' }, key)),
      ),
    );
  }

  /** Places every row's arrow again (a lifeline was inserted before others). */
  private layout(): void {
    for (const r of this.rows) this.placeArrow(r);
  }

  private placeArrow(row: Row): void {
    const a = this.column(row.packet.src);
    const b = this.column(row.packet.dst);
    const lane = row.el.lastElementChild as HTMLElement;
    lane.style.setProperty('--from', String(Math.min(a, b)));
    lane.style.setProperty('--span', String(Math.abs(a - b)));
    row.el.dataset.dir = a <= b ? 'right' : 'left';
  }

  private rowOf(p: WirePacket): Row {
    const srcKey = endKey(p.src);
    const dstKey = endKey(p.dst);
    // The receiver advertised no room: a small segment towards it is a probe.
    const probe = p.protocol === 'tcp' && this.windows.get(dstKey) === 0 && p.len <= 1 && !p.flags?.includes('SYN') && !p.flags?.includes('FIN') && !p.flags?.includes('RST');
    const wasZero = this.windows.get(srcKey) === 0;
    if (p.win !== undefined) this.windows.set(srcKey, p.win);
    const zero = p.protocol === 'tcp' && p.win === 0 && !p.flags?.includes('RST');
    const update = wasZero && (p.win ?? 0) > 0;
    const label = this.label(p);
    const el = h(
      'div',
      {
        class: 'wb-wire-row',
        role: 'listitem',
        tabindex: '-1',
        'data-n': String(p.n),
        'data-proto': p.protocol,
        'data-flags': flagsOf(p),
        'data-len': String(p.len),
        'data-src': p.src.owner ?? srcKey,
        'data-dst': p.dst.owner ?? dstKey,
        'data-zero': zero ? 'true' : undefined,
        'data-probe': probe ? 'true' : undefined,
        'data-update': update ? 'true' : undefined,
        'aria-label': this.describe(p, probe, update),
      },
      h('span', { class: 'wb-wire-t', 'aria-hidden': 'true' }, `${(p.at / 1000).toFixed(3)}`),
      h(
        'span',
        { class: 'wb-wire-lane', 'aria-hidden': 'true' },
        h('span', { class: 'wb-wire-label' }, ...label, probe ? h('em', {}, ` ${say('wire.probe')}`) : null, update ? h('em', {}, ` ${say('wire.update')}`) : null),
        h('span', { class: 'wb-wire-arrow' }),
      ),
    );
    const row: Row = { packet: p, el, probe };
    this.placeArrow(row);
    return row;
  }

  /** The arrow's words: flags (or UDP), byte count, window. */
  private label(p: WirePacket): (Node | string)[] {
    const out: (Node | string)[] = [];
    out.push(h('b', {}, p.protocol === 'udp' ? 'UDP' : flagsOf(p) || 'TCP'));
    if (p.len > 0 || p.protocol === 'udp') out.push(' ', h('span', { class: 'wb-wire-len' }, say('wire.bytes', { n: p.len })));
    if (p.win !== undefined) out.push(' ', h('span', { class: 'wb-wire-win' }, `win=${p.win}`));
    return out;
  }

  /** The text alternative of one packet (the row's accessible name). */
  private describe(p: WirePacket, probe: boolean, update: boolean): string {
    const from = p.src.owner ? procLabel(p.src.owner) : endKey(p.src);
    const to = p.dst.owner ? procLabel(p.dst.owner) : endKey(p.dst);
    const what = p.protocol === 'udp' ? say('wire.datagram') : flagsOf(p) || 'TCP';
    const parts = [`${from} → ${to}: ${what}`, say('wire.bytes', { n: p.len })];
    if (p.win !== undefined) parts.push(say('wire.window', { n: p.win }));
    if (probe) parts.push(say('wire.probe'));
    if (update) parts.push(say('wire.update'));
    return parts.join(', ');
  }

  private showCounts(): void {
    const waiting = this.paused ? this.queue.length : 0;
    const words = [];
    if (this.dropped > 0) words.push(say('wire.dropped', { n: this.dropped }));
    if (waiting > 0) words.push(say('wire.waiting', { n: waiting }));
    this.droppedEl.hidden = words.length === 0;
    this.droppedEl.textContent = words.join(' · ');
    this.droppedEl.dataset.dropped = String(this.dropped);
  }

  private onKey(e: KeyboardEvent): void {
    const at = this.selected ? this.rows.indexOf(this.selected) : this.rows.findIndex((r) => r.el === document.activeElement);
    const go = (i: number) => {
      const row = this.rows[Math.max(0, Math.min(this.rows.length - 1, i))];
      if (row) (e.preventDefault(), this.select(row, true));
    };
    if (e.key === 'ArrowDown') go(at + 1);
    else if (e.key === 'ArrowUp') go(at - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(this.rows.length - 1);
    else if (e.key === 'Enter' || e.key === ' ') go(Math.max(0, at));
  }

  /** Marks a packet as chosen and shows its fields; one row at a time is in the tab order. */
  private select(row: Row | null, focus: boolean): void {
    if (this.selected) (this.selected.el.tabIndex = -1), this.selected.el.removeAttribute('aria-current');
    this.selected = row;
    if (!row) return void (this.detail.hidden = true);
    const first = this.rows[0];
    if (first && first !== row) first.el.tabIndex = -1;
    row.el.tabIndex = 0;
    row.el.setAttribute('aria-current', 'true');
    if (focus) row.el.focus();
    this.detail.hidden = false;
    this.detail.replaceChildren(...detailOf(row.packet, this.describe(row.packet, row.probe, false)));
  }
}

/** A packet's header fields and its first payload bytes as hex and text. */
function detailOf(p: WirePacket, summary: string): Node[] {
  const field = (name: string, value: string | number | undefined) =>
    value === undefined ? null : h('div', {}, h('dt', {}, name), h('dd', { class: 'wb-mono' }, String(value)));
  const bytes = p.head ? Uint8Array.from(atob(p.head), (c) => c.charCodeAt(0)) : new Uint8Array();
  const fields = h(
    'dl',
    { class: 'wb-wire-fields' },
    field(say('wire.fieldNumber'), p.n),
    field(say('wire.fieldTime'), `${(p.at / 1000).toFixed(3)} s`),
    field(say('wire.fieldProtocol'), p.protocol.toUpperCase()),
    field(say('wire.fieldFrom'), `${p.src.owner ? `${procLabel(p.src.owner)} ` : ''}${endKey(p.src)}`),
    field(say('wire.fieldTo'), `${p.dst.owner ? `${procLabel(p.dst.owner)} ` : ''}${endKey(p.dst)}`),
    p.flags ? field(say('wire.fieldFlags'), p.flags.join(' ') || '-') : null,
    field('seq', p.seq),
    field('ack', p.ack),
    field(say('wire.fieldWindow'), p.win),
    field(say('wire.fieldLength'), say('wire.bytes', { n: p.len })),
  );
  const out: Node[] = [h('p', { class: 'wb-wire-summary' }, summary), fields];
  if (p.len > 0) {
    out.push(h('p', { class: 'wb-wire-payload-title' }, bytes.length < p.len ? say('wire.payloadFirst', { shown: bytes.length, n: p.len }) : say('wire.payload')));
    out.push(h('pre', { class: 'wb-wire-hex wb-mono' }, hexDump(bytes)));
    const text = utf8Text(bytes, bytes.length < p.len);
    if (text !== null) out.push(h('p', { class: 'wb-wire-payload-title' }, say('wire.payloadText')), h('pre', { class: 'wb-wire-text' }, text));
  }
  return out;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The bytes as text when they are UTF-8 beyond ASCII (Hangul, accents), which
 * the hex dump's text column shows only as dots; null for ASCII (the dump
 * shows it) and for bytes that are not UTF-8. `cut`: the bytes are the
 * first of a longer payload, so a character cut at the end is left out.
 */
export function utf8Text(bytes: Uint8Array, cut = false): string | null {
  if (bytes.every((b) => b < 0x80)) return null;
  let end = bytes.length;
  // A cut payload may end inside a character: leave out its lead byte and the continuation bytes after it.
  if (cut) {
    let lead = end - 1;
    while (lead > 0 && end - lead < 4 && (bytes[lead]! & 0xc0) === 0x80) lead--;
    const b = bytes[lead] ?? 0;
    const size = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    if (end - lead < size) end = lead;
  }
  try {
    return strictUtf8.decode(bytes.subarray(0, end));
  } catch {
    return null;
  }
}

/** 16 bytes a line: offset, hex, and the printable ASCII (others as '.'). */
export function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const chunk = [...bytes.subarray(i, i + 16)];
    const hex = chunk.map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const text = chunk.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${i.toString(16).padStart(4, '0')}  ${hex.padEnd(47)}  ${text}`);
  }
  return lines.join('\n');
}
