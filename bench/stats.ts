/** Small statistics shared by the benchmarks. */

/** The q-quantile (0..1) of `values`, nearest-rank. */
export function percentile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

export const median = (values: number[]) => percentile(values, 0.5);

export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
