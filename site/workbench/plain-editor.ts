/**
 * The editor the workbench shows until Monaco has arrived: a textarea with
 * line numbers, in Monaco's font, size, line height and padding, so the
 * student reads and edits their code (and Runs it) while Monaco's ~3 MB
 * still compile, and Monaco takes its place without the text moving
 * (tabs.ts hands over the text, the cursor, the scroll and the focus; doc.ts
 * the undo steps).
 *
 * It does what a student needs in those seconds and nothing more: Tab
 * indents (four spaces, as Monaco's settings here), Enter keeps the line's
 * indentation (one level more after a ':' or an opening bracket), the
 * browser's own undo works inside it. Every change goes to the file's
 * document as an edit (doc.ts), which saving and Run read.
 */
import { DisposableStore, type Disposable } from './disposable.ts';
import type { FileDoc } from './doc.ts';
import { h } from './dom.ts';

/** Typing this recently (or composing with an IME) means Monaco waits before taking over. */
const QUIET_MS = 400;
const INDENT = '    ';

export class PlainEditor implements Disposable {
  readonly el: HTMLElement;
  readonly area: HTMLTextAreaElement;
  private readonly gutter: HTMLElement;
  private readonly store = new DisposableStore();
  private doc: FileDoc | null = null;
  private docListener: Disposable | null = null;
  /** The text the textarea showed after the last edit went to the document. */
  private shown = '';
  private lines = 0;
  private lastInput = -Infinity;
  private composing = false;

  constructor(ariaLabel: string) {
    this.gutter = h('div', { class: 'wb-plain-gutter', 'aria-hidden': 'true' });
    this.area = h('textarea', { class: 'wb-plain-text', spellcheck: 'false', autocapitalize: 'off', autocomplete: 'off', autocorrect: 'off', wrap: 'off', 'aria-label': ariaLabel });
    this.el = h('div', { class: 'wb-plain' }, h('div', { class: 'wb-plain-numbers' }, this.gutter), this.area);
    this.store.listen(this.area, 'input', () => this.onInput());
    this.store.listen(this.area, 'keydown', (e) => this.onKey(e));
    this.store.listen(this.area, 'scroll', () => (this.gutter.style.transform = `translateY(${-this.area.scrollTop}px)`));
    this.store.listen(this.area, 'compositionstart', () => (this.composing = true));
    this.store.listen(this.area, 'compositionend', () => {
      this.composing = false;
      this.lastInput = performance.now();
    });
  }

  /** Shows a file's document (its text, cursor at the start). */
  setDoc(doc: FileDoc): void {
    if (doc === this.doc) return;
    // A new textarea is at its top already: setting its scrollTop would lay out the whole page in the middle of the mount.
    const scrolled = this.doc !== null;
    this.docListener?.dispose();
    this.doc = doc;
    this.show(doc.getValue());
    this.area.setSelectionRange(0, 0);
    if (scrolled) this.area.scrollTop = 0;
    // A change from elsewhere (Reset, Show solution, another tab) shows at once.
    this.docListener = doc.onChange(() => {
      const text = doc.getValue();
      if (text !== this.area.value) this.show(text);
    });
  }

  /** The student typed in the last moments, or is composing (an IME): not the time to swap editors under them. */
  get busy(): boolean {
    return this.composing || performance.now() - this.lastInput < QUIET_MS;
  }

  /** The selection as offsets in the text, and which end the cursor is at. */
  selection(): { start: number; end: number; backward: boolean } {
    return { start: this.area.selectionStart, end: this.area.selectionEnd, backward: this.area.selectionDirection === 'backward' };
  }

  focus(): void {
    this.area.focus();
  }

  private show(text: string): void {
    const { selectionStart, selectionEnd } = this.area;
    this.area.value = text;
    this.shown = text;
    this.area.setSelectionRange(Math.min(selectionStart, text.length), Math.min(selectionEnd, text.length));
    this.numberLines();
  }

  private numberLines(): void {
    const n = this.shown.split('\n').length;
    if (n === this.lines) return;
    this.lines = n;
    this.gutter.textContent = Array.from({ length: n }, (_, i) => i + 1).join('\n');
  }

  /** The textarea changed: the difference (one replaced span) goes to the document. */
  private onInput(): void {
    this.lastInput = performance.now();
    const before = this.shown;
    const after = this.area.value;
    if (before === after || !this.doc) return;
    let start = 0;
    const max = Math.min(before.length, after.length);
    while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
    let tail = 0;
    while (tail < max - start && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
    this.shown = after;
    this.doc.edit(start, before.length - tail, after.slice(start, after.length - tail));
    this.numberLines();
  }

  private onKey(e: KeyboardEvent): void {
    if (e.isComposing || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'Tab' && !e.shiftKey) {
      e.preventDefault();
      this.insert(INDENT);
    } else if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      const text = this.area.value;
      const lineStart = text.lastIndexOf('\n', this.area.selectionStart - 1) + 1;
      const line = text.slice(lineStart, this.area.selectionStart);
      const indent = /^[ \t]*/.exec(line)![0];
      this.insert(`\n${indent}${/[:([{]\s*$/.test(line) ? INDENT : ''}`);
    }
  }

  /** Inserts at the cursor as typing does: the browser's undo keeps it, and an input event follows. */
  private insert(text: string): void {
    // execCommand is the one way to insert that the textarea's own undo
    // history records; setRangeText would clear it.
    if (!document.execCommand('insertText', false, text)) {
      this.area.setRangeText(text, this.area.selectionStart, this.area.selectionEnd, 'end');
      this.onInput();
    }
  }

  dispose(): void {
    this.docListener?.dispose();
    this.store.dispose();
    this.el.remove();
  }
}
