/**
 * The lab workbench: wires its parts together and holds their lifecycle.
 * loader.ts imports this module on first use and calls `mount` on the
 * server-rendered placeholder (see site/components/Workbench.astro), which
 * carries the lab's data as JSON.
 *
 * The parts, each owning one thing: toolbar.ts (the controls), files.ts
 * (the student's files and their saving), tabs.ts (the editor and its
 * tabs), terminals.ts (a pane per process, output acknowledgement),
 * status.ts (connection line and messages), checks.ts (Check and its
 * remembered verdicts), inspector.ts (live sockets), wire.ts (live
 * packets), expand.ts (the
 * full-window view), and link.ts (the runner connection). Everything they start is disposed by one
 * `Workbench.dispose()`.
 *
 * Protocol use (protocol/messages.ts): a connection opens one session, in
 * the language shown, on the first Run/Check/Add client; Run sends the
 * editor's files then `run`; Check sends the files then `check`. Switching
 * language ends the session (the runner closes the socket; the link
 * reconnects at once) and the next Run opens one in the new language.
 *
 * Monaco is not in this bundle: the workbench mounts with a plain editor
 * (plain-editor.ts), so the student reads, edits and runs their code while
 * Monaco (editor.ts, about 3 MB) is still arriving and compiling; it then
 * takes the plain editor's place (tabs.ts) with the text, cursor, undo
 * steps and focus.
 *
 * Everything the student writes is saved in localStorage as they type (see
 * progress.ts for the keys), so a reload, a lost connection or a runner
 * restart loses nothing. A session the runner lost (link.ts: the ownership
 * close code) is said, and a new one opens by itself.
 */
import { CloseReason, ErrorCode, NoticeCode, type Language } from '../../protocol/constants.ts';
import type { ServerMessage, StudentFile } from '../../protocol/messages.ts';
import { Checks } from './checks.ts';
import { createConfirm } from './dialog.ts';
import type { EarlySocket } from './early-socket.ts';
import { DisposableStore, toDisposable, type Disposable } from './disposable.ts';
import { h } from './dom.ts';
import { Expander } from './expand.ts';
import { LabFiles } from './files.ts';
import { Inspector } from './inspector.ts';
import { WireView } from './wire.ts';
import { PreviewPane } from './preview.ts';
import { RunnerLink } from './link.ts';
import type { ProcPane } from './pane.ts';
import { labKey, read, write } from './progress.ts';
import { StatusBar } from './status.ts';
import { FileTabs, type EditorModule } from './tabs.ts';
import { Terminals } from './terminals.ts';
import { createToolbar, lockSolution, type Toolbar } from './toolbar.ts';
import { Recorder } from '../../protocol/recorder.ts';
import { downloadRecording } from './share.ts';
import type { WorkbenchData, WorkbenchLanguage } from './types.ts';
import { locale, runnerSays, say } from './words.ts';
// Monaco's rules come later (editor.ts appends them when it runs); they are all under .monaco-* and none of ours is.
import '@xterm/xterm/css/xterm.css';
import './workbench.css';

type Theme = 'light' | 'dark';
type Root = HTMLElement & { socklab?: Workbench };

const pageTheme = (): Theme => (document.documentElement.dataset.theme === 'light' ? 'light' : 'dark');


let editorModule: Promise<EditorModule> | null = null;
/** Monaco (editor.ts), imported once: the mount and the loader's idle preload share it. */
export const loadEditor = (): Promise<EditorModule> => {
  editorModule ??= import('./editor.ts');
  editorModule.catch(() => void (editorModule = null)); // a later mount tries again
  return editorModule;
};

/**
 * Mounts the workbench in place of the root's placeholder; `dispose()` puts
 * the placeholder back. `socket`: the runner connection the loader opened
 * while this bundle loaded (early-socket.ts), taken over as the first one.
 */
