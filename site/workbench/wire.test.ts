/**
 * A packet's bytes as text beside the hex dump: UTF-8 beyond ASCII (what a
 * Korean student types) is shown as the characters it is, where the dump's
 * text column shows dots.
 */
import { describe, expect, it } from 'vitest';
import { hexDump, utf8Text } from './wire.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

describe("the packet view's text", () => {
  it('reads UTF-8 beyond ASCII as its characters, which the dump shows as dots', () => {
    expect(hexDump(bytes('안녕 소켓\n'))).toMatch(/\.\.\.\.\.\. \.\.\.\.\.\.\.$/);
    expect(utf8Text(bytes('안녕 소켓 héllo\n'))).toBe('안녕 소켓 héllo\n');
  });

  it('says nothing for ASCII (the dump shows it) or bytes that are not UTF-8', () => {
    expect(utf8Text(bytes('hello\n'))).toBeNull();
    expect(utf8Text(Uint8Array.of(0x68, 0x69, 0xff, 0xfe))).toBeNull();
  });

  it('leaves out a character cut at the end of the first bytes of a longer payload', () => {
    const whole = bytes('가나다');
    expect(utf8Text(whole.subarray(0, 8), true)).toBe('가나');
    expect(utf8Text(whole.subarray(0, 7), true)).toBe('가나');
    expect(utf8Text(whole.subarray(0, 6), true)).toBe('가나');
    expect(utf8Text(whole.subarray(0, 7))).toBeNull();
  });
});
