import { describe, expect, it } from 'vitest';
import { ExitMarkerScanner } from './exit-marker.ts';

const TAG = 'a1b2c3d4e5f6a7b8';
const marker = (code: number, sig = 0) => Buffer.from(`\x1b]6973;${TAG};${code};${sig}\x07`, 'latin1');

describe('ExitMarkerScanner', () => {
  it('passes output through and reports the marker', () => {
    const s = new ExitMarkerScanner(TAG);
    const out = s.push(Buffer.concat([Buffer.from('hello\r\n'), marker(3)]));
    expect(out.toString()).toBe('hello\r\n');
    expect(s.status).toEqual({ code: 3, signal: 0 });
  });

  it('finds a marker split across chunks at every position, without leaking its bytes', () => {
    const whole = Buffer.concat([Buffer.from('x'.repeat(50)), marker(130, 2)]);
    for (let cut = 0; cut <= whole.length; cut++) {
      const s = new ExitMarkerScanner(TAG);
      const out = Buffer.concat([s.push(whole.subarray(0, cut)), s.push(whole.subarray(cut))]);
      expect(out.toString(), `cut at ${cut}`).toBe('x'.repeat(50));
      expect(s.status).toEqual({ code: 130, signal: 2 });
    }
  });

  it('removes the ready marker of a launcher started ahead, split at every position, and still finds the exit marker after it', () => {
    const ready = Buffer.from(`\x1b]6973;${TAG};ready\x07`, 'latin1');
    const whole = Buffer.concat([ready, Buffer.from('out'), marker(0)]);
    for (let cut = 0; cut <= whole.length; cut++) {
      const s = new ExitMarkerScanner(TAG);
      const out = Buffer.concat([s.push(whole.subarray(0, cut)), s.push(whole.subarray(cut))]);
      expect(out.toString(), `cut at ${cut}`).toBe('out');
      expect(s.ready).toBe(true);
      expect(s.status).toEqual({ code: 0, signal: 0 });
    }
    // Another tag's ready marker is plain output.
    const s = new ExitMarkerScanner(TAG);
    const fake = Buffer.from('\x1b]6973;ffffffffffffffff;ready\x07', 'latin1');
    expect(s.push(fake).equals(fake)).toBe(true);
    expect(s.ready).toBe(false);
  });

  it('ignores a marker with another tag: a program cannot fake its exit', () => {
    const s = new ExitMarkerScanner(TAG);
    const fake = Buffer.from('\x1b]6973;ffffffffffffffff;0;0\x07', 'latin1');
    expect(s.push(fake).equals(fake)).toBe(true);
    expect(s.status).toBeNull();
  });

  it('gives back held bytes that turned out not to be a marker', () => {
    const s = new ExitMarkerScanner(TAG);
    const out = s.push(Buffer.from('abc\x1b]69'));
    expect(out.toString()).toBe('abc');
    expect(s.flush().toString('latin1')).toBe('\x1b]69');
    const s2 = new ExitMarkerScanner(TAG);
    expect(Buffer.concat([s2.push(Buffer.from('\x1b]6')), s2.push(Buffer.from('x done'))]).toString()).toBe('\x1b]6x done');
  });

  it('refuses a weak tag', () => {
    expect(() => new ExitMarkerScanner('abc')).toThrow();
  });
});
