/**
 * How idle the machine's CPUs have been since the last look, from the
 * kernel's own counters (/proc/stat): what a class grade asks before it
 * starts one more student beside those running.
 */
import { readFileSync } from 'node:fs';

interface Counters {
  idle: number;
  total: number;
}

function read(): Counters | null {
  try {
    // "cpu  user nice system idle iowait irq softirq steal ...", in clock ticks, all CPUs together.
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    if (f.length < 5 || f.some((n) => !Number.isFinite(n))) return null;
    return { idle: f[3]! + f[4]!, total: f.reduce((a, b) => a + b, 0) };
  } catch {
    return null; // no /proc/stat (not Linux): never idle as far as we know
  }
}

export class CpuIdle {
  private last = read();

  /** The share (0 to 1) of all CPU time since the last call (or since made) that was idle; 0 when it cannot tell. */
  sample(): number {
    const now = read();
    const before = this.last;
    this.last = now;
    if (!now || !before || now.total <= before.total) return 0;
    return (now.idle - before.idle) / (now.total - before.total);
  }
}
