/**
 * The terminal panes: one per process of the run plan (server, then
 * clients), plus one per client added while running. Routes the runner's
 * output to the pane of its process and the keys typed there back, and
 * acknowledges rendered output in batches, which is what the runner's flow
 * control waits for.
 */
import type { ClientMessage, ProcInfo } from '../../protocol/messages.ts';
import { h } from './dom.ts';
import { DisposableStore, toDisposable, type Disposable } from './disposable.ts';
import { describeState, ProcPane } from './pane.ts';
import { procLabel, say } from './words.ts';
import type { WorkbenchData } from './types.ts';

/** Bytes of output acknowledged at once; smaller amounts go at the end of the turn. */
const ACK_BATCH = 64 * 1024;

export interface TerminalsEvents {
  /** Sends to the session; false when there is none (nothing is sent then). */
  send(msg: ClientMessage): boolean;
  /** The student asked to restart a pane's process. */
  restart(pane: ProcPane): void;
  /** A process started or ended. */
  changed(): void;
}

type Planned = { name: string; role: string };

/** The panes of the run plan as it will start: "server", "client 1", ... */
function planNames(processes: WorkbenchData['processes']): Planned[] {
  const out: Planned[] = [];
  for (const p of processes) {
    const numbered = p.addable || p.instances > 1;
    for (let i = 1; i <= p.instances; i++) out.push({ name: numbered ? `${p.role} ${i}` : p.role, role: p.role });
  }
  return out;
}

export class Terminals implements Disposable {
  readonly el: HTMLElement;
  private readonly plan: Planned[];
  /** The process the others wait for (the runner starts them once it is ready), with its pane's name. */
  private readonly gate: { pane: string; role: string; port: string; tcp: boolean } | null;
  /** Roles that read lines typed into their terminal (every role nothing waits for: the clients). */
  private readonly readers: Set<string>;
  private readonly panes = new Map<string, ProcPane>();
  private readonly byId = new Map<number, ProcPane>();
  private readonly pendingAcks = new Map<number, number>();
  private ackTimer: Disposable | null = null;
  private readonly store = new DisposableStore();

  constructor(
    processes: WorkbenchData['processes'],
    private theme: 'light' | 'dark',
    private readonly events: TerminalsEvents,
  ) {
    this.plan = planNames(processes);
    const gate = processes.find((p) => p.ready);
    this.gate = gate?.ready
      ? { pane: this.plan.find((p) => p.role === gate.role)!.name, role: gate.role, port: `${gate.ready.port}/${gate.ready.protocol}`, tcp: gate.ready.protocol === 'tcp' }
      : null;
    this.readers = new Set(processes.filter((p) => !p.ready).map((p) => p.role));
    this.el = h('div', { class: 'wb-panes', role: 'group', 'aria-label': say('terminals.label') });
    this.store.add(toDisposable(() => this.panes.forEach((pane) => pane.dispose())));
  }

  /** Draws the plan's panes; call once the grid is in the document (xterm measures it). */
  open(): void {
    for (const { name, role } of this.plan) this.pane(name, role);
  }

  private pane(name: string, role: string): ProcPane {
    let pane = this.panes.get(name);
    if (pane) return pane;
    pane = new ProcPane(name, role, this.theme, {
      input: (p, data) => {
        if (p.proc !== null) this.events.send({ type: 'input', proc: p.proc, data });
      },
      resize: (p, cols, rows) => {
        if (p.proc !== null && p.info?.state !== 'exited') this.events.send({ type: 'resize', proc: p.proc, cols, rows });
      },
      restart: (p) => this.events.restart(p),
      rendered: (proc, bytes) => this.queueAck(proc, bytes),
    }, this.readers.has(role));
    this.panes.set(name, pane);
    this.el.append(pane.el);
    pane.open();
    this.el.dataset.count = String(this.panes.size);
    return pane;
  }

