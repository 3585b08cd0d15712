/**
 * A recording's packet bound holds for a check's packets (grading with the
 * wire on) as for the wire view's: what is over it is cut and counted.
 */
import { describe, expect, it } from 'vitest';
import type { CheckResult, WirePacket } from './messages.ts';
import { readRecording } from './recording.ts';
import { Recorder } from './recorder.ts';

const packet = (n: number): WirePacket => ({ n, at: n, protocol: 'udp', src: { addr: '127.0.0.1', port: 40000 }, dst: { addr: '127.0.0.1', port: 12000, owner: 'your server' }, len: 4 });
const result = (id: string, packets: WirePacket[]): CheckResult => ({ id, name: id, role: 'server', status: 'failed', durationMs: 1, transcript: [], outputs: [], wire: { packets, dropped: 1 } });

describe('a recording of a grade with the wire on', () => {
  it("counts a check's packets against its packet bound, cuts the rest and says so", () => {
    const rec = new Recorder({ lab: 'udp-echo', lang: 'python' }, { maxPaneBytes: 1000, maxOutputBytes: 1000, maxEvents: 100, maxWirePackets: 3 });
    rec.message({ type: 'checkResult', result: result('a', [packet(0), packet(1)]) });
    rec.message({ type: 'checkResult', result: result('b', [packet(2), packet(3), packet(4)]) });
    rec.message({ type: 'wire', packets: [packet(5)], dropped: 0 });
    const file = rec.finish();
    const wires = file.events.flatMap((e) => (e.msg.type === 'checkResult' ? [e.msg.result.wire] : []));
    expect(wires).toEqual([{ packets: [packet(0), packet(1)], dropped: 1 }, { packets: [packet(2)], dropped: 3 }]);
    expect(file.events.some((e) => e.msg.type === 'wire')).toBe(false);
    expect(file.cut.wirePackets).toBe(3);
    // And the file reads back: the check's packets are in the protocol's shape.
    const read = readRecording(JSON.stringify(file), 1024 * 1024);
    expect(read.ok).toBe(true);
  });
});
