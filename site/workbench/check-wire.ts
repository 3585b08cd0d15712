/**
 * A check's packets in its result, when the Check was asked for them (the
 * toolbar's "Packets in Check" switch): a compact list, oldest first, in the
 * wire view's words (wire.ts): who sent to whom, the TCP flags, the data
 * bytes with their first characters, the window. A reset stands out, as it
 * is often the story of the failure.
 */
import type { CheckWire, WirePacket } from '../../protocol/messages.ts';
import { h } from './dom.ts';
import { endKey, flagsOf } from './wire.ts';
import { say } from './words.ts';

/** Characters of a packet's data shown on its line (the rest is in the byte count). */
const HEAD_CHARS = 24;
const utf8 = new TextDecoder('utf-8');

/** The list of a check's packets, with how many were left out. */
export function packetList(wire: CheckWire): HTMLElement {
  const list = h('ol', { class: 'wb-cw-list' }, ...wire.packets.map(row));
  return h(
    'div',
    { class: 'wb-check-wire' },
    h('p', { class: 'wb-output-name' }, say('checks.packets', { n: wire.packets.length + wire.dropped })),
    h('p', { class: 'wb-cw-note' }, say('checks.packetsNote')),
    h('div', { class: 'wb-transcript-wrap' }, list),
    wire.dropped > 0 && h('p', { class: 'wb-cw-dropped' }, say('wire.dropped', { n: wire.dropped })),
  );
}

/** One packet; its time is on the check's clock, as the transcript's "ms" column is. */
function row(p: WirePacket): HTMLLIElement {
  const from = p.src.owner ?? endKey(p.src);
  const to = p.dst.owner ?? endKey(p.dst);
  const reset = p.flags?.includes('RST') === true;
  const head = p.head ? utf8.decode(Uint8Array.from(atob(p.head), (c) => c.charCodeAt(0))).slice(0, HEAD_CHARS) : '';
  return h(
    'li',
    { class: 'wb-cw-row', 'data-rst': reset, 'data-protocol': p.protocol },
    h('span', { class: 'wb-cw-at' }, `${p.at.toFixed(1)} ms`),
    ' ',
    h('span', { class: 'wb-cw-ends' }, `${from} → ${to}`),
    ' ',
    h('b', { class: 'wb-cw-what' }, p.protocol === 'udp' ? say('wire.datagram') : flagsOf(p) || 'TCP'),
    ' ',
    h('span', { class: 'wb-cw-len' }, say('wire.bytes', { n: p.len })),
    p.win !== undefined && ` win=${p.win}`,
    head && ' ',
    head && h('code', { class: 'wb-cw-head' }, JSON.stringify(head)),
  );
}
