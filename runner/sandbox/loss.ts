/**
 * Network conditions: dropping a share of the packets on one port inside a
 * session's network namespace, in a pattern that repeats exactly from run to
 * run (so a failure can be replayed). nftables counts the packets on the
 * port (`numgen inc`, one counter for both directions) and drops those whose
 * place in each period is in the pattern; the counter starts from zero each
 * time the rule is set.
 */
import { SandboxError } from './types.ts';

/** Which packets to drop: `percent` of those to or from `port` (0 turns loss off). */
export interface LossRule {
  port: number;
  proto: 'udp' | 'tcp';
  /** Whole percent, 0-100. */
  percent: number;
}

const TABLE = 'socklab_conditions';

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The drop pattern for `percent`: packet number n (counted from 0 since the
 * rule was set) is dropped when `dropped` includes n % period. The drops are
 * spread evenly (30% over a period of 10: 3, 6, 9), not in one burst.
 */
export function lossPattern(percent: number): { period: number; dropped: number[] } {
  const period = percent === 0 ? 1 : 100 / gcd(percent, 100);
  const share = (percent * period) / 100;
  const dropped: number[] = [];
  for (let i = 0; i < period; i++) if (Math.floor(((i + 1) * share) / period) > Math.floor((i * share) / period)) dropped.push(i);
  return { period, dropped };
}

/** The nftables script (one line) that sets `rule`, or removes any loss for null; throws SandboxError on a bad rule. */
export function lossScript(rule: LossRule | null): string {
  // Adding first makes the delete valid whether or not the table exists.
  const reset = [`add table inet ${TABLE}`, `delete table inet ${TABLE}`];
  if (rule === null || (typeof rule === 'object' && rule.percent === 0 && validRule(rule))) return reset.join('; ');
  if (!validRule(rule)) {
    throw new SandboxError('a loss rule needs a port (1-65535), proto "udp" or "tcp" and a whole percent from 0 to 100');
  }
  const { port, proto, percent } = rule;
  const { period, dropped } = lossPattern(percent);
  const verdict = percent === 100 ? 'drop' : `numgen inc mod ${period} { ${dropped.join(', ')} } drop`;
  return [
    ...reset,
    `add table inet ${TABLE}`,
    `add chain inet ${TABLE} input { type filter hook input priority 0; policy accept; }`,
    `add chain inet ${TABLE} loss`,
    // One chain, one counter: a packet from the port to the port is counted once.
    `add rule inet ${TABLE} input ${proto} dport ${port} jump loss`,
    `add rule inet ${TABLE} input ${proto} sport ${port} jump loss`,
    `add rule inet ${TABLE} loss ${verdict}`,
    `add rule inet ${TABLE} loss accept`,
  ].join('; ');
}

function validRule(rule: unknown): rule is LossRule {
  if (typeof rule !== 'object' || rule === null) return false;
  const { port, proto, percent } = rule as Record<string, unknown>;
  return (
    Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535 &&
    (proto === 'udp' || proto === 'tcp') &&
    Number.isInteger(percent) && (percent as number) >= 0 && (percent as number) <= 100
  );
}
