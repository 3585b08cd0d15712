/**
 * Records a run from the protocol's own messages: the page feeds it what its
 * socket receives ("Share this run"), the CLI what its session reports
 * (`--record`). Zod-free and DOM-free so the workbench bundles it; the file's
 * shape is checked on load by protocol/recording.ts.
 *
 * Kept: each pane's output as an asciicast v2 stream, the `proc` lifecycle,
 * the Check's messages (with each check's packets when it was graded with
 * the wire on) and the wire packets. Not kept: `hello` (the runner's
 * backend), `opened` (the session id), notices and errors: nothing about the
 * machine beyond the run itself.
 */
import { RECORDING_FORMAT, RECORDING_VERSION } from './constants.ts';
import type { ProcInfo, ServerMessage } from './messages.ts';

/** The messages a recording keeps, in order, each with its time. */
export type RecordedMessage = Extract<ServerMessage, { type: 'proc' | 'checkStarted' | 'checkResult' | 'checkDone' | 'wire' }>;

const KEPT: ReadonlySet<string> = new Set(['proc', 'checkStarted', 'checkResult', 'checkDone', 'wire']);

/** The bounds a recorder keeps to (runner/limits.ts RECORDING_LIMITS). */
export interface RecorderLimits {
  maxPaneBytes: number;
  maxOutputBytes: number;
  maxEvents: number;
  maxWirePackets: number;
}

/** One pane: its process and its output as asciicast v2 text (header line, then one event per line). */
export interface RecordedPane {
  proc: number;
  name: string;
  cast: string;
}

/** What was left out to keep the recording within its limits. */
export interface RecordingCut {
  outputBytes: number;
  events: number;
  wirePackets: number;
}

/** A recorded run, as saved (JSON). */
export interface RecordingFile {
  format: typeof RECORDING_FORMAT;
  version: typeof RECORDING_VERSION;
  lab: string;
  lang: string;
  /** Unix seconds when recording began (asciicast's header carries the same). */
  startedAt: number;
  durationMs: number;
  panes: RecordedPane[];
  /** Milliseconds since the start, and the message. */
  events: { t: number; msg: RecordedMessage }[];
  cut: RecordingCut;
}

interface PaneState {
  name: string;
  decoder: TextDecoder;
  events: [number, 'o', string][];
  bytes: number;
}

/** Pane size written in each cast's header when the recorder was not told one. */
const DEFAULT_SIZE = { width: 80, height: 24 };

export class Recorder {
  private readonly started: number;
  private readonly panes = new Map<number, PaneState>();
  private readonly events: RecordingFile['events'] = [];
  private readonly cut: RecordingCut = { outputBytes: 0, events: 0, wirePackets: 0 };
  private outputBytes = 0;
  private wirePackets = 0;

  /** `now` is milliseconds (Date.now by default; tests and replays may pass their own clock). */
  constructor(
    private readonly run: { lab: string; lang: string; size?: { width: number; height: number } },
    private readonly limits: RecorderLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  private elapsed(): number {
    return Math.max(0, this.now() - this.started);
  }

  /** Feeds one message the runner sent; those a recording does not keep are ignored. */
  message(msg: ServerMessage): void {
    if (!KEPT.has(msg.type)) return;
    const kept = msg as RecordedMessage;
    if (kept.type === 'proc') this.pane(kept.proc);
    if (this.events.length >= this.limits.maxEvents) {
      this.cut.events++;
      if (kept.type === 'wire') this.cut.wirePackets += kept.packets.length;
      if (kept.type === 'checkResult') this.cut.wirePackets += kept.result.wire?.packets.length ?? 0;
      return;
    }
    if (kept.type === 'checkResult' && kept.result.wire) {
      // A check's packets count against the same bound as the wire view's.
      const { packets, dropped } = kept.result.wire;
      const room = Math.max(0, this.limits.maxWirePackets - this.wirePackets);
      const shown = packets.slice(0, room);
      this.cut.wirePackets += packets.length - shown.length;
      this.wirePackets += shown.length;
      this.events.push({ t: this.elapsed(), msg: { ...kept, result: { ...kept.result, wire: { packets: shown, dropped: dropped + packets.length - shown.length } } } });
      return;
    }
    if (kept.type === 'wire') {
      const room = Math.max(0, this.limits.maxWirePackets - this.wirePackets);
      const packets = kept.packets.slice(0, room);
      this.cut.wirePackets += kept.packets.length - packets.length;
      if (packets.length === 0) return;
      this.wirePackets += packets.length;
      this.events.push({ t: this.elapsed(), msg: { ...kept, packets } });
      return;
    }
    this.events.push({ t: this.elapsed(), msg: kept });
  }

  /** Feeds bytes a process wrote to its terminal. */
  output(proc: number, data: Uint8Array): void {
    const pane = this.panes.get(proc) ?? this.pane({ id: proc, name: `#${proc}` });
    const room = Math.min(this.limits.maxPaneBytes - pane.bytes, this.limits.maxOutputBytes - this.outputBytes);
    const kept = room >= data.length ? data : data.subarray(0, Math.max(0, room));
    this.cut.outputBytes += data.length - kept.length;
    if (kept.length === 0) return;
    pane.bytes += kept.length;
    this.outputBytes += kept.length;
    const text = pane.decoder.decode(kept, { stream: true });
    if (text) pane.events.push([this.elapsed() / 1000, 'o', text]);
  }

  private pane(info: Pick<ProcInfo, 'id' | 'name'>): PaneState {
    let pane = this.panes.get(info.id);
    if (!pane) {
      pane = { name: info.name, decoder: new TextDecoder('utf-8'), events: [], bytes: 0 };
      this.panes.set(info.id, pane);
    }
    pane.name = info.name;
    return pane;
  }

  /** The recording so far, ready to save (JSON.stringify). Recording may go on after. */
  finish(): RecordingFile {
    const startedAt = Math.floor(this.started / 1000);
    const size = this.run.size ?? DEFAULT_SIZE;
    const panes = [...this.panes.entries()].map(([proc, p]) => {
      const tail = p.decoder.decode();
      const events = tail ? [...p.events, [this.elapsed() / 1000, 'o', tail] as const] : p.events;
      const header = { version: 2, width: size.width, height: size.height, timestamp: startedAt, title: p.name };
      return { proc, name: p.name, cast: [header, ...events].map((line) => JSON.stringify(line)).join('\n') + '\n' };
    });
    return {
      format: RECORDING_FORMAT,
      version: RECORDING_VERSION,
      lab: this.run.lab,
      lang: this.run.lang,
      startedAt,
      durationMs: this.elapsed(),
      panes,
      events: [...this.events],
      cut: { ...this.cut },
    };
  }
}

/** Says what a recording left out, or null when it kept everything. */
export function describeCut(cut: RecordingCut): string | null {
  const parts = [
    cut.outputBytes ? `${cut.outputBytes} bytes of terminal output` : '',
    cut.events ? `${cut.events} messages` : '',
    cut.wirePackets ? `${cut.wirePackets} packets` : '',
  ].filter(Boolean);
  return parts.length ? `the recording reached its size limit; not kept: ${parts.join(', ')}` : null;
}
