/**
 * The Replay page's player: opens a recorded run (protocol/recording.ts
 * checks it; a bad file gets its RecordingErrorCode's sentence), then plays
 * its panes (read-only xterm), its Check results (the workbench's own
 * checklist) and its packets (a plain list) in step, with play, pause,
 * speed and a scrubber. Time is the recording's: every item carries its
 * milliseconds since the start, and the player applies those up to its
 * position; going back replays from the start.
 */
import { Terminal } from '@xterm/xterm';
import { readRecording, parseCast } from '../../protocol/recording.ts';
import type { RecordedMessage, RecordingFile } from '../../protocol/recorder.ts';
import type { WirePacket } from '../../protocol/messages.ts';
import { Checklist } from '../workbench/checklist.ts';
import { h } from '../workbench/dom.ts';
import { TERMINAL_FONT, TERMINAL_THEMES } from '../workbench/pane.ts';
import { locale, procLabel, say } from '../workbench/words.ts';
import { RecordingErrorCode } from '../../protocol/constants.ts';
import { t as translate } from '../../protocol/i18n/catalog.ts';

/** A catalog message whose key is built from a code (every RecordingErrorCode has one: replay.error.<code>). */
const t = translate as (l: typeof locale, key: string, params: Record<string, string>) => string;
import '@xterm/xterm/css/xterm.css';
import '../workbench/workbench.css';
import './replay.css';

type Step = { t: number; apply: () => void };

const SPEEDS = [1, 2, 4] as const;

/** What tests and the curious read: `document.querySelector('[data-socklab-replay]').replay`. */
export interface ReplayHandle {
  /** The text a pane shows now, its lines joined with "\n", trailing blanks trimmed. */
  text(pane: string): string;
  /** Current position and length, in ms. */
  position(): { at: number; duration: number };
}

/** The course's words for a recording's ids (Replay.astro): lab titles and language names. */
type Names = { labs?: Record<string, string>; langs?: Record<string, string> };

class Player {
  private readonly terms = new Map<string, Terminal>();
  private readonly checklist = new Checklist();
  private readonly packets = h('ol', { class: 'rp-packets' });
  private readonly steps: Step[] = [];
  private readonly duration: number;
  private applied = 0;
  private at = 0;
  private speed: number = 1;
  private playing = false;
  private frame = 0;
  private last = 0;
  private readonly playBtn: HTMLButtonElement;
  private readonly scrubber: HTMLInputElement;
  private readonly clock: HTMLElement;

  constructor(
    readonly el: HTMLElement,
    private readonly recording: RecordingFile,
    names: Names = {},
  ) {
    const theme = document.documentElement.dataset.theme === 'light' ? 'light' : 'dark';
    this.duration = Math.max(recording.durationMs, 1);
    const panes = h('div', { class: 'rp-panes', 'aria-label': say('replay.panes'), role: 'group' });
    for (const pane of recording.panes) {
      const cast = parseCast(pane.cast);
      if (!cast.ok) continue;
      const term = new Terminal({ fontFamily: TERMINAL_FONT, disableStdin: true, cursorBlink: false, cols: cast.header.width, rows: cast.header.height, scrollback: 5000, theme: TERMINAL_THEMES[theme], convertEol: false });
      const box = h('div', { class: 'rp-term' });
      panes.append(h('section', { class: 'rp-pane', 'data-rp-pane': pane.name }, h('h3', {}, procLabel(pane.name)), box));
      term.open(box);
      this.terms.set(pane.name, term);
      for (const [sec, code, data] of cast.events) if (code === 'o') this.steps.push({ t: sec * 1000, apply: () => term.write(data) });
    }
    for (const { t, msg } of recording.events) this.steps.push({ t, apply: () => this.show(msg) });
    // Stable: items at the same time keep the order they were recorded in.
    this.steps.sort((a, b) => a.t - b.t);

    this.playBtn = h('button', { type: 'button', class: 'wb-btn wb-btn-primary', 'data-rp-play': '' }, say('replay.play'));
    this.playBtn.addEventListener('click', () => (this.playing ? this.pause() : this.play()));
    const speed = h('select', { class: 'wb-select', 'aria-label': say('replay.speed'), 'data-rp-speed': '' });
    for (const s of SPEEDS) speed.append(h('option', { value: String(s) }, `${s}×`));
    speed.addEventListener('change', () => (this.speed = Number(speed.value)));
    this.scrubber = h('input', { type: 'range', min: '0', max: String(this.duration), step: '1', value: '0', class: 'rp-scrubber', 'aria-label': say('replay.position'), 'data-rp-scrubber': '' });
    this.scrubber.addEventListener('input', () => this.seek(Number(this.scrubber.value)));
    this.clock = h('span', { class: 'rp-clock' });
    const when = new Date(recording.startedAt * 1000).toLocaleString(locale);
    const about = h('p', { class: 'rp-about' }, say('replay.about', { lab: names.labs?.[recording.lab] ?? recording.lab, lang: names.langs?.[recording.lang] ?? recording.lang, when, seconds: (recording.durationMs / 1000).toFixed(1) }));
    const { cut } = recording;
    const cutNote = cut.outputBytes + cut.events + cut.wirePackets ? h('p', { class: 'rp-cut', role: 'note' }, say('replay.cut', { bytes: cut.outputBytes, packets: cut.wirePackets, messages: cut.events })) : null;
    const hasChecks = recording.events.some((e) => e.msg.type === 'checkStarted' || e.msg.type === 'checkResult');
    const hasWire = recording.events.some((e) => e.msg.type === 'wire');
    this.checklist.el.hidden = false;
    el.append(
      about,
      cutNote ?? '',
      h('div', { class: 'rp-controls', role: 'group' }, this.playBtn, h('label', { class: 'rp-speed' }, say('replay.speed'), ' ', speed), this.scrubber, this.clock),
      panes,
      h('section', { class: 'rp-checks' }, h('h3', {}, say('replay.checks')), hasChecks ? this.checklist.el : h('p', {}, say('replay.noChecks'))),
      hasWire ? h('section', { class: 'rp-wire' }, h('h3', {}, say('replay.packets')), this.packets) : '',
    );
    this.tick();
  }

