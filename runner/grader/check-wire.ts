/**
 * A check's packets (the `wire` grading option): the wire view's capture
 * (runner/wire/capture.ts) in the check's own sandbox, from before its first
 * program starts to after its teardown, so a failure the wire explains (a
 * reset instead of a FIN, a reply to the wrong port) comes with its packets.
 * At most `wireCheckPackets` are kept, and the capture's own per-second cap
 * holds; the rest are counted.
 */
import type { CheckWire, WirePacket } from '../../protocol/messages.ts';
import type { Limits } from '../limits.ts';
import type { Sandbox } from '../sandbox/index.ts';
import { WireCapture, ownerKey, type WireCaptureOptions } from '../wire/capture.ts';
import type { GraderSay } from './messages.ts';
import type { Transcript } from './transcript.ts';

/** What a check's capture needs from its harness. */
export interface CheckWireScope {
  wireOwners: WireCaptureOptions['owners'];
  transcript: Transcript;
  say: GraderSay;
}

/**
 * Starts a check's capture when `on`; the function it returns ends the
 * capture (call it after the check's teardown, before its sandbox closes)
 * and gives the packets, or undefined when there are none to give: off, or
 * it could not start, which a note in the check's transcript then says (the
 * host backend has no network of its own; the reader failed). The check
 * runs either way.
 */
export async function captureCheck(on: boolean | undefined, sandbox: Sandbox, limits: Limits, h: CheckWireScope): Promise<() => Promise<CheckWire | undefined>> {
  const none = async () => undefined;
  if (!on) return none;
  let command: string[] | null;
  try {
    command = sandbox.captureCommand(limits.wireHeadBytes, limits.wirePacketsPerSecond);
  } catch (err) {
    h.transcript.add('note', h.say('wire.channel'), h.say('wire.notStarted', { error: (err as Error).message }));
    return none;
  }
  if (!command) {
    h.transcript.add('note', h.say('wire.channel'), h.say('wire.noSandbox'));
    return none;
  }
  const kept: WirePacket[] = [];
  let dropped = 0;
  const onBatch = (packets: WirePacket[], left: number) => {
    const room = Math.max(0, limits.wireCheckPackets - kept.length);
    kept.push(...packets.slice(0, room));
    dropped += left + Math.max(0, packets.length - room);
  };
  let capture: WireCapture;
  try {
    capture = await WireCapture.start({ command, limits, owners: () => h.wireOwners(), onBatch });
  } catch (err) {
    h.transcript.add('note', h.say('wire.channel'), h.say('wire.notStarted', { error: (err as Error).message }));
    return none;
  }
  // The reader counts time from its start, the transcript from the check's: both on this machine's wall clock.
  const started = capture.startedAt - (Date.now() - h.transcript.now());
  return async () => {
    await capture.finish();
    const onCheckClock = kept.map((p) => ({ ...p, at: Math.round((p.at + started) * 10) / 10 }));
    return { packets: await named(onCheckClock, h), dropped };
  };
}

/**
 * The packets with every end named as well as it can be, the same in all of
 * them: a socket whose owner was known only after its first packets went by
 * is named from its later packets, and one last look at the owners, after
 * the check, names the grader's connections by their labels (a look while
 * one was being handed over saw only "grader").
 */
async function named(packets: WirePacket[], h: CheckWireScope): Promise<WirePacket[]> {
  const known = new Map<string, string>();
  for (const p of packets) for (const end of [p.src, p.dst]) if (end.owner) known.set(ownerKey(p.protocol, end.port), end.owner);
  const last = await h.wireOwners().catch(() => ({ byPort: new Map<string, string>() }));
  for (const [key, owner] of last.byPort) known.set(key, owner);
  return packets.map((p) => {
    const end = (e: WirePacket['src']) => {
      const owner = known.get(ownerKey(p.protocol, e.port));
      return owner === undefined || owner === e.owner ? e : { ...e, owner };
    };
    return { ...p, src: end(p.src), dst: end(p.dst) };
  });
}
