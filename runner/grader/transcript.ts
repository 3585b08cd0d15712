/**
 * The log of a check: who sent what, on which channel, when. A failure
 * shows it so the student sees the exchange, the grader's voice and the
 * program's voice told apart.
 */

export interface TranscriptEntry {
  /** Milliseconds since the check started. */
  at: number;
  /** grader: the grader acted; program: the student's (or reference) program did; note: commentary. */
  who: 'grader' | 'program' | 'note';
  /** e.g. "tcp#1 :12000", "client stdin". */
  channel: string;
  text: string;
}

const MAX_SHOWN = 160;

/** Renders bytes or text for a person: escapes \n, \r, \t and non-printables; cuts long runs. */
export function show(data: string | Uint8Array, max = MAX_SHOWN): string {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  let text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, max * 4));
  text = text
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\uFFFD/g, '\\ufffd')
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  const cut = text.length > max;
  return `"${cut ? text.slice(0, max) : text}"${cut || bytes.length > max * 4 ? ` … (${bytes.length} bytes)` : ''}`;
}

/** Where two byte strings first differ, for "expected X, received Y" messages. */
export function firstDifference(expected: Uint8Array, received: Uint8Array): string | null {
  const n = Math.min(expected.length, received.length);
  for (let i = 0; i < n; i++) {
    if (expected[i] !== received[i]) return `they differ first at byte ${i}: expected 0x${expected[i]!.toString(16).padStart(2, '0')}, received 0x${received[i]!.toString(16).padStart(2, '0')}`;
  }
  if (expected.length !== received.length) return `expected ${expected.length} bytes, received ${received.length}`;
  return null;
}

export class Transcript {
  readonly entries: TranscriptEntry[] = [];
  private readonly t0 = performance.now();

  add(who: TranscriptEntry['who'], channel: string, text: string): void {
    if (this.entries.length >= 400) return; // a flood is summarised by its byte counts elsewhere
    this.entries.push({ at: Math.round(performance.now() - this.t0), who, channel, text });
  }
}
