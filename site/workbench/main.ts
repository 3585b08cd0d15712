/**
 * The lab workbench: toolbar, file tabs, Monaco, one xterm pane per process,
 * the Check list, and the runner connection. loader.ts imports this module
 * on first use and calls `mount` on the server-rendered placeholder (see
 * site/components/Workbench.astro), which carries the lab's data as JSON.
 *
 * Protocol use (protocol/messages.ts): a connection opens one session, in
 * the language shown, on the first Run/Check/Add client; Run sends the
 * editor's files then `run`; Check sends the files then `check`. Switching
 * language ends the session (the runner closes the socket; the link
 * reconnects at once) and the next Run opens one in the new language.
 *
 * Everything the student writes is saved in localStorage as they type (see
 * progress.ts for the keys), so a reload, a lost connection or a runner
 * restart loses nothing.
 */
import type { Language, ProcInfo, ServerMessage, StudentFile } from '../../protocol/messages.ts';
import { Checklist } from './checklist.ts';
import { Inspector } from './inspector.ts';
import { createConfirm } from './dialog.ts';
import { h } from './dom.ts';
import { editorTheme, monaco } from './editor.ts';
import { RunnerLink, type LinkState } from './link.ts';
import { describeState, ProcPane } from './pane.ts';
import { labKey, read, write, type LastCheck } from './progress.ts';
import type { WorkbenchData, WorkbenchFile, WorkbenchLanguage } from './types.ts';
// Last, so these rules come after Monaco's in the cascade.
import '@xterm/xterm/css/xterm.css';
import './workbench.css';

type Theme = 'light' | 'dark';

/** Bytes of output acknowledged at once; smaller amounts go at the end of the turn. */
const ACK_BATCH = 64 * 1024;
const SAVE_DELAY_MS = 300;

const pageTheme = (): Theme => (document.documentElement.dataset.theme === 'light' ? 'light' : 'dark');
const isMac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

export function mount(root: HTMLElement, opts: { focus?: boolean } = {}): Workbench {
  const json = root.querySelector('script[data-wb-data]')?.textContent;
  if (!json) throw new Error('the page has no workbench data');
  const wb = new Workbench(root, JSON.parse(json) as WorkbenchData);
  // For tests and the curious: document.querySelector('[data-socklab-workbench]').socklab
  (root as HTMLElement & { socklab?: Workbench }).socklab = wb;
  if (opts.focus) wb.focusEditor();
  return wb;
}

export class Workbench {
  private lang: WorkbenchLanguage;
  private readonly link: RunnerLink;
  private readonly editor: monaco.editor.IStandaloneCodeEditor;
  private readonly models = new Map<string, monaco.editor.ITextModel>();
  private readonly viewStates = new Map<string, monaco.editor.ICodeEditorViewState | null>();
  private activeFile = new Map<Language, string>();
  private readonly saveTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly panes = new Map<string, ProcPane>();
  private readonly panesById = new Map<number, ProcPane>();
  private readonly pendingAcks = new Map<number, number>();
  private ackTimer: ReturnType<typeof setTimeout> | null = null;
  private theme: Theme = pageTheme();
  private checking = false;
  private countdown: ReturnType<typeof setInterval> | null = null;

  // DOM
  private readonly el: HTMLElement;
  private readonly tabs: HTMLElement;
  private readonly editorHost: HTMLElement;
  private readonly paneGrid: HTMLElement;
  private readonly statusEl: HTMLElement;
  private readonly statusDot: HTMLElement;
  private readonly warningEl: HTMLElement;
  private readonly offlineEl: HTMLElement;
  private readonly offlineRetry: HTMLElement;
  private readonly offlineTitle = h('strong', {}, 'No runner is answering. ');
  private readonly messagesEl: HTMLElement;
  private readonly checklist = new Checklist();
  private readonly inspector = new Inspector(
    (id) => this.panesById.get(id)?.name,
    (on) => (this.link.session ? (this.link.send({ type: 'inspect', on }), true) : false),
  );
  private readonly langSelect: HTMLSelectElement;
  private readonly buttons: Record<'run' | 'stop' | 'check' | 'reset' | 'solution' | 'addClient' | 'expand', HTMLButtonElement>;
  private readonly confirm: ReturnType<typeof createConfirm>;