export function mount(root: Root, opts: { focus?: boolean; socket?: EarlySocket | null } = {}): Workbench {
  const json = root.querySelector('script[data-wb-data]')?.textContent;
  if (!json) throw new Error('the page has no workbench data');
  const wb = new Workbench(root, JSON.parse(json) as WorkbenchData, opts.socket ?? null);
  // For tests and the curious: document.querySelector('[data-socklab-workbench]').socklab
  root.socklab = wb;
  if (opts.focus) wb.focusEditor();
  wb.loadEditor();
  return wb;
}

export class Workbench implements Disposable {
  private lang: WorkbenchLanguage;
  private theme: Theme = pageTheme();
  private readonly store = new DisposableStore();
  private readonly el: HTMLElement;
  private readonly toolbar: Toolbar;
  /** Everything this page has received since it loaded (or last switched language), for "Share this run". */
  private recorder: Recorder;
  private readonly status: StatusBar;
  private readonly files: LabFiles;
  private readonly tabs: FileTabs;
  private readonly terminals: Terminals;
  private readonly checks: Checks;
  private readonly inspector: Inspector;
  private readonly wire: WireView;
  private readonly preview: PreviewPane | null;
  private readonly link: RunnerLink;
  private readonly confirm: ReturnType<typeof createConfirm>;
  /** Whether the student turned the lab's loss switch on. */
  private loss = false;
  /** A press of "Stop Check" was sent for the Check running (the button says "Stopping…" until it ends). */
  private checkStopAsked = false;
  /** The student flipped the switch: the runner's answer is worth a message. */
  private lossAsked = false;
  /** The session was lost under the student: the next connection opens a new one unasked. */
  private reopen = false;
  /**
   * Whether the runner would send the solution now: under `after-pass`,
   * once this session's last Check passed every check (the runner decides;
   * this only keeps the button honest).
   */
  private solutionOpen: boolean;
  /** A `solution` asked of the runner and not yet answered: called with its files, or null when refused. */
  private solutionWanted: ((files: StudentFile[] | null) => void) | null = null;

