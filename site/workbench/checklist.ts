/**
 * The Check results: one row per check, ✓ passed, ✗ failed, – skipped or
 * not run yet, in the order the grader runs them. A failed check opens to
 * its story, as `socklab grade` prints it: message, expected, received,
 * hint, the transcript (grader and program voices told apart) and what the
 * programs printed. The program's voice is told apart from the grader's but
 * never drawn as right: in a failed check, the program's reply that is the
 * `received` value is marked wrong, beside the expected one.
 *
 * The check names, messages and hints arrive in the session's language (the
 * grader's catalog); the words around them come from the page's.
 */
import type { CheckResult } from '../../protocol/messages.ts';
import type { LastCheck } from './progress.ts';
import { packetList } from './check-wire.ts';
import { h } from './dom.ts';
import { locale, say } from './words.ts';

type Planned = { id: string; name: string; role: string };

const MARK = { passed: '✓', failed: '✗', skipped: '–', pending: '…', running: '…' } as const;
const WORD = { passed: 'checks.passed', failed: 'checks.failed', skipped: 'checks.skipped', pending: 'checks.pending', running: 'checks.running' } as const;

export class Checklist {
  readonly el: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly summary: HTMLElement;
  private rows = new Map<string, HTMLLIElement>();
  private firstFailureOpened = false;

  constructor() {
    this.summary = h('p', { class: 'wb-check-summary', role: 'status' });
    this.list = h('ol', { class: 'wb-checks' });
    this.el = h('section', { class: 'wb-checklist', 'aria-label': say('checks.label') }, this.summary, this.list);
    this.el.hidden = true;
  }

  /** The verdicts of a Check from an earlier visit (no details kept). */
  showLast(last: LastCheck, langLabel: string): void {
    this.reset();
    for (const r of last.results) this.setRow(r, r.status);
    this.summary.textContent = say('checks.last', { language: langLabel, when: new Date(last.at).toLocaleString(locale), verdict: verdict(last) });
  }

  /** The code changed after these verdicts: say so, once. */
  markStale(): void {
    if (this.el.hidden || this.el.dataset.stale === 'true' || this.el.dataset.running === 'true') return;
    this.el.dataset.stale = 'true';
    this.summary.append(h('span', { class: 'wb-check-stale' }, say('checks.stale')));
  }

  clear(): void {
    this.reset();
    this.el.hidden = true;
  }

  private reset(): void {
    this.el.hidden = false;
    this.el.dataset.stale = 'false';
    delete this.el.dataset.verdict;
    this.list.replaceChildren();
    this.rows.clear();
    this.firstFailureOpened = false;
  }

  starting(): void {
    this.reset();
    this.el.dataset.running = 'true';
    this.summary.textContent = say('checks.starting');
  }

  plan(checks: Planned[]): void {
    this.reset();
    for (const c of checks) this.setRow(c, 'pending');
    this.summary.textContent = say('checks.progress', { done: 0, total: checks.length });
  }

  result(r: CheckResult): void {
    const row = this.setRow(r, r.status);
    if (r.status === 'failed') {
      const details = this.details(r);
      if (!this.firstFailureOpened) {
        details.open = true;
        this.firstFailureOpened = true;
      }
      row.append(details);
    } else if (r.status === 'skipped' && r.message) {
      row.append(h('p', { class: 'wb-check-note' }, r.message));
    }
    const done = [...this.rows.values()].filter((li) => li.dataset.status !== 'pending').length;
    this.summary.textContent = say('checks.progress', { done, total: this.rows.size });
  }

  done(report: { passed: number; failed: number; skipped: number; durationMs: number }): void {
    this.el.dataset.running = 'false';
    this.summary.textContent = say('checks.finished', { verdict: verdict(report), seconds: (report.durationMs / 1000).toFixed(1) });
    this.el.dataset.verdict = report.failed === 0 && report.skipped === 0 ? 'pass' : 'fail';
  }

  /** The student stopped the Check: what ran keeps its verdict, the rest stays "not run yet", and the whole has none. */
  stopped(): void {
    this.el.hidden = false;
    this.el.dataset.running = 'false';
    this.el.dataset.verdict = 'stopped';
    this.summary.textContent = say('checks.stopped');
  }

  failed(message: string): void {
    this.el.hidden = false;
    this.el.dataset.running = 'false';
    this.summary.textContent = say('checks.couldNotRun', { message });
  }

  /** Results as they stand, to remember. */
  snapshot(): LastCheck['results'] {
    return [...this.rows.values()].map((li) => ({
      id: li.dataset.id!,
      name: li.dataset.name!,
      role: li.dataset.role!,
      status: (li.dataset.status === 'pending' ? 'skipped' : li.dataset.status) as 'passed' | 'failed' | 'skipped',
    }));
  }

