/**
 * The editor and its file tabs: which of the current language's files the
 * editor shows, where its cursor was in each (kept when switching tabs or
 * languages), and the tablist's keyboard (arrows, Home, End).
 *
 * The editor is the plain one (plain-editor.ts) until Monaco has arrived
 * (main.ts imports it once the workbench is up), then Monaco: `upgrade`
 * puts it in the plain editor's place with the same text, cursor, scroll
 * and focus, when the student is not in the middle of typing.
 */
import { h } from './dom.ts';
import { DisposableStore, type Disposable } from './disposable.ts';
import type { monaco } from './editor.ts';
import type { LabFiles } from './files.ts';
import { PlainEditor } from './plain-editor.ts';
import type { WorkbenchLanguage } from './types.ts';
import { say } from './words.ts';

/** Monaco and the workbench's settings of it (editor.ts), imported once the workbench is up. */
export type EditorModule = typeof import('./editor.ts');

const FONT = "ui-monospace, 'Cascadia Mono', 'SFMono-Regular', Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";

export class FileTabs implements Disposable {
  /** The tablist. */
  readonly bar: HTMLElement;
  /** The tab panel holding the editor. */
  readonly host: HTMLElement;
  /** Monaco's editor, once it has taken over (`upgrade`). */
  editor: monaco.editor.IStandaloneCodeEditor | null = null;
  /** The editor until then. */
  private plain: PlainEditor | null;
  private m: EditorModule | null = null;
  private lang: WorkbenchLanguage | null = null;
  private readonly activeFile = new Map<string, string>();
  private readonly viewStates = new Map<string, monaco.editor.ICodeEditorViewState | null>();
  /** "<lang>/<file>" of the model in the editor. */
  private shown: string | null = null;
  private readonly store = new DisposableStore();

  /**
   * Puts the tablist first in `fileBar` and the editor last in `column`,
   * which are in the document already (Monaco measures its host).
   */
  constructor(
    private readonly lab: string,
    private readonly files: LabFiles,
    private theme: 'light' | 'dark',
    fileBar: HTMLElement,
    column: HTMLElement,
  ) {
    this.bar = h('div', { class: 'wb-tabs', role: 'tablist', 'aria-label': say('editor.files') });
    fileBar.prepend(this.bar);
    this.store.listen(this.bar, 'keydown', (e) => this.onKey(e));
    this.store.listen(this.bar, 'click', (e) => {
      const tab = (e.target as HTMLElement).closest<HTMLElement>('[role=tab]');
      if (tab?.dataset.file) this.open(tab.dataset.file);
    });
    this.host = h('div', { class: 'wb-editor', role: 'tabpanel', id: `wb-editor-${lab}`, 'data-editor': 'plain' });
    this.plain = new PlainEditor(say('editor.label'));
    this.host.append(this.plain.el);
    column.append(this.host);
  }

  /**
   * Monaco takes the plain editor's place: the shown file's model (the
   * documents have theirs: files.attach), its cursor and selection, its
   * scroll, the focus if it was there. Waits while the student is typing.
   */
  upgrade(m: EditorModule): void {
    const plain = this.plain;
    if (!plain || this.store.isDisposed) return;
    if (plain.busy) {
      this.store.timeout(() => this.upgrade(m), 150);
      return;
    }
    this.m = m;
    this.files.attach(m.monaco);
    const hadFocus = plain.el.contains(document.activeElement);
    const sel = plain.selection();
    const scrollTop = plain.area.scrollTop;
    const scrollLeft = plain.area.scrollLeft;
    // Plain views of files not shown keep no cursor: they open at the top, as a file opened for the first time.
    this.viewStates.clear();
    plain.dispose();
    this.plain = null;
    const editor = this.store.add(
      m.monaco.editor.create(this.host, {
        theme: m.editorTheme(this.theme),
        automaticLayout: true,
        minimap: { enabled: false },
        fontSize: 13.5,
        lineHeight: 20,
        fontFamily: FONT,
        scrollBeyondLastLine: false,
        renderLineHighlight: 'line',
        padding: { top: 8, bottom: 8 },
        fixedOverflowWidgets: true,
        tabSize: 4,
        insertSpaces: true,
        wordBasedSuggestions: 'currentDocument',
        ariaLabel: say('editor.label'),
        model: null,
      }),
    );
    this.editor = editor;
    this.host.dataset.editor = 'monaco';
    if (this.lang) {
      const name = this.activeFile.get(this.lang.id);
      this.shown = null;
      if (name) this.open(name);
      const model = editor.getModel();
      if (model) {
        const a = model.getPositionAt(sel.start);
        const b = model.getPositionAt(sel.end);
        const [from, to] = sel.backward ? [b, a] : [a, b];
        editor.setSelection({ selectionStartLineNumber: from.lineNumber, selectionStartColumn: from.column, positionLineNumber: to.lineNumber, positionColumn: to.column });
        editor.setScrollPosition({ scrollTop, scrollLeft });
      }
    }
    if (hadFocus) editor.focus();
  }

