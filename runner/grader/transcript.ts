/**
 * The log of a check: who sent what, on which channel, when. A failure
 * shows it so the student sees the exchange, the grader's voice and the
 * program's voice told apart.
 */
import type { z } from 'zod';
import type { TranscriptEntry as TranscriptEntrySchema } from '../../protocol/messages.ts';
import type { GraderSay } from './messages.ts';

/** One line of the log; its shape is the protocol's (the page shows it as is). */
export type TranscriptEntry = z.infer<typeof TranscriptEntrySchema>;

const MAX_SHOWN = 160;

/** Bytes of its data that `show` reads at most (the rest only counts): keep this much to show a long run later. */
export const SHOWN_BYTES = MAX_SHOWN * 4;

/**
 * Renders bytes or text for a person: escapes \n, \r, \t and non-printables;
 * cuts long runs, naming their length in `say`'s language (English without one).
 * `total`: the length of the whole when `data` is only its start (SHOWN_BYTES of it at least).
 */
export function show(data: string | Uint8Array, say?: GraderSay, max = MAX_SHOWN, total?: number): string {
  // Only the start is shown: a long string (a flood's chunk) is not encoded whole.
  const head = typeof data === 'string' ? Buffer.from(data.length > max * 4 ? data.slice(0, max * 4) : data, 'utf8') : data;
  const length = total ?? (typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length);
  let text = new TextDecoder('utf-8', { fatal: false }).decode(head.subarray(0, max * 4));
  text = text
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\uFFFD/g, '\\ufffd')
    .replace(UNSAFE, escapeChar);
  const cut = text.length > max;
  return `"${cut ? text.slice(0, max) : text}"${cut || length > max * 4 ? ` … (${say ? say('show.bytes', { n: length }) : `${length} bytes`})` : ''}`;
}

/**
 * Characters that change what a terminal or a page shows instead of being
 * shown: C0 and C1 controls (ESC, CSI, OSC...), DEL, line and paragraph
 * separators, and bidirectional overrides.
 */
// eslint-disable-next-line no-control-regex
export const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Colour and style sequences (SGR: ESC [ ... m). A program run on a terminal
 * prints them (Node colours its errors there); in a report, text instead of
 * a terminal, they are only noise ("\\x1b[90m    at ...").
 */
// eslint-disable-next-line no-control-regex
export const COLOURS = /\x1b\[[0-9;]*m/g;

/** "\\x1b", "\\u202e": a character of UNSAFE, written so that it shows instead of acting. */
export function escapeChar(c: string): string {
  const n = c.charCodeAt(0);
  return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/** One byte in words: "H", a space, a newline ("\\n"), byte 0xc3. */
function byteInWords(say: GraderSay, b: number | undefined): string {
  if (b === undefined) return say('byte.nothing');
  if (b === 0x20) return say('byte.space');
  if (b === 0x0a) return say('byte.newline');
  if (b === 0x0d) return say('byte.return');
  if (b === 0x09) return say('byte.tab');
  if (b > 0x20 && b < 0x7f) return JSON.stringify(String.fromCharCode(b));
  const hex = b.toString(16).padStart(2, '0');
  return b >= 0x80 ? say('byte.nonAscii', { hex }) : say('byte.hex', { hex });
}

/** Where two byte strings first differ, in words: 'at byte 0: "H" expected, "h" received'. */
export function firstDifference(say: GraderSay, expected: Uint8Array, received: Uint8Array): string | null {
  const n = Math.min(expected.length, received.length);
  for (let i = 0; i < n; i++) {
    if (expected[i] !== received[i]) return say('diff.at', { i, expected: byteInWords(say, expected[i]), received: byteInWords(say, received[i]) });
  }
  if (expected.length > received.length) return say('diff.short', { n: received.length, missing: expected.length - received.length, next: byteInWords(say, expected[n]) });
  if (received.length > expected.length) return say('diff.long', { extra: received.length - expected.length, first: byteInWords(say, received[n]) });
  return null;
}

/** Exchanges a transcript keeps; a flood's later exchanges are summarised by its byte counts elsewhere. */
const MAX_ENTRIES = 400;
/**
 * Entries kept past a flood's MAX_ENTRIES: how the story ends (the line a
 * check found mixed, a reset, an exit) comes after the flood, and is what
 * a failure tells the student to look for.
 */
const ENDING_ENTRIES = 50;

export class Transcript {
  readonly entries: TranscriptEntry[] = [];
  private readonly t0 = performance.now();

  /** Milliseconds since the check started. */
  now(): number {
    return Math.round(performance.now() - this.t0);
  }

  /**
   * Whether it holds all the exchanges it keeps: a caller in a flood (bytes
   * sent, datagrams) adds nothing more once it is, and need not word its
   * entry. Other entries still have ENDING_ENTRIES of room.
   */
  get full(): boolean {
    return this.entries.length >= MAX_ENTRIES;
  }

  add(who: TranscriptEntry['who'], channel: string, text: string): void {
    if (this.entries.length >= MAX_ENTRIES + ENDING_ENTRIES) return;
    this.entries.push({ at: this.now(), who, channel, text });
  }
}