  constructor(
    private readonly root: Root,
    private readonly data: WorkbenchData,
    socket: EarlySocket | null = null,
  ) {
    const store = this.store;
    const stored = read(labKey(data.id, 'lang'));
    this.lang = data.languages.find((l) => l.id === stored) ?? data.languages[0]!;
    this.recorder = new Recorder({ lab: data.id, lang: this.lang.id }, data.recording);
    this.solutionOpen = data.solutionPolicy === 'always';

    this.toolbar = createToolbar(data, this.lang.id, store, {
      run: () => void this.run(),
      stop: () => this.stop(),
      check: () => void this.check(),
      addClient: () => void this.addClient(),
      reset: () => void this.resetToStarter(),
      solution: () => void this.showSolution(),
      share: () => this.share(),
      language: (id) => void this.switchLanguage(id),
      network: (on) => this.setNetwork(on),
    });
    this.status = store.add(new StatusBar(() => this.link.retryNow()));
    this.checks = new Checks(data, {
      changed: () => this.showRunning(),
      labDone: () => this.status.message('success', say('main.labDone', { title: data.title })),
    });
    this.files = store.add(
      new LabFiles(data.id, {
        edited: (lang) => {
          if (lang === this.lang) this.checks.edited();
        },
        saveFailed: () => this.status.message('warning', say('main.saveFailed')),
        changedElsewhere: (_lang, name) => this.status.message('info', say('files.changedElsewhere', { file: name })),
        conflict: (_lang, name, load) => this.status.message('warning', say('files.conflict', { file: name }), { label: say('files.loadOther'), run: load }),
      }),
    );
    this.terminals = store.add(
      new Terminals(data.processes, this.theme, {
        send: (msg) => this.link.session !== null && this.link.send(msg),
        restart: (pane) => this.restartProc(pane),
        changed: () => this.showRunning(),
      }),
    );
    this.inspector = new Inspector(
      (id) => this.terminals.paneOf(id)?.label,
      (on) => this.link.session !== null && this.link.send({ type: 'inspect', on }),
    );
    this.wire = store.add(new WireView((on) => this.link.session !== null && this.link.send({ type: 'wire', on })));

    this.preview = data.preview ? new PreviewPane(data.preview.port, store, () => void this.session().then((ok) => ok && this.link.send({ type: 'preview' }))) : null;
    const fileBar = h('div', { class: 'wb-filebar' }, this.toolbar.fileActions);
    const editorCol = h('div', { class: 'wb-editor-col' }, fileBar);
    this.el = h(
      'div',
      { class: 'wb', 'data-theme': this.theme, role: 'group', 'aria-label': say('workbench.label', { title: data.title }) },
      this.toolbar.el,
      this.status.bar,
      this.status.box,
      this.status.messages,
      h('div', { class: 'wb-main' }, editorCol, this.terminals.el),
      this.preview?.el,
      this.inspector.el,
      this.wire.el,
      this.checks.checklist.el,
      this.toolbar.help,
    );
    this.confirm = createConfirm(this.el);
    const placeholder = root.querySelector<HTMLElement>('[data-wb-placeholder]');
    if (placeholder) placeholder.hidden = true;
    root.append(this.el);
    root.dataset.state = 'ready';
    store.add(
      toDisposable(() => {
        this.el.remove();
        if (placeholder) placeholder.hidden = false;
        delete root.dataset.state;
        if (root.socklab === this) delete root.socklab;
      }),
    );

    // Ctrl+Enter (or Cmd+Enter) runs from anywhere inside, before Monaco or xterm see it.
    store.listen(
      this.el,
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
    store.add(new Expander(this.el, root, this.toolbar.buttons.expand));

    // Connect first (or take the loader's connection): the WebSocket handshake overlaps creating the editor.
    this.link = store.add(
      new RunnerLink(data.id, locale, {
        state: (state, detail) => {
          this.el.dataset.link = state;
          this.status.link(state, { seenRunner: this.link.seenRunner, backend: this.link.hello?.backend, ...detail });
          if (state === 'connected' && this.reopen) {
            this.reopen = false;
            void this.session();
          }
        },
        message: (msg) => {
          this.recorder.message(msg);
          this.onMessage(msg);
        },
        output: (proc, bytes) => {
          this.recorder.output(proc, bytes);
          this.terminals.output(proc, bytes);
        },
        sessionLost: () => this.onSessionLost(),
      }, socket),
    );
    this.link.connect();

    this.tabs = store.add(new FileTabs(data.id, this.files, this.theme, fileBar, editorCol));
    this.showLanguage();
    this.terminals.open();
    this.checks.showLast(this.lang);

    // Light/dark follows Starlight's theme switch.
    const themes = new MutationObserver(() => this.setTheme(pageTheme()));
    themes.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    store.add(toDisposable(() => themes.disconnect()));
    store.listen(window, 'pagehide', () => this.files.saveAll());
    store.listen(document, 'visibilitychange', () => {
      if (document.visibilityState === 'hidden') this.files.saveAll();
    });
  }

  focusEditor(): void {
    this.tabs.focus();
  }

  /**
   * Monaco takes over the editor once it has arrived; until then (or if it
   * never does) the plain editor serves. Its import starts after the first
   * frame with the workbench in it: evaluating Monaco is one long task
   * (half a second and more here), which would otherwise hold back that
   * frame and the terminals opening in it.
   */
  loadEditor(): void {
    let started = false;
    const go = (): void => {
      if (started || this.store.isDisposed) return;
      started = true;
      loadEditor().then(
        (m) => {
          if (!this.store.isDisposed) this.tabs.upgrade(m);
        },
        (err: unknown) => console.warn(`socklab: the code editor did not load, the plain one stays: ${String(err)}`),
      );
    };
    requestAnimationFrame(() => this.store.timeout(go, 0));
    this.store.timeout(go, 1000); // a page not drawing frames (a hidden tab) still gets it
  }

  /** What a process's terminal shows, as text (the WebGL renderer has no DOM text to read). */
  paneText(name: string): string {
    return this.terminals.text(name);
  }

  /** The text of a file in the editor (current language). */
  fileText(name: string): string {
    return this.files.model(this.lang, name).getValue();
  }

  /**
   * Ends the workbench: the session and its connection, every listener,
   * observer and timer, the editor and terminals; typed text still waiting
   * to be saved is saved. The placeholder comes back, so the loader can
   * mount it again.
   */
  dispose(): void {
    this.store.dispose();
  }

  // ------------------------------------------------------------------ files

  private async resetToStarter(): Promise<void> {
    const names = this.lang.starter.map((f) => f.name).join(', ');
    const yes = await this.confirm(say('main.resetTitle'), say('main.resetText', { files: names, language: this.lang.label }), say('main.resetOk'));
    if (!yes || this.store.isDisposed) return;
    this.files.resetToStarter(this.lang);
    this.tabs.refresh();
    this.tabs.focus();
  }

  /**
   * Show solution: under `always` the page holds the solution; otherwise it
   * is asked of the runner, which answers only when the lab's policy allows.
   * The student's own code is kept aside, and a message offers it back.
   */
  private async showSolution(): Promise<void> {
    if (this.data.solutionPolicy === 'never') return;
    if (!this.solutionOpen) return this.status.message('info', say('main.solutionLocked'));
    const lang = this.lang;
    const yes = await this.confirm(say('main.solutionTitle'), say('main.solutionText', { language: lang.label }), say('main.solutionOk'));
    if (!yes || this.store.isDisposed) return;
    const solution = lang.solution.length ? lang.solution : await this.askSolution();
    if (!solution || this.store.isDisposed || lang !== this.lang) return;
    this.files.showSolution(lang, solution);
    this.tabs.refresh();
    this.tabs.focus();
    this.status.message('info', say('main.solutionShown', { language: lang.label }), { label: say('main.solutionRestore'), run: () => this.restoreMine(lang) });
  }

  /** The student's code as it was before the solution came in. */
  private restoreMine(lang: WorkbenchLanguage): void {
    if (this.store.isDisposed || lang !== this.lang || !this.files.restoreMine(lang)) return;
    this.tabs.refresh();
    this.tabs.focus();
  }

  /** The solution's files from the runner, in this session's language; null (the status line says why) when refused. */
  private async askSolution(): Promise<StudentFile[] | null> {
    if (!(await this.session())) return null;
    this.solutionWanted?.(null);
    const answer = new Promise<StudentFile[] | null>((resolve) => {
      const timer = this.store.timeout(() => {
        this.solutionWanted = null;
        this.status.message('error', say('main.solutionNoAnswer'));
        resolve(null);
      }, 15_000);
      this.solutionWanted = (files) => {
        this.store.drop(timer);
        this.solutionWanted = null;
        resolve(files);
      };
    });
    if (!this.link.send({ type: 'solution' })) this.solutionWanted?.(null);
    return answer;
  }

  /** Under `after-pass`, Show solution follows whether this session's last Check passed every check. */
  private setSolutionOpen(open: boolean): void {
    if (this.data.solutionPolicy !== 'after-pass' || open === this.solutionOpen) return;
    this.solutionOpen = open;
    lockSolution(this.toolbar.buttons.solution, !open);
  }

  private showLanguage(): void {
    this.toolbar.langSelect.value = this.lang.id;
    this.el.dataset.lang = this.lang.id;
    this.tabs.show(this.lang);
  }

  private async switchLanguage(id: Language): Promise<void> {
    const lang = this.data.languages.find((l) => l.id === id);
    if (!lang || lang === this.lang) return;
    this.files.saveAll();
    const prev = this.lang;
    this.lang = lang;
    write(labKey(this.data.id, 'lang'), lang.id);
    this.showLanguage();
    this.checks.showLast(lang);
    this.setSolutionOpen(false);
    // A session runs one language: end it; the next Run opens one in this language.
    if (this.link.session) {
      this.status.message('info', say('main.switched', { language: lang.label, previous: prev.label }));
      try {
        await this.link.endSession();
      } catch {
        /* the status line tells */
      }
    }
  }

  // ---------------------------------------------------------------- actions

  /** Makes sure there is a session in the current language; false (and says why) when there cannot be. */
  private async session(): Promise<boolean> {
    if (!this.link.connected) {
      if (this.link.state === 'connecting') this.status.message('info', say('main.stillConnecting'));
      else this.status.flash(); // the box already says what to do: draw the eye to it
      return false;
    }
    try {
      await this.link.ensureSession(this.lang.id);
      return true;
    } catch (err) {
      const { code, message } = err as Error & { code?: string };
      this.status.message('error', say('main.sessionFailed', { message: code ? runnerSays('error', code, message) : message }));
      return false;
    }
  }

  private sendFiles(): boolean {
    this.files.saveAll();
    return this.link.send({ type: 'files', files: this.files.current(this.lang) });
  }

  private async run(): Promise<void> {
    if (!(await this.session())) return;
    this.status.clearMessages();
    this.terminals.prepare();
    // "Share this run" shares this run: what came before it is another run.
    this.recorder = new Recorder({ lab: this.data.id, lang: this.lang.id }, this.data.recording);
    if (!this.sendFiles()) return;
    this.link.send({ type: 'run' });
    if (this.preview) this.link.send({ type: 'preview' });
    this.ran();
  }

  /** Saves what the page received since the last Run as a recording file the Replay page opens. */
  private share(): void {
    const recording = this.recorder.finish();
    downloadRecording(recording);
    const cut = recording.cut.outputBytes + recording.cut.events + recording.cut.wirePackets;
    this.status.message(cut ? 'warning' : 'info', cut ? say('share.cut', { bytes: recording.cut.outputBytes, packets: recording.cut.wirePackets, messages: recording.cut.events }) : say('share.saved'));
  }

  /** Tells the page's layout (layout.ts) that there is an outcome to show. */
  private ran(): void {
    this.root.dispatchEvent(new Event('socklab:ran'));
  }

  private stop(): void {
    if (!this.link.session) return this.status.message('info', say('main.nothingRunning'));
    this.link.send({ type: 'stop' });
  }

  private async addClient(): Promise<void> {
    if (!(await this.session())) return;
    if (!this.sendFiles()) return;
    this.link.send({ type: 'addClient' });
  }

  private restartProc(pane: ProcPane): void {
    if (pane.proc === null || !this.link.session) return;
    if (!this.sendFiles()) return;
    pane.line(say('pane.restarting', { name: pane.label }), 2);
    this.link.send({ type: 'restart', proc: pane.proc });
  }

  private async check(): Promise<void> {
    if (this.checks.isRunning) {
      // The button reads "Stop Check" while one runs: a press stops it (once).
      if (!this.checkStopAsked && this.link.send({ type: 'checkStop' })) {
        this.checkStopAsked = true;
        this.showRunning();
      }
      return;
    }
    if (!(await this.session())) return;
    this.status.clearMessages();
    if (!this.sendFiles()) return;
    this.checkStopAsked = false;
    this.checks.start();
    this.link.send({ type: 'check', ...(this.toolbar.checkWire.checked ? { wire: true } : {}) });
    this.ran();
  }

  /**
   * The loss switch: kept here for the page's life and sent to every session
   * it opens (see 'opened'), so a reconnect or a restarted runner keeps it.
   */
  private setNetwork(on: boolean): void {
    this.loss = on;
    if (this.link.session && this.link.send({ type: 'network', loss: on })) this.lossAsked = true;
  }

  private showNetwork(on: boolean): void {
    this.loss = on;
    if (this.toolbar.loss) this.toolbar.loss.checked = on;
  }

  private showRunning(): void {
    this.el.dataset.running = this.terminals.running ? 'true' : 'false';
    const check = this.toolbar.buttons.check;
    const checking = this.checks.isRunning;
    check.setAttribute('aria-busy', checking ? 'true' : 'false');
    check.firstChild!.textContent = checking ? '■' : '✓';
    check.lastChild!.textContent = say(!checking ? 'toolbar.check' : this.checkStopAsked ? 'toolbar.checkStopping' : 'toolbar.checkStop');
    check.title = say(checking ? 'toolbar.checkStopTitle' : 'toolbar.checkTitle');
  }

  private onSessionLost(): void {
    this.setSolutionOpen(false);
    this.solutionWanted?.(null);
    this.terminals.sessionLost();
    this.checks.failed(say('checks.connectionClosed'));
  }

  private setTheme(theme: Theme): void {
    if (theme === this.theme) return;
    this.theme = theme;
    this.el.dataset.theme = theme;
    this.tabs.setTheme(theme);
    this.terminals.setTheme(theme);
  }

  // --------------------------------------------------------------- messages

  private onMessage(msg: ServerMessage): void {
    switch (msg.type) {
      case 'hello':
        return this.status.warning(msg.warningCode ? `${runnerSays('warning', msg.warningCode, msg.warning ?? '')}${msg.warningDetail ? ` (${msg.warningDetail})` : ''}` : msg.warning);
      case 'proc':
        if (msg.proc.state === 'listening') this.preview?.reload();
        return this.terminals.proc(msg.proc);
      case 'preview':
        return this.preview?.show(msg.url);
      case 'interrupted':
        return this.terminals.paneOf(msg.proc)?.interrupted(msg.proc);
      case 'notice': {
        const pane = msg.proc !== undefined ? this.terminals.paneOf(msg.proc) : undefined;
        const text = runnerSays('notice', msg.code, msg.message, pane?.label);
        // The student was working: a new session waits for them (their code is in this browser, not in the session).
        if (msg.code === NoticeCode.session_lost) this.reopen = true;
        if (msg.code === NoticeCode.check_queued) return this.status.message('info', text);
        if (pane) pane.line(`[socklab] ${text}`, 33);
        else this.status.message('warning', text);
        return;
      }
      case 'error':
        console.warn(`socklab runner error ${msg.code}: ${msg.message}`);
        if (msg.code === ErrorCode.unknown_process) return; // a race with a process that just went away
        if (msg.code === ErrorCode.not_offered) this.showNetwork(false);
        if (msg.code === ErrorCode.solution_hidden) {
          this.solutionWanted?.(null);
          this.setSolutionOpen(false);
        }
        if (msg.code === ErrorCode.check_stopped) return this.checks.stopped();
        if (this.checks.endsWith(msg)) return this.checks.failed(runnerSays('error', msg.code, msg.message));
        return this.status.message('error', runnerSays('error', msg.code, msg.message));
      case 'closed':
        if (msg.reason === CloseReason.idle) this.status.message('info', say('main.idleEnded'));
        return;
      case 'checkStarted':
      case 'checkResult':
        return this.checks.message(msg, this.lang);
      case 'checkDone':
        // The runner's rule (runner/solution-policy.ts): every check ran and passed.
        this.setSolutionOpen(msg.failed === 0 && msg.skipped === 0 && msg.passed > 0);
        return this.checks.message(msg, this.lang);
      case 'solution':
        return this.solutionWanted?.(msg.lang === this.lang.id ? msg.files : null);
      case 'sockets':
        return this.inspector.update(msg.sockets);
      case 'wire':
        return this.wire.add(msg.packets, msg.dropped);
      case 'opened':
        // A new session (after a reconnect, a restarted runner, another
        // language) starts with no network condition: the switch says again.
        if (this.loss) this.link.send({ type: 'network', loss: true });
        this.wire.sessionStarted();
        return this.inspector.sessionStarted();
      case 'network':
        this.showNetwork(msg.loss > 0);
        if (this.lossAsked) {
          this.lossAsked = false;
          const offered = this.data.network?.loss;
          if (offered) this.status.message('info', msg.loss > 0 ? say('network.on', { percent: msg.loss, port: `${offered.port}/${offered.protocol}` }) : say('network.off'));
        }
        return;
      case 'files':
        return;
    }
  }
}