  /** Before a Run: the plan's panes cleared, panes of added clients gone. */
  prepare(): void {
    const plan = new Set(this.plan.map((p) => p.name));
    for (const [name, pane] of this.panes) {
      if (plan.has(name)) pane.prepare();
      else {
        pane.dispose();
        this.panes.delete(name);
      }
    }
    this.byId.clear();
    this.el.dataset.count = String(this.panes.size);
    this.explainWaiting();
  }

  /** A process started or changed state. */
  proc(info: ProcInfo): void {
    const known = this.byId.get(info.id);
    if (known) known.update(info);
    else {
      const pane = this.pane(info.name, info.role);
      if (pane.proc !== null) this.byId.delete(pane.proc);
      pane.bind(info, pane.proc !== null);
      this.byId.set(info.id, pane);
    }
    this.explainWaiting();
    this.events.changed();
  }

  /**
   * Panes still waiting for their process say why: the runner starts them
   * once the gate (the server) is ready, and not at all when it ended first.
   */
  private explainWaiting(): void {
    if (!this.gate) return;
    const gate = this.panes.get(this.gate.pane);
    const { role, port, tcp } = this.gate;
    const state = gate?.info?.state;
    for (const pane of this.panes.values()) {
      if (pane === gate || !pane.waiting) continue;
      if (state === 'starting' || state === 'running') pane.waitNote(say(tcp ? 'pane.waitingListen' : 'pane.waitingBind', { server: procLabel(role), port }), false);
      else if (state === 'listening') pane.waitNote(say('state.starting'), false);
      else if (state === 'exited') pane.waitNote(say('pane.notStarted', { server: procLabel(role), how: describeState(gate!.info), port }), true);
    }
  }

  output(proc: number, data: Uint8Array): void {
    const pane = this.byId.get(proc);
    if (pane) pane.write(data, proc);
    else this.queueAck(proc, data.length); // nobody shows it: do not stall the program
  }

  /** The pane of a session process, if it shows one. */
  paneOf(proc: number): ProcPane | undefined {
    return this.byId.get(proc);
  }

  /** The session is gone: every pane says how its process ended. */
  sessionLost(): void {
    for (const pane of this.panes.values()) {
      if (pane.proc !== null) pane.unbind(pane.info?.state === 'exited' ? describeState(pane.info) : say('pane.sessionEnded'));
    }
    this.byId.clear();
    this.pendingAcks.clear();
    this.events.changed();
  }

  /** Whether any process is running. */
  get running(): boolean {
    return [...this.panes.values()].some((p) => p.proc !== null && p.info?.state !== 'exited');
  }

  /** What a pane's terminal shows, as text, a line the program wrote as one line however the pane wraps it (the WebGL renderer has no DOM text to read). */
  text(name: string): string {
    const buf = this.panes.get(name)?.term.buffer.active;
    if (!buf) return '';
    const lines: string[] = [];
    for (let i = 0; i < buf.length; i++) {
      const line = buf.getLine(i);
      const text = line?.translateToString(!buf.getLine(i + 1)?.isWrapped) ?? '';
      if (line?.isWrapped && lines.length) lines[lines.length - 1] += text;
      else lines.push(text);
    }
    return lines.map((l) => l.trimEnd()).join('\n').replace(/\n+$/, '');
  }

  setTheme(theme: 'light' | 'dark'): void {
    this.theme = theme;
    for (const pane of this.panes.values()) pane.setTheme(theme);
  }

  private queueAck(proc: number, bytes: number): void {
    const total = (this.pendingAcks.get(proc) ?? 0) + bytes;
    this.pendingAcks.set(proc, total);
    if (total >= ACK_BATCH) this.flushAcks();
    else if (!this.ackTimer) this.ackTimer = this.store.timeout(() => this.flushAcks(), 0);
  }

  private flushAcks(): void {
    this.store.drop(this.ackTimer);
    this.ackTimer = null;
    for (const [proc, bytes] of this.pendingAcks) if (bytes > 0 && !this.events.send({ type: 'ack', proc, bytes })) break;
    this.pendingAcks.clear();
  }

  dispose(): void {
    this.store.dispose();
  }
}
