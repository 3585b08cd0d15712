/**
 * What every figure of `npm run bench` is: a module that runs one
 * measurement and turns its result into table rows, each value beside a
 * baseline measured in the same run. bench/run.ts runs the figures in order
 * and prints their rows with this table.
 */

/** One line of the table: a value, its baseline, how they compare, and a goal when there is one. */
export interface Row {
  metric: string;
  value: string;
  baseline: string;
  ratio: string;
  /** Empty when the row is information, not a goal. */
  goal: string;
  /** Whether the goal is met (ignored when there is no goal). */
  ok: boolean;
}

/** One figure of the bench. */
export interface Figure<R = unknown> {
  /** Its name on the command line (`--only terminal,keys`). */
  name: string;
  /** Its key in bench/results.json. */
  key: string;
  /** What it measures and how long it takes, printed as it starts. */
  title: string;
  /** Runs the measurement (starting and stopping whatever it needs). */
  run(): Promise<R>;
  rows(result: R): Row[];
  /** Sentences printed under the table (what a row alone cannot say). */
  notes?(result: R): string[];
}

const COLUMNS = ['metric', 'value', 'baseline', 'ratio', 'goal'] as const;

/** The rows as an aligned text table, with an ok column for rows that have a goal. */
export function formatRows(rows: Row[]): string {
  const widths = COLUMNS.map((k) => Math.max(k.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [
    line([...COLUMNS]) + '  ok',
    widths.map((w) => '-'.repeat(w)).join('  ') + '  --',
    ...rows.map((r) => line(COLUMNS.map((k) => r[k])) + `  ${r.goal ? (r.ok ? 'yes' : 'NO') : ''}`),
  ].join('\n');
}

/** A row that is information only (no goal). */
export function info(metric: string, value: string, baseline = '', ratio = ''): Row {
  return { metric, value, baseline, ratio, goal: '', ok: true };
}