  constructor(
    private readonly root: HTMLElement,
    private readonly data: WorkbenchData,
  ) {
    const stored = read(labKey(data.id, 'lang'));
    this.lang = data.languages.find((l) => l.id === stored) ?? data.languages[0]!;

    // ---- toolbar
    this.langSelect = h('select', { class: 'wb-select', 'aria-label': 'Language' });
    for (const l of data.languages) this.langSelect.append(h('option', { value: l.id, selected: l.id === this.lang.id }, l.label));
    this.langSelect.addEventListener('change', () => void this.switchLanguage(this.langSelect.value as Language));
    const runKey = isMac ? '⌘↵' : 'Ctrl+Enter';
    const btn = (label: string, cls: string, title: string, icon = '') =>
      h('button', { type: 'button', class: `wb-btn ${cls}`, title }, icon ? h('span', { class: 'wb-icon', 'aria-hidden': 'true' }, icon) : null, label);
    this.buttons = {
      run: btn('Run', 'wb-btn-primary', `Run your programs (${runKey})`, '▶'),
      stop: btn('Stop', '', 'Stop every program', '■'),
      check: btn('Check', 'wb-btn-check', 'Grade your code with the lab’s checks', '✓'),
      addClient: btn('Add client', '', 'Start one more client', '+'),
      reset: btn('Reset to starter', 'wb-btn-file', 'Replace your code with the starter code', '↺'),
      solution: btn('Show solution', 'wb-btn-file', 'Replace your code with the reference solution', '◐'),
      expand: btn('Expand', 'wb-btn-quiet', 'Use the whole window for the workbench', '⤢'),
    };
    this.buttons.expand.setAttribute('aria-pressed', 'false');
    const addable = data.processes.find((p) => p.addable);
    if (addable) this.buttons.addClient.lastChild!.textContent = `Add ${addable.role}`;
    else this.buttons.addClient.hidden = true;
    this.buttons.run.setAttribute('aria-keyshortcuts', isMac ? 'Meta+Enter' : 'Control+Enter');
    this.buttons.run.addEventListener('click', () => void this.run());
    this.buttons.stop.addEventListener('click', () => this.stop());
    this.buttons.check.addEventListener('click', () => void this.check());
    this.buttons.addClient.addEventListener('click', () => void this.addClient());
    this.buttons.reset.addEventListener('click', () => void this.resetToStarter());
    this.buttons.solution.addEventListener('click', () => void this.showSolution());
    this.buttons.expand.addEventListener('click', () => this.toggleExpanded());

    const toolbar = h(
      'div',
      { class: 'wb-toolbar', role: 'group', 'aria-label': 'Workbench controls' },
      h('label', { class: 'wb-lang' }, h('span', { class: 'wb-lang-label' }, 'Language'), this.langSelect),
      h('span', { class: 'wb-toolbar-group' }, this.buttons.run, this.buttons.stop, this.buttons.addClient, this.buttons.check),
      h('span', { class: 'wb-toolbar-group wb-toolbar-end' }, this.buttons.expand),
    );

    // ---- status, warnings, messages
    this.statusDot = h('span', { class: 'wb-dot', 'aria-hidden': 'true' });
    this.statusEl = h('span', { class: 'wb-status-text' }, 'Connecting to the runner…');
    this.warningEl = h('p', { class: 'wb-warning', role: 'note' });
    this.warningEl.hidden = true;
    const retryBtn = h('button', { type: 'button', class: 'wb-btn wb-btn-small' }, 'Retry now');
    retryBtn.addEventListener('click', () => this.link.retryNow());
    this.offlineRetry = h('span', { class: 'wb-retry-in' });
    this.offlineEl = h(
      'div',
      { class: 'wb-offline' },
      h('p', {}, this.offlineTitle, 'Run ', h('code', {}, 'npm start'), ' in the socklab folder, then reload this page. You can keep editing meanwhile: your code is saved in this browser.'),
      h('p', {}, this.offlineRetry, ' ', retryBtn),
    );
    this.offlineEl.hidden = true;
    this.messagesEl = h('ul', { class: 'wb-messages', 'aria-live': 'polite', 'aria-label': 'Messages from the runner' });
    const status = h('div', { class: 'wb-status', role: 'status' }, this.statusDot, this.statusEl);

    // ---- editor
    this.tabs = h('div', { class: 'wb-tabs', role: 'tablist', 'aria-label': 'Files' });
    this.tabs.addEventListener('keydown', (e) => this.onTabKey(e));
    this.editorHost = h('div', { class: 'wb-editor', role: 'tabpanel', id: `wb-editor-${data.id}` });
    const fileBar = h(
      'div',
      { class: 'wb-filebar' },
      this.tabs,
      h('span', { class: 'wb-file-actions', role: 'group', 'aria-label': 'File actions' }, this.buttons.reset, this.buttons.solution),
    );
    const editorCol = h('div', { class: 'wb-editor-col' }, fileBar, this.editorHost);

    // ---- terminals
    this.paneGrid = h('div', { class: 'wb-panes', role: 'group', 'aria-label': 'Program terminals' });

    const help = h(
      'p',
      { class: 'wb-help' },
      h('strong', {}, 'Keyboard: '),
      h('kbd', {}, runKey),
      ' runs, from anywhere in the workbench. In the editor Tab indents; press ',
      h('kbd', {}, isMac ? '⌃⇧M' : 'Ctrl+M'),
      ' to make Tab move the focus instead. In a terminal, keys go to your program (',
      h('kbd', {}, 'Ctrl+C'),
      ' too); press ',
      h('kbd', {}, 'Esc'),
      ' to leave it.',
    );

    this.el = h(
      'div',
      { class: 'wb', 'data-theme': this.theme, role: 'group', 'aria-label': `Workbench: ${data.title}` },
      toolbar,
      h('div', { class: 'wb-statusbar' }, status, this.warningEl),
      this.offlineEl,
      this.messagesEl,
      h('div', { class: 'wb-main' }, editorCol, this.paneGrid),
      this.inspector.el,
      this.checklist.el,
      help,
    );
    this.confirm = createConfirm(this.el);
    root.querySelector('[data-wb-placeholder]')?.remove();
    root.append(this.el);
    root.dataset.state = 'ready';

    // Ctrl+Enter (or Cmd+Enter) runs from anywhere inside, before Monaco or xterm see it.
    this.el.addEventListener(
      'keydown',
      (e) => {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey) {
          e.preventDefault();
          e.stopPropagation();
          void this.run();
        }
      },
      true,
    );

