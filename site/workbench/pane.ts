/**
 * One process's terminal: an xterm.js pane labelled with the process's name
 * and state. Raw bytes from the runner go into xterm; keystrokes (Ctrl-C is
 * just "\x03") go back as `input`. Output is acknowledged once xterm has
 * rendered it (write callback), which is what the runner's flow control
 * waits for.
 *
 * xterm is handed at most XTERM_AHEAD bytes at a time; the rest of a flood
 * waits in the pane. Ctrl-C typed during a flood skips what waits, and what
 * is still on its way from the runner until the runner says the interrupt
 * reached the program (`interrupted`), as a terminal's line discipline
 * flushes its output queue on an interrupt: what the program wrote before
 * the interrupt is not worth seconds of drawing, and the student sees it
 * stop at once. A line says how much was skipped. (A quiet program never has
 * anything waiting, so nothing it wrote is skipped.)
 *
 * Rendering: the WebGL renderer when the browser has WebGL2, falling back to
 * xterm's DOM renderer when it has not or when the GL context is lost. The
 * WebGL addon (a quarter of xterm's code) is imported when the page is idle,
 * so the workbench does not wait for it to compile before it shows.
 */
import { Terminal, type ITheme } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import type { WebglAddon } from '@xterm/addon-webgl';
import { WebLinksAddon } from '@xterm/addon-web-links';
import type { ProcInfo } from '../../protocol/messages.ts';
import { h } from './dom.ts';
import { locale, procLabel, say } from './words.ts';

export interface PaneEvents {
  input(pane: ProcPane, data: string): void;
  resize(pane: ProcPane, cols: number, rows: number): void;
  restart(pane: ProcPane): void;
  /** Bytes xterm has rendered for this pane's current process. */
  rendered(proc: number, bytes: number): void;
}

/** Output handed to xterm ahead of its drawing: enough that it never waits for the next piece, little enough to draw in a frame or two. */
const XTERM_AHEAD = 64 * 1024;

/** Output waiting for xterm: a process's bytes, socklab's own control codes (proc null), or a line of socklab's own. */
type Waiting = { data: Uint8Array | string; proc: number | null } | { line: string; sgr: number };

export const TERMINAL_THEMES: Record<'light' | 'dark', ITheme> = {
  dark: {
    background: '#14161a',
    foreground: '#e6e6e6',
    cursor: '#e6e6e6',
    cursorAccent: '#14161a',
    selectionBackground: '#3a4a6b',
  },
  light: {
    background: '#fbfbfc',
    foreground: '#1d1f24',
    cursor: '#1d1f24',
    cursorAccent: '#fbfbfc',
    selectionBackground: '#c7d4f0',
    // xterm's default palette is tuned for dark backgrounds; darken the
    // colours that would be unreadable on white.
    black: '#1d1f24',
    red: '#c4262e',
    green: '#16803c',
    yellow: '#8a6100',
    blue: '#1f5fc4',
    magenta: '#a12fa8',
    cyan: '#0f7583',
    white: '#6b6f78',
    brightBlack: '#5a5e66',
    brightWhite: '#1d1f24',
    brightYellow: '#9a6b00',
    brightGreen: '#1c8f45',
  },
};

const LATIN_MONO = "ui-monospace, 'Cascadia Mono', 'SFMono-Regular', Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";
/**
 * The terminals' font. A terminal gives a Hangul syllable two cells; from a
 * Latin monospace font's fallback it is drawn narrower than those, so Korean
 * text came out letter-spaced ("안 녕  소 켓"). On a Korean page a Korean
 * monospace font (Hangul exactly two Latin cells wide) comes first where the
 * machine has one (D2Coding, Noto Sans Mono CJK KR on Linux, 돋움체 on
 * Windows); elsewhere the Latin stack is as before.
 */
export const TERMINAL_FONT = locale === 'ko' ? `D2Coding, 'Noto Sans Mono CJK KR', 'Sarasa Mono K', NanumGothicCoding, DotumChe, ${LATIN_MONO}` : LATIN_MONO;

let webglAvailable: boolean | undefined;
function hasWebGL2(): boolean {
  if (webglAvailable === undefined) {
    try {
      webglAvailable = Boolean(document.createElement('canvas').getContext('webgl2'));
    } catch {
      webglAvailable = false;
    }
  }
  return webglAvailable;
}

