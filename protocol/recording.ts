/**
 * The recorded run's file (protocol/recorder.ts writes it): its one schema,
 * and `readRecording`, which every reader (the Replay page, `socklab
 * replay`) opens a file with. A bad or foreign file gets a RecordingErrorCode
 * and a sentence, never an exception.
 */
import { z } from 'zod';
import { RECORDING_FORMAT, RECORDING_VERSION, RecordingErrorCode } from './constants.ts';
import { ServerMessage } from './messages.ts';
import type { RecordingFile } from './recorder.ts';

/** asciicast v2's header line (the fields we write and those asciinema may add). */
export const CastHeader = z.looseObject({
  version: z.literal(2),
  width: z.number().int().min(1),
  height: z.number().int().min(1),
  timestamp: z.number().int().optional(),
  title: z.string().optional(),
});

/** One asciicast v2 event: [seconds, code, data]. */
export const CastEvent = z.tuple([z.number().min(0), z.enum(['o', 'i', 'm', 'r']), z.string()]);

/** Parses asciicast v2 text; null and why when a line is not v2. */
export function parseCast(text: string): { ok: true; header: z.infer<typeof CastHeader>; events: z.infer<typeof CastEvent>[] } | { ok: false; message: string } {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const json = (line: string, n: number): unknown => {
    try {
      return JSON.parse(line);
    } catch {
      throw new Error(`line ${n + 1} is not JSON`);
    }
  };
  try {
    const header = CastHeader.safeParse(json(lines[0] ?? '', 0));
    if (!header.success) return { ok: false, message: 'the first line is not an asciicast v2 header' };
    const events: z.infer<typeof CastEvent>[] = [];
    let last = 0;
    for (let i = 1; i < lines.length; i++) {
      const e = CastEvent.safeParse(json(lines[i]!, i));
      if (!e.success) return { ok: false, message: `line ${i + 1} is not an asciicast v2 event` };
      if (e.data[0] < last) return { ok: false, message: `line ${i + 1} goes back in time` };
      last = e.data[0];
      events.push(e.data);
    }
    return { ok: true, header: header.data, events };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

const RecordedMessage = ServerMessage.options.filter((o) => ['proc', 'checkStarted', 'checkResult', 'checkDone', 'wire'].includes(o.shape.type.value));

/** A recording's shape (the type is protocol/recorder.ts's RecordingFile; this checks it). */
export const Recording = z.strictObject({
  format: z.literal(RECORDING_FORMAT),
  version: z.literal(RECORDING_VERSION),
  lab: z.string().max(64),
  lang: z.string().max(32),
  startedAt: z.number().int().min(0),
  durationMs: z.number().min(0),
  panes: z
    .array(
      z.strictObject({
        proc: z.number().int().min(1).max(255),
        name: z.string().max(64),
        cast: z.string().refine((c) => parseCast(c).ok, 'not asciicast v2'),
      }),
    )
    .max(255),
  events: z.array(z.strictObject({ t: z.number().min(0), msg: z.union(RecordedMessage as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]) })),
  cut: z.strictObject({ outputBytes: z.number().int().min(0), events: z.number().int().min(0), wirePackets: z.number().int().min(0) }),
});

export type RecordingResult = { ok: true; recording: RecordingFile } | { ok: false; code: RecordingErrorCode; message: string };

/** Opens a recording's text; `maxBytes` is RECORDING_LIMITS.maxFileBytes. */
export function readRecording(text: string, maxBytes: number): RecordingResult {
  if (text.length > maxBytes) return { ok: false, code: RecordingErrorCode.recording_too_large, message: `the file is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB` };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, code: RecordingErrorCode.recording_not_json, message: 'the file is not a socklab recording (not JSON)' };
  }
  const head = z.looseObject({ format: z.literal(RECORDING_FORMAT), version: z.literal(RECORDING_VERSION) }).safeParse(data);
  if (!head.success) return { ok: false, code: RecordingErrorCode.recording_foreign, message: `the file is not a socklab recording of version ${RECORDING_VERSION}` };
  const full = Recording.safeParse(data);
  if (!full.success) {
    const issue = full.error.issues[0]!;
    return { ok: false, code: RecordingErrorCode.recording_malformed, message: `the recording is damaged at ${issue.path.join('.') || 'its top'}: ${issue.message}` };
  }
  return { ok: true, recording: full.data as RecordingFile };
}