    // Connect first: the WebSocket handshake overlaps creating the editor.
    this.link = new RunnerLink(data.id, {
      state: (state, detail) => this.onLinkState(state, detail.retryInMs),
      message: (msg) => this.onMessage(msg),
      output: (proc, bytes) => this.onOutput(proc, bytes),
      sessionLost: () => this.onSessionLost(),
    });
    this.link.connect();

    this.editor = monaco.editor.create(this.editorHost, {
      theme: editorTheme(this.theme),
      automaticLayout: true,
      minimap: { enabled: false },
      fontSize: 13.5,
      lineHeight: 20,
      fontFamily: "ui-monospace, 'Cascadia Mono', 'SFMono-Regular', Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace",
      scrollBeyondLastLine: false,
      renderLineHighlight: 'line',
      padding: { top: 8, bottom: 8 },
      fixedOverflowWidgets: true,
      tabSize: 4,
      insertSpaces: true,
      wordBasedSuggestions: 'currentDocument',
      ariaLabel: 'Code editor',
      model: null,
    });
    this.showLanguage();
    this.renderPlanPanes();
    this.showLastCheck();

    // Light/dark follows Starlight's theme switch.
    new MutationObserver(() => this.setTheme(pageTheme())).observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    window.addEventListener('pagehide', () => this.saveAll());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') this.saveAll();
    });

  }

  focusEditor(): void {
    this.editor.focus();
  }

  /** What a process's terminal shows, as text (the WebGL renderer has no DOM text to read). */
  paneText(name: string): string {
    const buf = this.panes.get(name)?.term.buffer.active;
    if (!buf) return '';
    const lines: string[] = [];
    for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
    return lines.join('\n').replace(/\n+$/, '');
  }

  /** The text of a file in the editor (current language). */
  fileText(name: string): string {
    return this.model(name).getValue();
  }

  // ------------------------------------------------------------------ files

  private fileNames(lang = this.lang): string[] {
    const stored = read(labKey(this.data.id, lang.id, 'files'));
    if (stored) {
      try {
        const names = JSON.parse(stored) as unknown;
        if (Array.isArray(names) && names.every((n) => typeof n === 'string')) return names as string[];
      } catch {
        /* fall back to the starter's */
      }
    }
    return lang.starter.map((f) => f.name);
  }

  private setFileNames(names: string[], lang = this.lang): void {
    const starter = lang.starter.map((f) => f.name);
    const same = names.length === starter.length && names.every((n, i) => n === starter[i]);
    write(labKey(this.data.id, lang.id, 'files'), same ? null : JSON.stringify(names));
  }

  private starterText(name: string, lang = this.lang): string {
    return lang.starter.find((f) => f.name === name)?.content ?? '';
  }

  private modelKey(name: string, lang = this.lang): string {
    return `${lang.id}/${name}`;
  }

  private model(name: string, lang = this.lang): monaco.editor.ITextModel {
    const key = this.modelKey(name, lang);
    let model = this.models.get(key);
    if (!model) {
      const saved = read(labKey(this.data.id, lang.id, 'file', name));
      const uri = monaco.Uri.parse(`file:///${this.data.id}/${lang.id}/${name}`);
      model = monaco.editor.getModel(uri) ?? monaco.editor.createModel(saved ?? this.starterText(name, lang), lang.monaco, uri);
      model.onDidChangeContent(() => {
        this.queueSave(name, lang);
        if (lang === this.lang) this.checklist.markStale();
      });
      this.models.set(key, model);
    }
    return model;
  }

  private queueSave(name: string, lang: WorkbenchLanguage): void {
    const key = this.modelKey(name, lang);
    const t = this.saveTimers.get(key);
    if (t) clearTimeout(t);
    this.saveTimers.set(
      key,
      setTimeout(() => this.save(name, lang), SAVE_DELAY_MS),
    );
  }

  private save(name: string, lang: WorkbenchLanguage): void {
    const key = this.modelKey(name, lang);
    const t = this.saveTimers.get(key);
    if (t) clearTimeout(t);
    this.saveTimers.delete(key);
    const model = this.models.get(key);
    if (!model || model.isDisposed()) return;
    const text = model.getValue();
    const starter = lang.starter.find((f) => f.name === name);
    const ok = write(labKey(this.data.id, lang.id, 'file', name), starter && starter.content === text ? null : text);
    if (!ok) this.message('warning', 'This browser did not let the workbench save your code (storage is full or disabled). Copy your work somewhere safe.');
  }

  private saveAll(): void {
    for (const key of [...this.saveTimers.keys()]) {
      const [langId, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
      const lang = this.data.languages.find((l) => l.id === langId);
      if (lang) this.save(name, lang);
    }
  }

  /** The current language's files as the editor holds them. */
  private currentFiles(): StudentFile[] {
    return this.fileNames().map((name) => ({ name, content: this.model(name).getValue() }));
  }

  /** Replaces file contents as one undoable edit per file (Ctrl+Z brings the old code back). */
  private replaceFiles(files: WorkbenchFile[], names: string[]): void {
    for (const f of files) {
      const model = this.model(f.name);
      if (model.getValue() === f.content) continue;
      model.pushStackElement();
      model.pushEditOperations([], [{ range: model.getFullModelRange(), text: f.content }], () => null);
      model.pushStackElement();
      this.save(f.name, this.lang);
    }
    this.setFileNames(names);
    this.renderTabs();
    const active = this.activeFile.get(this.lang.id);
    if (!active || !names.includes(active)) this.openFile(names[0]!);
  }

  private async resetToStarter(): Promise<void> {
    const names = this.lang.starter.map((f) => f.name).join(', ');
    const yes = await this.confirm('Reset to the starter code?', `${names} will get the starter code back, replacing what you wrote in ${this.lang.label}. You can undo it in the editor (Ctrl+Z) until you reload.`, 'Reset');
    if (!yes) return;
    const extra = this.fileNames().filter((n) => !this.lang.starter.some((f) => f.name === n));
    for (const n of extra) write(labKey(this.data.id, this.lang.id, 'file', n), null);
    this.replaceFiles(this.lang.starter, this.lang.starter.map((f) => f.name));
    this.editor.focus();
  }

  private async showSolution(): Promise<void> {
    const yes = await this.confirm(
      'Show the reference solution?',
      `The solution replaces your ${this.lang.label} code in the editor. Trying for yourself first teaches more. You can undo it in the editor (Ctrl+Z) until you reload, or Reset to the starter.`,
      'Show solution',
    );
    if (!yes) return;
    const names = [...this.fileNames()];
    for (const f of this.lang.solution) if (!names.includes(f.name)) names.push(f.name);
    this.replaceFiles(this.lang.solution, names);
    this.editor.focus();
  }

  // ------------------------------------------------------------ tabs/editor

  private showLanguage(): void {
    this.langSelect.value = this.lang.id;
    this.el.dataset.lang = this.lang.id;
    this.renderTabs();
    const names = this.fileNames();
    const active = this.activeFile.get(this.lang.id);
    this.openFile(active && names.includes(active) ? active : names[0]!);
  }

  private renderTabs(): void {
    const active = this.activeFile.get(this.lang.id);
    this.tabs.replaceChildren(
      ...this.fileNames().map((name) => {
        const selected = name === active;
        const tab = h('button', {
          type: 'button',
          role: 'tab',
          class: 'wb-tab',
          id: `wb-tab-${this.data.id}-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`,
          'aria-selected': selected ? 'true' : 'false',
          'aria-controls': this.editorHost.id,
          tabindex: selected ? '0' : '-1',
          'data-file': name,
        }, name);
        tab.addEventListener('click', () => this.openFile(name));
        return tab;
      }),
    );
  }

  private onTabKey(e: KeyboardEvent): void {
    const tabs = [...this.tabs.querySelectorAll<HTMLButtonElement>('[role=tab]')];
    const i = tabs.indexOf(document.activeElement as HTMLButtonElement);
    if (i < 0) return;
    let next = -1;
    if (e.key === 'ArrowRight') next = (i + 1) % tabs.length;
    else if (e.key === 'ArrowLeft') next = (i - 1 + tabs.length) % tabs.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = tabs.length - 1;
    if (next < 0) return;
    e.preventDefault();
    this.openFile(tabs[next]!.dataset.file!);
    this.tabs.querySelector<HTMLButtonElement>(`[data-file="${CSS.escape(tabs[next]!.dataset.file!)}"]`)?.focus();
  }

  private openFile(name: string): void {
    const prev = this.activeFile.get(this.lang.id);
    const current = this.editor.getModel();
    if (current && prev) this.viewStates.set(this.modelKey(prev), this.editor.saveViewState());
    this.activeFile.set(this.lang.id, name);
    const model = this.model(name);
    if (this.editor.getModel() !== model) {
      this.editor.setModel(model);
      const vs = this.viewStates.get(this.modelKey(name));
      if (vs) this.editor.restoreViewState(vs);
    }
    this.editor.updateOptions({ ariaLabel: `Code editor: ${name} (${this.lang.label})` });
    for (const tab of this.tabs.querySelectorAll<HTMLElement>('[role=tab]')) {
      const on = tab.dataset.file === name;
      tab.setAttribute('aria-selected', on ? 'true' : 'false');
      tab.tabIndex = on ? 0 : -1;
      if (on) this.editorHost.setAttribute('aria-labelledby', tab.id);
    }
  }

  private async switchLanguage(id: Language): Promise<void> {
    const lang = this.data.languages.find((l) => l.id === id);
    if (!lang || lang === this.lang) return;
    this.saveAll();
    const prevLang = this.lang;
    const prev = this.activeFile.get(this.lang.id);
    if (prev) this.viewStates.set(this.modelKey(prev), this.editor.saveViewState());
    this.lang = lang;
    write(labKey(this.data.id, 'lang'), lang.id);
    this.showLanguage();
    this.showLastCheck();
    // A session runs one language: end it; the next Run opens one in this language.
    if (this.link.session) {
      this.message('info', `Switched to ${lang.label}. Your ${prevLang.label} programs were stopped; press Run to start the ${lang.label} ones.`);
      try {
        await this.link.endSession();
      } catch {
        /* the status line tells */
      }
    }
  }

  // ------------------------------------------------------------------ panes

  /** Panes for the run plan as it will start (server, then clients). */
  private planNames(): { name: string; role: string }[] {
    const out: { name: string; role: string }[] = [];
    for (const p of this.data.processes) {
      const numbered = p.addable || p.instances > 1;
      for (let i = 1; i <= p.instances; i++) out.push({ name: numbered ? `${p.role} ${i}` : p.role, role: p.role });
    }
    return out;
  }

  private renderPlanPanes(): void {
    for (const { name, role } of this.planNames()) this.pane(name, role);
  }

  private pane(name: string, role: string): ProcPane {
    let pane = this.panes.get(name);
    if (pane) return pane;
    pane = new ProcPane(name, role, this.theme, {
      input: (p, data) => {
        if (p.proc !== null && this.link.session) this.link.send({ type: 'input', proc: p.proc, data });
      },
      resize: (p, cols, rows) => {
        if (p.proc !== null && this.link.session && p.info?.state !== 'exited') this.link.send({ type: 'resize', proc: p.proc, cols, rows });
      },
      restart: (p) => void this.restartProc(p),
      rendered: (proc, bytes) => this.queueAck(proc, bytes),
    });
    this.panes.set(name, pane);
    this.paneGrid.append(pane.el);
    pane.open();
    this.paneGrid.dataset.count = String(this.panes.size);
    return pane;
  }

  /** Before a Run: the plan's panes cleared, panes of added clients gone. */
  private preparePanes(): void {
    const plan = new Set(this.planNames().map((p) => p.name));
    for (const [name, pane] of this.panes) {
      if (pane.proc !== null) this.panesById.delete(pane.proc);
      if (plan.has(name)) pane.prepare();
      else {
        pane.dispose();
        this.panes.delete(name);
      }
    }
    this.panesById.clear();
    this.paneGrid.dataset.count = String(this.panes.size);
  }

  private onProc(info: ProcInfo): void {
    const known = this.panesById.get(info.id);
    if (known) {
      known.update(info);
    } else {
      const pane = this.pane(info.name, info.role);
      if (pane.proc !== null) this.panesById.delete(pane.proc);
      pane.bind(info, pane.proc !== null);
      this.panesById.set(info.id, pane);
    }
    this.updateRunning();
  }

  private onOutput(proc: number, data: Uint8Array): void {
    const pane = this.panesById.get(proc);
    if (pane) pane.write(data, proc);
    else this.queueAck(proc, data.length); // nobody shows it: do not stall the program
  }

  private queueAck(proc: number, bytes: number): void {
    const total = (this.pendingAcks.get(proc) ?? 0) + bytes;
    this.pendingAcks.set(proc, total);
    if (total >= ACK_BATCH) this.flushAcks();
    else if (!this.ackTimer) this.ackTimer = setTimeout(() => this.flushAcks(), 0);
  }

  private flushAcks(): void {
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = null;
    if (this.link.session) {
      for (const [proc, bytes] of this.pendingAcks) if (bytes > 0) this.link.send({ type: 'ack', proc, bytes });
    }
    this.pendingAcks.clear();
  }

  private onSessionLost(): void {
    for (const pane of this.panes.values()) {
      if (pane.proc !== null) pane.unbind(pane.info?.state === 'exited' ? describeState(pane.info) : 'stopped: the session ended');
    }
    this.panesById.clear();
    this.pendingAcks.clear();
    if (this.checking) {
      this.checking = false;
      this.checklist.failed('the connection to the runner closed before the checks finished.');
    }
    this.updateRunning();
  }

  private updateRunning(): void {
    const running = [...this.panes.values()].some((p) => p.proc !== null && p.info?.state !== 'exited');
    this.el.dataset.running = running ? 'true' : 'false';
    this.buttons.check.setAttribute('aria-busy', this.checking ? 'true' : 'false');
    this.buttons.check.lastChild!.textContent = this.checking ? 'Checking…' : 'Check';
  }

  // ---------------------------------------------------------------- actions

  /** Makes sure there is a session in the current language; false (and says why) when there cannot be. */
  private async session(): Promise<boolean> {
    if (!this.link.connected) {
      if (this.link.state === 'connecting') this.message('info', 'Still connecting to the runner; try again in a moment.');
      else {
        // The box above already says what to do: draw the eye to it.
        this.offlineEl.classList.remove('wb-flash');
        void this.offlineEl.offsetWidth;
        this.offlineEl.classList.add('wb-flash');
      }
      return false;
    }
    try {
      await this.link.ensureSession(this.lang.id);
      return true;
    } catch (err) {
      this.message('error', `The runner could not start a session: ${(err as Error).message}`);
      return false;
    }
  }

  private sendFiles(): boolean {
    this.saveAll();
    return this.link.send({ type: 'files', files: this.currentFiles() });
  }

  async run(): Promise<void> {
    if (!(await this.session())) return;
    this.clearMessages();
    this.preparePanes();
    if (!this.sendFiles()) return;
    this.link.send({ type: 'run' });
  }

  private stop(): void {
    if (!this.link.session) {
      this.message('info', 'Nothing is running.');
      return;
    }
    this.link.send({ type: 'stop' });
  }

  private async addClient(): Promise<void> {
    if (!(await this.session())) return;
    if (!this.sendFiles()) return;
    this.link.send({ type: 'addClient' });
  }

  private async restartProc(pane: ProcPane): Promise<void> {
    if (pane.proc === null || !this.link.session) return;
    if (!this.sendFiles()) return;
    pane.line(`[restarting ${pane.name} with your current code]`, 2);
    this.link.send({ type: 'restart', proc: pane.proc });
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    if (!(await this.session())) return;
    this.clearMessages();
    if (!this.sendFiles()) return;
    this.checking = true;
    this.updateRunning();
    this.checklist.starting();
    this.link.send({ type: 'check' });
    this.checklist.el.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }

  private showLastCheck(): void {
    const raw = read(labKey(this.data.id, this.lang.id, 'checks'));
    if (!raw) return this.checklist.clear();
    try {
      this.checklist.showLast(JSON.parse(raw) as LastCheck, this.lang.label);
    } catch {
      this.checklist.clear();
    }
  }

  private expandedSpacer: HTMLElement | null = null;

  /**
   * Expanded: the workbench fills the window. It moves to <body> while
   * expanded (Starlight's layout makes stacking contexts a fixed element
   * inside the content column cannot escape), leaving a spacer of its
   * height so the lesson does not jump.
   */
  private toggleExpanded(): void {
    const on = !this.el.classList.contains('wb-expanded');
    if (on) {
      this.expandedSpacer = h('div', { class: 'wb-spacer', 'aria-hidden': 'true' });
      this.expandedSpacer.style.height = `${this.el.offsetHeight}px`;
      this.el.before(this.expandedSpacer);
      document.body.append(this.el);
    } else if (this.expandedSpacer) {
      this.expandedSpacer.replaceWith(this.el);
      this.expandedSpacer = null;
    }
    this.el.classList.toggle('wb-expanded', on);
    document.documentElement.classList.toggle('wb-no-scroll', on);
    this.buttons.expand.setAttribute('aria-pressed', String(on));
    this.buttons.expand.lastChild!.textContent = on ? 'Collapse' : 'Expand';
    if (on) {
      const onKey = (e: KeyboardEvent) => {
        // Escape outside the editor and terminals leaves the expanded view.
        if (e.key === 'Escape' && !(e.target as HTMLElement).closest('.wb-editor, .xterm, dialog')) {
          document.removeEventListener('keydown', onKey);
          if (this.el.classList.contains('wb-expanded')) this.toggleExpanded();
        }
      };
      document.addEventListener('keydown', onKey);
    } else {
      this.root.scrollIntoView({ block: 'start' });
    }
    this.buttons.expand.focus();
  }

  // --------------------------------------------------------------- messages

  private onMessage(msg: ServerMessage): void {
    switch (msg.type) {
      case 'hello':
        this.warningEl.hidden = !msg.warning;
        this.warningEl.textContent = msg.warning ? `⚠ ${msg.warning}` : '';
        return;
      case 'proc':
        return this.onProc(msg.proc);
      case 'notice': {
        if (msg.code === 'check_queued') {
          this.message('info', msg.message);
          return;
        }
        const pane = msg.proc !== undefined ? this.panesById.get(msg.proc) : undefined;
        if (pane) pane.line(`[socklab] ${msg.message}`, 33);
        else this.message('warning', msg.message);
        return;
      }
      case 'error':
        console.warn(`socklab runner error ${msg.code}: ${msg.message}`);
        if (msg.code === 'unknown_process') return; // a race with a process that just went away
        if (this.checking && (msg.code === 'no_grader' || msg.code === 'check_running' || msg.code === 'bad_files' || msg.code === 'files_too_large' || msg.code === 'internal')) {
          this.checking = false;
          this.checklist.failed(msg.message);
          this.updateRunning();
          return;
        }
        this.message('error', msg.message);
        return;
      case 'closed':
        if (msg.reason !== 'session_ended') this.message('info', msg.reason === 'idle' ? 'The session ended after a long idle time. Press Run to start again.' : `The session ended (${msg.reason}).`);
        return;
      case 'checkStarted':
        this.checklist.plan(msg.checks);
        return;
      case 'checkResult':
        this.checklist.result(msg.result);
        return;
      case 'checkDone': {
        this.checking = false;
        this.checklist.done(msg);
        this.updateRunning();
        const last: LastCheck = { at: new Date().toISOString(), passed: msg.passed, failed: msg.failed, skipped: msg.skipped, results: this.checklist.snapshot() };
        write(labKey(this.data.id, this.lang.id, 'checks'), JSON.stringify(last));
        if (msg.failed === 0 && msg.skipped === 0 && msg.passed > 0 && !read(labKey(this.data.id, 'done'))) {
          write(labKey(this.data.id, 'done'), last.at);
          this.message('success', `Every check passes: ${this.data.title} is done. Well done!`);
        }
        return;
      }
      case 'sockets':
        this.inspector.update(msg.sockets);
        return;
      case 'opened':
        this.inspector.sessionStarted();
        return;
      case 'files':
        return;
    }
  }

  private message(kind: 'info' | 'warning' | 'error' | 'success', text: string): void {
    const close = h('button', { type: 'button', class: 'wb-msg-close', 'aria-label': 'Dismiss message' }, '×');
    const li = h('li', { class: `wb-msg wb-msg-${kind}` }, h('span', { class: 'wb-msg-text' }, text), close);
    close.addEventListener('click', () => li.remove());
    this.messagesEl.prepend(li);
    while (this.messagesEl.children.length > 4) this.messagesEl.lastElementChild?.remove();
  }

  private clearMessages(): void {
    this.messagesEl.replaceChildren();
  }

  private onLinkState(state: LinkState, retryInMs?: number): void {
    this.el.dataset.link = state;
    if (this.countdown) clearInterval(this.countdown);
    this.countdown = null;
    if (state === 'connected') {
      const backend = this.link.hello?.backend;
      this.statusEl.textContent = `Connected to the runner${backend ? ` (sandbox: ${backend === 'bwrap' ? 'bubblewrap' : 'none, host processes'})` : ''}`;
      this.offlineEl.hidden = true;
      return;
    }
    if (state === 'connecting') {
      this.statusEl.textContent = this.link.seenRunner ? 'Reconnecting to the runner…' : 'Connecting to the runner…';
      return;
    }
    this.statusEl.textContent = this.link.seenRunner ? 'Disconnected from the runner' : 'Not connected: no runner is answering';
    this.offlineTitle.textContent = this.link.seenRunner ? 'The runner stopped answering. ' : 'No runner is answering. ';
    this.offlineEl.hidden = false;
    const until = Date.now() + (retryInMs ?? 0);
    const tick = () => {
      const s = Math.max(0, Math.ceil((until - Date.now()) / 1000));
      this.offlineRetry.textContent = `Trying again in ${s} s.`;
    };
    tick();
    this.countdown = setInterval(tick, 1000);
  }

  private setTheme(theme: Theme): void {
    if (theme === this.theme) return;
    this.theme = theme;
    this.el.dataset.theme = theme;
    monaco.editor.setTheme(editorTheme(theme));
    for (const pane of this.panes.values()) pane.setTheme(theme);
  }
}