/** What a process's state reads as in its pane's label. */
export function describeState(info: ProcInfo | null): string {
  if (!info) return say('state.notStarted');
  switch (info.state) {
    case 'starting':
      return say('state.starting');
    case 'running':
      return say('state.running');
    case 'listening': {
      if (!info.listening?.length) return say('state.listening');
      // UDP has no listen(): a lesson that says so must not see its server "listening" on a UDP port.
      const ports = (protocol: string) => info.listening!.filter((l) => l.protocol === protocol).map((l) => `${l.port}/${l.protocol}`).join(', ');
      const tcp = ports('tcp');
      const udp = ports('udp');
      return [tcp && say('state.listeningOn', { ports: tcp }), udp && say('state.boundTo', { ports: udp })].filter(Boolean).join(', ');
    }
    case 'exited':
      if (info.exitCode !== undefined && !info.signal) return say('state.exitedWithCode', { code: info.exitCode });
      if (info.signal === 'SIGINT') return say('state.stoppedByCtrlC');
      if (info.signal) return say('state.stoppedBySignal', { signal: info.signal });
      return say('state.exited');
  }
}

export class ProcPane {
  readonly el: HTMLElement;
  readonly term: Terminal;
  private readonly fit = new FitAddon();
  private readonly stateEl: HTMLElement;
  private readonly restartBtn: HTMLButtonElement;
  private readonly screen: HTMLElement;
  private readonly resizeObserver: ResizeObserver;
  private webgl: WebglAddon | null = null;
  /** The runner's id of the process shown, once one started. */
  proc: number | null = null;
  info: ProcInfo | null = null;
  renderer: 'webgl' | 'dom' = 'dom';
  private fitQueued = false;
  private disposed = false;
  /** Whether xterm is open in the page (see open()). */
  private opened = false;
  /** Cleared for a run, waiting for its process (terminals.ts says what it waits for). */
  waiting = false;
  /** Whether Enter was typed since the process started (until then a client pane says to type a line). */
  private typedLine = false;
  /** Output not yet handed to xterm (see XTERM_AHEAD). */
  private waitingOutput: Waiting[] = [];
  /** Bytes handed to xterm and not yet drawn. */
  private inXterm = 0;
  /** Interrupts typed whose `interrupted` has not come back: output arriving meanwhile is skipped. */
  private interrupts = 0;
  /** Bytes skipped since the first of those interrupts. */
  private skipped = 0;

  /** The name the student reads ("클라이언트 1" on a Korean page); `name` is the runner's. */
  readonly label: string;

