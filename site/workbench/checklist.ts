/**
 * The Check results: one row per check, ✓ passed, ✗ failed, – skipped or
 * not run yet, in the order the grader runs them. A failed check opens to
 * its story, as `socklab grade` prints it: message, expected, received,
 * hint, the transcript (grader and program voices told apart) and what the
 * programs printed.
 */
import type { CheckResult } from '../../protocol/messages.ts';
import type { LastCheck } from './progress.ts';
import { h } from './dom.ts';

type Planned = { id: string; name: string; role: string };

const MARK = { passed: '✓', failed: '✗', skipped: '–', pending: '…', running: '…' } as const;
const WORD = { passed: 'passed', failed: 'failed', skipped: 'skipped', pending: 'not run yet', running: 'running' } as const;

export class Checklist {
  readonly el: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly summary: HTMLElement;
  private rows = new Map<string, HTMLLIElement>();
  private firstFailureOpened = false;

  constructor() {
    this.summary = h('p', { class: 'wb-check-summary', role: 'status' });
    this.list = h('ol', { class: 'wb-checks' });
    this.el = h('section', { class: 'wb-checklist', 'aria-label': 'Check results' }, this.summary, this.list);
    this.el.hidden = true;
  }

  /** The verdicts of a Check from an earlier visit (no details kept). */
  showLast(last: LastCheck, langLabel: string): void {
    this.reset();
    for (const r of last.results) this.setRow(r, r.status);
    this.summary.textContent = `Last Check (${langLabel}, ${new Date(last.at).toLocaleString()}): ${verdict(last)}. Press Check to run it again.`;
  }

  /** The code changed after these verdicts: say so, once. */
  markStale(): void {
    if (this.el.hidden || this.el.dataset.stale === 'true' || this.el.dataset.running === 'true') return;
    this.el.dataset.stale = 'true';
    this.summary.append(h('span', { class: 'wb-check-stale' }, ' Your code has changed since.'));
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
    this.summary.textContent = 'Checking… (the grader starts your programs in a fresh sandbox)';
  }

  plan(checks: Planned[]): void {
    this.reset();
    for (const c of checks) this.setRow(c, 'pending');
    this.summary.textContent = `Checking… 0 of ${checks.length} done`;
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
    this.summary.textContent = `Checking… ${done} of ${this.rows.size} done`;
  }

  done(report: { passed: number; failed: number; skipped: number; durationMs: number }): void {
    this.el.dataset.running = 'false';
    this.summary.textContent = `${verdict(report)} in ${(report.durationMs / 1000).toFixed(1)} s.`;
    this.el.dataset.verdict = report.failed === 0 && report.skipped === 0 ? 'pass' : 'fail';
  }

  failed(message: string): void {
    this.el.hidden = false;
    this.el.dataset.running = 'false';
    this.summary.textContent = `Check could not run: ${message}`;
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
        h('span', { class: 'sr-only' }, `${WORD[status]}:`),
        ' ',
        h('span', { class: 'wb-check-role' }, `${c.role}:`),
        ' ',
        h('span', { class: 'wb-check-name' }, c.name),
      ),
    );
    return li;
  }

  private details(r: CheckResult): HTMLDetailsElement {
    const body = h('div', { class: 'wb-check-body' });
    if (r.message) body.append(h('p', { class: 'wb-check-message' }, r.message));
    if (r.expected !== undefined || r.received !== undefined) {
      const dl = h('dl', { class: 'wb-check-diff' });
      if (r.expected !== undefined) dl.append(h('dt', {}, 'expected'), h('dd', {}, h('code', {}, r.expected)));
      if (r.received !== undefined) dl.append(h('dt', {}, 'received'), h('dd', {}, h('code', {}, r.received)));
      body.append(dl);
    }
    if (r.hint) body.append(h('p', { class: 'wb-check-hint' }, h('strong', {}, 'Hint: '), r.hint));
    if (r.transcript.length) {
      const table = h('table', { class: 'wb-transcript' },
        h('caption', {}, 'What happened'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'ms'), h('th', { scope: 'col' }, 'who'), h('th', { scope: 'col' }, 'where'), h('th', { scope: 'col' }, 'what'))),
      );
      const tbody = h('tbody');
      for (const e of r.transcript) {
        tbody.append(
          h('tr', { 'data-who': e.who },
            h('td', { class: 'wb-t-at' }, String(e.at)),
            h('td', { class: 'wb-t-who' }, e.who === 'note' ? '' : e.who),
            h('td', { class: 'wb-t-channel' }, e.channel),
            h('td', { class: 'wb-t-text' }, e.text),
          ),
        );
      }
      table.append(tbody);
      body.append(h('div', { class: 'wb-transcript-wrap' }, table));
    }
    for (const o of r.outputs) {
      if (!o.text.trim()) continue;
      body.append(h('p', { class: 'wb-output-name' }, `${o.name} printed:`), h('pre', { class: 'wb-output' }, o.text.trimEnd()));
    }
    return h('details', { class: 'wb-check-details' }, h('summary', {}, 'Why it failed'), body);
  }
}

function verdict(r: { passed: number; failed: number; skipped: number }): string {
  const total = r.passed + r.failed + r.skipped;
  if (r.failed === 0 && r.skipped === 0) return `all ${total} checks passed`;
  return `${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}`;
}
