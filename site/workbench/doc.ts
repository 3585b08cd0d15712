/**
 * One student file's text, before and after Monaco. The workbench mounts
 * without Monaco (its ~3 MB take a second or more to compile on a busy
 * 2-core machine) and shows the file in a plain editor (plain-editor.ts);
 * until Monaco arrives the text lives here, with every edit the student made
 * and when. `attach` then makes the Monaco model: it starts from the text
 * the file opened with and replays those edits on it, grouped as Monaco
 * groups typing, so Ctrl+Z in Monaco undoes what was typed before it came,
 * step by step. From then on the model holds the text and this object only
 * passes its changes on.
 */
import type { monaco } from './editor.ts';
import type { Disposable } from './disposable.ts';

/** One replace of the text: [start, end) of the text before it becomes `text`. */
interface Edit {
  start: number;
  end: number;
  text: string;
  /** performance.now() when it was made. */
  at: number;
  /** A whole-text replace (reset, solution, another tab): an undo step of its own. */
  whole: boolean;
}

/** Edits further apart than this are undone separately in Monaco (as its own typing groups break at a pause). */
const UNDO_PAUSE_MS = 1000;

type Monaco = typeof monaco;

export class FileDoc implements Disposable {
  private text: string;
  private readonly initial: string;
  private readonly edits: Edit[] = [];
  private readonly listeners = new Set<() => void>();
  private modelListener: Disposable | null = null;
  private disposed = false;
  /** The Monaco model, once attached. */
  model: monaco.editor.ITextModel | null = null;

  constructor(
    text: string,
    /** Monaco's language id. */
    readonly language: string,
    /** The model's URI (file:///<lab>/<lang>/<name>). */
    readonly uri: string,
  ) {
    this.text = text;
    this.initial = text;
  }

  getValue(): string {
    return this.model ? this.model.getValue() : this.text;
  }

  /** Calls `fn` after each change of the text (typed, replaced, undone). */
  onChange(fn: () => void): Disposable {
    this.listeners.add(fn);
    return { dispose: () => void this.listeners.delete(fn) };
  }

  /** The plain editor's edit: [start, end) replaced by `text`. */
  edit(start: number, end: number, text: string): void {
    if (this.model) {
      const range = monacoRange(this.model, start, end);
      this.model.pushEditOperations([], [{ range, text }], () => null);
      return;
    }
    this.apply({ start, end, text, at: performance.now(), whole: false });
  }

  /** Replaces the whole text as one undoable step. */
  setText(text: string): void {
    if (this.model) {
      this.model.pushStackElement();
      this.model.pushEditOperations([], [{ range: this.model.getFullModelRange(), text }], () => null);
      this.model.pushStackElement();
      return;
    }
    this.apply({ start: 0, end: this.text.length, text, at: performance.now(), whole: true });
  }

  private apply(e: Edit): void {
    this.text = this.text.slice(0, e.start) + e.text + this.text.slice(e.end);
    this.edits.push(e);
    this.fire();
  }

  private fire(): void {
    for (const fn of [...this.listeners]) fn();
  }

  /**
   * Makes (or finds) the Monaco model: the text the file opened with, then
   * the edits made since as undo steps, so the model ends with the text the
   * student sees and Ctrl+Z walks back through what they typed.
   */
  attach(m: Monaco): monaco.editor.ITextModel {
    if (this.model) return this.model;
    const uri = m.Uri.parse(this.uri);
    const model = m.editor.getModel(uri) ?? m.editor.createModel(this.initial, this.language, uri);
    if (model.getValue() !== this.initial) model.setValue(this.initial);
    let last: Edit | null = null;
    for (const e of this.edits) {
      if (!last || e.whole || last.whole || e.at - last.at > UNDO_PAUSE_MS || !continues(last, e)) model.pushStackElement();
      model.pushEditOperations([], [{ range: monacoRange(model, e.start, e.end), text: e.text }], () => null);
      last = e;
    }
    model.pushStackElement();
    this.edits.length = 0;
    this.model = model;
    this.modelListener = model.onDidChangeContent(() => this.fire());
    return model;
  }

  isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
    this.modelListener?.dispose();
    this.model?.dispose();
  }
}

/** Whether `e` goes on typing where `last` left off (one undo step in Monaco, as its own typing is). */
function continues(last: Edit, e: Edit): boolean {
  const typed = (x: Edit) => x.end === x.start && x.text.length > 0 && !x.text.includes('\n');
  const erased = (x: Edit) => x.text === '' && x.end > x.start;
  if (typed(last) && typed(e)) return e.start === last.start + last.text.length;
  if (erased(last) && erased(e)) return e.end === last.start || e.start === last.start;
  return false;
}

/** A Monaco range for [start, end) character offsets of the model's text. */
function monacoRange(model: monaco.editor.ITextModel, start: number, end: number): monaco.IRange {
  const a = model.getPositionAt(start);
  const b = model.getPositionAt(end);
  return { startLineNumber: a.lineNumber, startColumn: a.column, endLineNumber: b.lineNumber, endColumn: b.column };
}
