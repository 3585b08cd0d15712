import { describe, expect, it } from 'vitest';
import { studentOf } from './http.ts';

describe('the unit per-student limits count', () => {
  it('is the address for IPv4, also when written as IPv6', () => {
    expect(studentOf('192.0.2.7')).toBe('192.0.2.7');
    expect(studentOf('::ffff:192.0.2.7')).toBe('192.0.2.7');
  });

  it('is the /64 for IPv6, however the address is written', () => {
    const net = '2001:db8:0:1::/64';
    expect(studentOf('2001:db8:0:1::1')).toBe(net);
    expect(studentOf('2001:0db8:0000:0001:ffff:ffff:ffff:ffff')).toBe(net);
    expect(studentOf('2001:db8::1:0:0:0:2')).toBe(net);
    expect(studentOf('2001:db8:0:2::1')).not.toBe(net);
    expect(studentOf('::1')).toBe('0:0:0:0::/64');
    expect(studentOf('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});