  /** Light or dark (the plain editor follows the page's CSS). */
  setTheme(theme: 'light' | 'dark'): void {
    this.theme = theme;
    this.m?.monaco.editor.setTheme(this.m.editorTheme(theme));
  }

  /** Shows a language's files, on the tab last open in it. */
  show(lang: WorkbenchLanguage): void {
    this.keepViewState();
    this.lang = lang;
    this.refresh();
  }

  /** Draws the tabs again (the file list changed); stays on the open file if it is still there. */
  refresh(): void {
    const lang = this.lang!;
    const names = this.files.names(lang);
    const active = this.activeFile.get(lang.id);
    this.bar.replaceChildren(
      ...names.map((name) =>
        h(
          'button',
          {
            type: 'button',
            role: 'tab',
            class: 'wb-tab',
            id: `wb-tab-${this.lab}-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`,
            'aria-selected': name === active ? 'true' : 'false',
            'aria-controls': this.host.id,
            tabindex: name === active ? '0' : '-1',
            'data-file': name,
          },
          name,
        ),
      ),
    );
    this.open(active && names.includes(active) ? active : names[0]!);
  }

  /** Opens a file of the current language in the editor. */
  open(name: string): void {
    const lang = this.lang!;
    this.keepViewState();
    this.activeFile.set(lang.id, name);
    const doc = this.files.model(lang, name);
    const label = say('editor.labelFile', { file: name, language: lang.label });
    if (this.editor) {
      if (doc.model && this.editor.getModel() !== doc.model) {
        this.editor.setModel(doc.model);
        this.shown = `${lang.id}/${name}`;
        const vs = this.viewStates.get(this.shown);
        if (vs) this.editor.restoreViewState(vs);
      }
      this.editor.updateOptions({ ariaLabel: label });
    } else if (this.plain) {
      this.plain.setDoc(doc);
      this.shown = `${lang.id}/${name}`;
      this.plain.area.setAttribute('aria-label', label);
    }
    for (const tab of this.bar.querySelectorAll<HTMLElement>('[role=tab]')) {
      const on = tab.dataset.file === name;
      tab.setAttribute('aria-selected', on ? 'true' : 'false');
      tab.tabIndex = on ? 0 : -1;
      if (on) this.host.setAttribute('aria-labelledby', tab.id);
    }
  }

  focus(): void {
    if (this.editor) this.editor.focus();
    else this.plain?.focus();
  }

  /** Remembers where the cursor and scroll are in the file shown (Monaco's; the plain editor opens a file at its top). */
  private keepViewState(): void {
    if (this.shown && this.editor?.getModel()) this.viewStates.set(this.shown, this.editor.saveViewState());
  }

  private onKey(e: KeyboardEvent): void {
    const tabs = [...this.bar.querySelectorAll<HTMLButtonElement>('[role=tab]')];
    const i = tabs.indexOf(document.activeElement as HTMLButtonElement);
    if (i < 0) return;
    let next = -1;
    if (e.key === 'ArrowRight') next = (i + 1) % tabs.length;
    else if (e.key === 'ArrowLeft') next = (i - 1 + tabs.length) % tabs.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = tabs.length - 1;
    if (next < 0) return;
    e.preventDefault();
    const file = tabs[next]!.dataset.file!;
    this.open(file);
    this.bar.querySelector<HTMLButtonElement>(`[data-file="${CSS.escape(file)}"]`)?.focus();
  }

  dispose(): void {
    this.plain?.dispose();
    this.store.dispose();
  }
}