  constructor(
    readonly name: string,
    readonly role: string,
    theme: 'light' | 'dark',
    private readonly events: PaneEvents,
    /** The process reads lines from its terminal (a client), so its pane asks for one. */
    private readonly readsLines = false,
  ) {
    const label = (this.label = procLabel(name));
    this.stateEl = h('span', { class: 'wb-pane-state', 'aria-live': 'polite' }, say('state.notStarted'));
    this.restartBtn = h('button', { type: 'button', class: 'wb-pane-btn', title: say('pane.restartTitle', { name: label }), 'aria-label': say('pane.restartLabel', { name: label }) }, say('pane.restart'));
    this.restartBtn.hidden = true;
    this.restartBtn.addEventListener('click', () => this.events.restart(this));
    this.screen = h('div', { class: 'wb-pane-screen' });
    const keysId = `wb-pane-keys-${Math.random().toString(36).slice(2)}`;
    // The pane itself is the Tab stop, not xterm's textarea: inside the
    // terminal Tab belongs to the program, so a tabbable textarea would make
    // Tab cycle between it and the Restart button for ever. Enter goes in,
    // Esc comes back out, and Tab moves on to the next pane.
    this.el = h(
      'section',
      { class: 'wb-pane', 'data-state': 'idle', 'data-pane': name, role: 'region', 'aria-label': say('pane.label', { name: label }), 'aria-describedby': keysId, tabindex: '0' },
      h(
        'header',
        { class: 'wb-pane-head' },
        h('span', { class: 'wb-pane-name' }, label),
        this.stateEl,
        h('span', { class: 'wb-pane-keys', id: keysId }, say('pane.focusHint')),
        this.restartBtn,
      ),
      this.screen,
    );
    this.el.addEventListener('keydown', (e) => {
      if (e.target === this.el && e.key === 'Enter' && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        this.term.focus();
      }
    });
    this.term = new Terminal({
      fontFamily: TERMINAL_FONT,
      fontSize: 13,
      lineHeight: 1.15,
      cursorBlink: true,
      scrollback: 5000,
      theme: TERMINAL_THEMES[theme],
      allowProposedApi: false,
    });
    this.term.loadAddon(this.fit);
    this.term.loadAddon(new WebLinksAddon());
    this.term.onData((data) => {
      if (this.proc === null || this.info?.state === 'exited') return;
      if (data.includes('\x03')) {
        this.interrupts++;
        this.dropOutput(true);
      }
      this.events.input(this, data);
      if (!this.typedLine && data.includes('\r')) {
        this.typedLine = true;
        this.showState();
      }
    });
    this.term.onResize(({ cols, rows }) => this.events.resize(this, cols, rows));
    // Escape hands focus back to the page (Tab stays in the terminal, as a
    // shell needs it); Ctrl/Cmd+Enter is the workbench's Run.
    this.term.attachCustomKeyEventHandler((e) => {
      if (e.type === 'keydown' && e.key === 'Escape' && !e.ctrlKey && !e.altKey && !e.metaKey && !e.shiftKey) {
        this.el.focus();
        return false;
      }
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) return false;
      return true;
    });
    this.resizeObserver = new ResizeObserver(() => this.queueFit());
  }

  /**
   * Puts the terminal into the page once its screen has a size: xterm
   * measures its characters when it opens, and a terminal opened hidden (a
   * phone's Code tab shows no terminals) would stay unmeasured and blank.
   * Output written before that is kept and shown then.
   */
  open(): void {
    this.resizeObserver.observe(this.screen);
    this.queueFit();
  }

  private openNow(): void {
    this.opened = true;
    this.term.open(this.screen);
    this.term.textarea?.setAttribute('aria-label', say('pane.input', { name: this.label }));
    this.term.textarea?.setAttribute('tabindex', '-1');
    // The DOM renderer draws at once; the WebGL one (a GL context and a glyph atlas per pane) comes when the
    // page is idle, so the workbench is usable first.
    if ('requestIdleCallback' in window) requestIdleCallback(() => this.loadWebgl(), { timeout: 2000 });
    else setTimeout(() => this.loadWebgl(), 0);
  }

  private loadWebgl(): void {
    if (this.disposed || !hasWebGL2()) return;
    import('@xterm/addon-webgl').then(
      ({ WebglAddon }) => this.useWebgl(WebglAddon),
      () => void (this.el.dataset.renderer = this.renderer), // not loaded: the DOM renderer stays
    );
  }

  private useWebgl(WebglAddon: typeof import('@xterm/addon-webgl').WebglAddon): void {
    if (this.disposed) return;
    try {
      const addon = new WebglAddon();
      addon.onContextLoss(() => {
        // Back to the DOM renderer; the text is kept.
        addon.dispose();
        if (this.webgl === addon) this.webgl = null;
        this.renderer = 'dom';
        this.el.dataset.renderer = 'dom';
      });
      this.term.loadAddon(addon);
      this.webgl = addon;
      this.renderer = 'webgl';
    } catch {
      this.webgl = null;
      this.renderer = 'dom';
    }
    this.el.dataset.renderer = this.renderer;
  }

  private queueFit(): void {
    if (this.fitQueued || this.disposed) return;
    this.fitQueued = true;
    requestAnimationFrame(() => {
      this.fitQueued = false;
      if (this.disposed || !this.screen.isConnected || this.screen.clientWidth === 0) return;
      if (!this.opened) this.openNow();
      try {
        this.fit.fit();
      } catch {
        /* not measurable yet */
      }
    });
  }

  /** Shows a new process (a fresh run) in this pane. */
  bind(info: ProcInfo, fresh: boolean): void {
    if (fresh) this.reset();
    this.proc = info.id;
    this.interrupts = 0; // an interrupt typed to the last process is not this one's
    this.skipped = 0;
    this.waiting = false;
    this.typedLine = false;
    this.update(info);
    // The runner starts a pty at 80x24; tell it our real size.
    this.events.resize(this, this.term.cols, this.term.rows);
  }

  update(info: ProcInfo): void {
    const before = this.info?.state;
    this.info = info;
    this.el.dataset.state = info.state;
    if (info.state === 'starting') this.typedLine = false;
    this.showState();
    this.restartBtn.hidden = false;
    if (info.state === 'exited' && before !== 'exited') {
      this.line(say('pane.ended', { name: this.label, state: describeState(info) }), 2);
      this.queue({ data: '\x1b[?25l', proc: null }); // no cursor: nothing reads the keyboard any more
    } else if (info.state === 'starting' && before === 'exited') {
      this.queue({ data: '\x1b[?25h', proc: null });
    }
  }

  private showState(): void {
    const running = this.info?.state === 'running';
    this.stateEl.textContent = running && this.readsLines && !this.typedLine ? say('pane.typeALine') : describeState(this.info);
  }

  /**
   * While the pane waits for its process: says what for. A `final` note
   * (the process will not start) is also written into the terminal.
   */
  waitNote(text: string, final: boolean): void {
    if (!this.waiting || this.stateEl.textContent === text) return;
    this.stateEl.textContent = text;
    if (final) {
      this.waiting = false;
      this.line(`[${text}]`, 2);
    }
  }

  /** No process any more (stopped before starting, or the session ended). */
  unbind(reason: string): void {
    if (this.proc !== null && this.info?.state !== 'exited') this.line(`[${reason}]`, 2);
    this.proc = null;
    this.info = null;
    this.waiting = false;
    this.el.dataset.state = 'idle';
    this.stateEl.textContent = reason;
    this.restartBtn.hidden = true;
  }

  /** Resets the pane for a coming run: clears the screen, waits for its process. */
  prepare(): void {
    this.reset();
    this.proc = null;
    this.info = null;
    this.waiting = true;
    this.el.dataset.state = 'idle';
    this.stateEl.textContent = say('pane.waiting');
    this.restartBtn.hidden = true;
  }

  /** Output of process `proc`, drawn after everything before it. */
  write(data: Uint8Array, proc: number): void {
    if (this.interrupts && proc === this.proc) {
      this.skipped += data.length;
      this.events.rendered(proc, data.length);
    } else this.queue({ data, proc });
  }

  /** The runner says an interrupt typed here reached process `proc`: what it writes from now on is drawn. */
  interrupted(proc: number): void {
    if (proc !== this.proc || !this.interrupts || --this.interrupts) return;
    // Said, so that a student does not wonder where the end of the output went.
    if (this.skipped) this.line(say('pane.outputSkipped', { size: `${Math.max(1, Math.round(this.skipped / 1024))} KiB` }), 2);
    this.skipped = 0;
  }

  /**
   * A line from socklab itself (not the program), dim (2) or yellow (33),
   * on a line of its own once everything written before it is parsed.
   */
  line(text: string, sgr: 2 | 33 | 31): void {
    this.queue({ line: text, sgr });
  }

  private queue(item: Waiting): void {
    this.waitingOutput.push(item);
    this.handOn();
  }

  /** Hands waiting output to xterm while it has less than XTERM_AHEAD to draw; a line once it has drawn everything before it. */
  private handOn(): void {
    while (this.waitingOutput.length && this.inXterm < XTERM_AHEAD && !this.disposed) {
      const item = this.waitingOutput[0]!;
      if ('line' in item) {
        if (this.inXterm > 0) return; // where the cursor is is known only then
        const fresh = this.term.buffer.active.cursorX === 0;
        this.waitingOutput.shift();
        this.put(`${fresh ? '' : '\r\n'}\x1b[${item.sgr}m${item.line}\x1b[0m\r\n`, null);
      } else {
        this.waitingOutput.shift();
        this.put(item.data, item.proc);
      }
    }
  }

  private put(data: Uint8Array | string, proc: number | null): void {
    this.inXterm += data.length;
    this.term.write(data, () => {
      this.inXterm -= data.length;
      if (proc !== null) this.events.rendered(proc, data.length);
      this.handOn();
    });
  }

  /**
   * Drops the programs' output still waiting (acknowledged, never drawn):
   * on an interrupt, keeping socklab's own lines; on a reset, all of it.
   */
  private dropOutput(keepLines: boolean): void {
    const kept: Waiting[] = [];
    for (const item of this.waitingOutput) {
      if ('data' in item && item.proc !== null) {
        this.skipped += item.data.length;
        this.events.rendered(item.proc, item.data.length);
      } else if (keepLines) kept.push(item);
    }
    this.waitingOutput = kept;
  }

  /** A new process, or none: nothing of the last one is drawn or skipped any more. */
  private reset(): void {
    this.dropOutput(false);
    this.interrupts = 0;
    this.skipped = 0;
    this.term.reset();
  }

  setTheme(theme: 'light' | 'dark'): void {
    this.term.options.theme = TERMINAL_THEMES[theme];
  }

  focus(): void {
    this.term.focus();
  }

  dispose(): void {
    this.disposed = true;
    this.resizeObserver.disconnect();
    this.term.dispose();
    this.el.remove();
  }
}