  private setRow(c: Planned, status: keyof typeof MARK): HTMLLIElement {
    let li = this.rows.get(c.id);
    if (!li) {
      li = h('li', { class: 'wb-check' });
      this.rows.set(c.id, li);
      this.list.append(li);
    }
    li.dataset.id = c.id;
    li.dataset.name = c.name;
    li.dataset.role = c.role;
    li.dataset.status = status;
    li.replaceChildren(
      h('span', { class: 'wb-check-line' },
        // The spaces read (and copy) as words; a flex line does not render them.
        h('span', { class: 'wb-check-mark', 'aria-hidden': 'true' }, MARK[status]),
        ' ',
        h('span', { class: 'sr-only' }, `${say(WORD[status])}:`),
        ' ',
        // The two roles every lab has are words of the page's language; a lab's own role keeps its name.
        h('span', { class: 'wb-check-role' }, `${c.role === 'server' ? say('checks.roleServer') : c.role === 'client' ? say('checks.roleClient') : c.role}:`),
        ' ',
        h('span', { class: 'wb-check-name' }, c.name),
      ),
    );
    return li;
  }

  private details(r: CheckResult): HTMLDetailsElement {
    const body = h('div', { class: 'wb-check-body' });
    if (r.message) body.append(h('p', { class: 'wb-check-message' }, ...withCode(r.message)));
    if (r.expected !== undefined || r.received !== undefined) {
      const dl = h('dl', { class: 'wb-check-diff' });
      if (r.expected !== undefined) dl.append(h('dt', {}, say('checks.expected')), h('dd', { class: 'wb-expected' }, h('code', {}, r.expected)));
      if (r.received !== undefined) dl.append(h('dt', {}, say('checks.received')), h('dd', { class: 'wb-received' }, h('code', {}, r.received)));
      body.append(dl);
    }
    if (r.hint) body.append(h('p', { class: 'wb-check-hint' }, h('strong', {}, say('checks.hint')), ...withCode(r.hint)));
    if (r.transcript.length) {
      const table = h('table', { class: 'wb-transcript' },
        h('caption', {}, say('checks.whatHappened')),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, say('checks.colMs')), h('th', { scope: 'col' }, say('checks.colWho')), h('th', { scope: 'col' }, say('checks.colWhere')), h('th', { scope: 'col' }, say('checks.colWhat')))),
      );
      const tbody = h('tbody');
      for (const e of r.transcript) {
        tbody.append(
          h('tr', { 'data-who': e.who, 'data-wrong': e.who === 'program' && isReceived(e.text, r.received) },
            h('td', { class: 'wb-t-at' }, String(e.at)),
            h('td', { class: 'wb-t-who' }, e.who === 'note' ? '' : say(e.who === 'grader' ? 'checks.whoGrader' : 'checks.whoProgram')),
            h('td', { class: 'wb-t-channel' }, e.channel),
            h('td', { class: 'wb-t-text' }, e.text),
          ),
        );
      }
      table.append(tbody);
      body.append(h('div', { class: 'wb-transcript-wrap' }, table));
    }
    if (r.wire) body.append(packetList(r.wire));
    for (const o of r.outputs) {
      if (!o.text.trim()) continue;
      body.append(h('p', { class: 'wb-output-name' }, say('checks.printed', { name: o.name })), h('pre', { class: 'wb-output' }, o.text.trimEnd()));
    }
    return h('details', { class: 'wb-check-details' }, h('summary', {}, say('checks.whyFailed')), body);
  }
}

function verdict(r: { passed: number; failed: number; skipped: number }): string {
  const total = r.passed + r.failed + r.skipped;
  if (r.failed === 0 && r.skipped === 0) return say('checks.allPassed', { total });
  return r.skipped ? say('checks.countsSkipped', r) : say('checks.counts', r);
}

/**
 * Whether a program's line of the transcript holds the failed check's
 * `received` value: the transcript quotes the bytes (sent "hello\n"), and a
 * check words what it received around the same quote ("hello\n", or
 * "hello" (5 bytes)), so the quote, with or without its line end, is looked
 * for in it.
 */
function isReceived(text: string, received: string | undefined): boolean {
  const quoted = /"(?:[^"\\]|\\.)*"/.exec(text)?.[0];
  if (!received || !quoted || quoted === '""') return false;
  const bare = quoted.replace(/(\\r)?\\n"$/, '"');
  return received.includes(quoted) || (bare !== '""' && received.includes(bare));
}

/**
 * A grader text in parts: its `code` spans (a pair of backticks on one
 * line) apart from the words around them. `socklab grade` prints the
 * backticks as they are; the page draws the spans as code.
 */
export function codeSpans(text: string): { text: string; code: boolean }[] {
  return text
    .split(/`([^`\n]+)`/)
    .map((part, i) => ({ text: part, code: i % 2 === 1 }))
    .filter((p) => p.text !== '');
}

const withCode = (text: string): (string | HTMLElement)[] => codeSpans(text).map((p) => (p.code ? h('code', {}, p.text) : p.text));

