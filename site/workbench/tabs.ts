/**
 * The editor and its file tabs: which of the current language's files the
 * Monaco editor shows, where its cursor was in each (kept when switching
 * tabs or languages), and the tablist's keyboard (arrows, Home, End).
 */
import { h } from './dom.ts';
import { DisposableStore, type Disposable } from './disposable.ts';
import { editorTheme, monaco } from './editor.ts';
import type { LabFiles } from './files.ts';
import type { WorkbenchLanguage } from './types.ts';
import { say } from './words.ts';

const FONT = "ui-monospace, 'Cascadia Mono', 'SFMono-Regular', Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";

export class FileTabs implements Disposable {
  /** The tablist. */
  readonly bar: HTMLElement;
  /** The tab panel holding the editor. */
  readonly host: HTMLElement;
  readonly editor: monaco.editor.IStandaloneCodeEditor;
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
    theme: 'light' | 'dark',
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
    this.host = h('div', { class: 'wb-editor', role: 'tabpanel', id: `wb-editor-${lab}` });
    column.append(this.host);
    this.editor = this.store.add(
      monaco.editor.create(this.host, {
        theme: editorTheme(theme),
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
    const model = this.files.model(lang, name);
    if (this.editor.getModel() !== model) {
      this.editor.setModel(model);
      this.shown = `${lang.id}/${name}`;
      const vs = this.viewStates.get(this.shown);
      if (vs) this.editor.restoreViewState(vs);
    }
    this.editor.updateOptions({ ariaLabel: say('editor.labelFile', { file: name, language: lang.label }) });
    for (const tab of this.bar.querySelectorAll<HTMLElement>('[role=tab]')) {
      const on = tab.dataset.file === name;
      tab.setAttribute('aria-selected', on ? 'true' : 'false');
      tab.tabIndex = on ? 0 : -1;
      if (on) this.host.setAttribute('aria-labelledby', tab.id);
    }
  }

  focus(): void {
    this.editor.focus();
  }

  /** Remembers where the cursor and scroll are in the file shown. */
  private keepViewState(): void {
    if (this.shown && this.editor.getModel()) this.viewStates.set(this.shown, this.editor.saveViewState());
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
    this.store.dispose();
  }
}