  private show(msg: RecordedMessage): void {
    if (msg.type === 'checkStarted') {
      this.checklist.clear();
      this.checklist.plan(msg.checks);
    } else if (msg.type === 'checkResult') this.checklist.result(msg.result);
    else if (msg.type === 'checkDone') this.checklist.done(msg);
    else if (msg.type === 'wire') for (const p of msg.packets) this.packets.append(packetRow(p));
  }

  play(): void {
    if (this.at >= this.duration) this.seek(0);
    this.playing = true;
    this.playBtn.textContent = say('replay.pause');
    this.last = performance.now();
    this.frame = requestAnimationFrame(this.loop);
  }

  pause(): void {
    this.playing = false;
    this.playBtn.textContent = say('replay.play');
    cancelAnimationFrame(this.frame);
  }

  private readonly loop = (now: number): void => {
    if (!this.playing) return;
    this.at = Math.min(this.duration, this.at + (now - this.last) * this.speed);
    this.last = now;
    this.tick();
    if (this.at >= this.duration) this.pause();
    else this.frame = requestAnimationFrame(this.loop);
  };

  /** Moves to `ms`; going back clears everything and replays from the start. */
  seek(ms: number): void {
    if (ms < this.at) {
      for (const term of this.terms.values()) term.reset();
      this.checklist.clear();
      this.checklist.el.hidden = false;
      this.packets.replaceChildren();
      this.applied = 0;
    }
    this.at = Math.max(0, Math.min(this.duration, ms));
    this.tick();
  }

  private tick(): void {
    while (this.applied < this.steps.length && this.steps[this.applied]!.t <= this.at) this.steps[this.applied++]!.apply();
    this.scrubber.value = String(Math.round(this.at));
    this.clock.textContent = say('replay.clock', { at: (this.at / 1000).toFixed(1), total: (this.duration / 1000).toFixed(1) });
    this.el.dataset.position = String(Math.round(this.at));
  }

  handle(): ReplayHandle {
    return {
      text: (name) => {
        const buf = this.terms.get(name)?.buffer.active;
        if (!buf) return '';
        const lines: string[] = [];
        for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
        return lines.join('\n').replace(/\s+$/, '');
      },
      position: () => ({ at: this.at, duration: this.duration }),
    };
  }
}

/** One packet as a line: time, ends, flags, length (the Wire panel's diagram is the workbench's). */
function packetRow(p: WirePacket): HTMLLIElement {
  const end = (e: WirePacket['src']) => `${e.owner ? procLabel(e.owner) : e.addr}:${e.port}`;
  const flags = p.flags?.length ? ` [${p.flags.join('+')}]` : '';
  const win = p.win === undefined ? '' : ` win=${p.win}`;
  return h('li', {}, `${(p.at / 1000).toFixed(3)}  ${p.protocol.toUpperCase()} ${end(p.src)} → ${end(p.dst)}${flags} len=${p.len}${win}`);
}

type Root = HTMLElement & { replay?: ReplayHandle };

/**
 * Wires the page's drop zone and its button (the file input itself stays
 * hidden: a browser words it in its own language): each file dropped or
 * chosen replaces the player.
 */
function mount(root: Root): void {
  const maxBytes = Number(root.dataset.maxBytes);
  const names = JSON.parse(root.dataset.names ?? '{}') as Names;
  const drop = root.querySelector<HTMLElement>('[data-rp-drop]')!;
  const input = root.querySelector<HTMLInputElement>('[data-rp-file]')!;
  const status = h('p', { class: 'rp-error', role: 'alert', hidden: true });
  const stage = h('div', { class: 'rp-stage' });
  root.append(status, stage);
  let player: Player | null = null;
  const open = async (file: File) => {
    player?.pause();
    stage.replaceChildren();
    // Too large is known before reading a byte of it.
    const read = file.size > maxBytes ? ({ ok: false, code: RecordingErrorCode.recording_too_large, message: '' } as const) : readRecording(await file.text(), maxBytes);
    if (!read.ok) {
      status.textContent = t(locale, `replay.error.${read.code}`, { detail: read.message });
      status.hidden = false;
      root.dataset.state = 'error';
      root.dataset.error = read.code;
      return;
    }
    status.hidden = true;
    delete root.dataset.error;
    player = new Player(stage, read.recording, names);
    root.replay = player.handle();
    root.dataset.state = 'loaded';
  };
  input.addEventListener('change', () => {
    if (input.files?.[0]) void open(input.files[0]);
    // The same file chosen again (fixed on disk since) is read again.
    input.value = '';
  });
  // The whole zone opens the chooser, its button included (the keyboard's way in).
  drop.addEventListener('click', () => input.click());
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('rp-over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('rp-over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('rp-over');
    const file = e.dataTransfer?.files[0];
    if (file) void open(file);
  });
  root.dataset.state = 'empty';
}

const root = document.querySelector<Root>('[data-socklab-replay]');
if (root) mount(root);
