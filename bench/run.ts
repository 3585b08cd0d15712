/**
 * `npm run bench`: socklab's performance, each figure next to a baseline
 * measured in the same run on the same machine. Each figure is a module of
 * its own (what it measures and against what is said at its top); this file
 * runs them in order, each in a Node process of its own, prints each one's
 * rows as it ends and the whole table at the end, and writes
 * bench/results.json.
 *
 *   npm run bench                         every figure, writes bench/results.json
 *   npm run bench -- --only terminal,keys some figures, results printed only
 *
 * A figure that throws is reported as failed and the others still run.
 */
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CpuIdle } from '../runner/grader/cpu-idle.ts';
import { formatRows, type Figure, type Row } from './figure.ts';
import { browserTerminalFigure } from './browser-terminal.ts';
import { classGradingFigure } from './class-grading.ts';
import { firstByteFigure } from './first-byte.ts';
import { gradersFigure } from './graders.ts';
import { checkFigure } from './check.ts';
import { inspectorFigure } from './inspector.ts';
import { keysFigure } from './keys.ts';
import { loadFigure } from './load.ts';
import { cleanupAll } from './processes.ts';
import { ROOT } from './serve.ts';
import { sessionsFigure } from './sessions.ts';
import { siteFigure } from './site.ts';
import { round } from './stats.ts';
import { terminalFigure } from './terminal.ts';
import { truncationFigure } from './truncation.ts';
import { wireFigure } from './wire.ts';

/**
 * In the order they run: the session-hungry and CPU-heavy figures last, so they do not load the quieter ones. Each
 * runs in a process of its own (runInItsOwnProcess), so none inherits what an earlier one left in the bench's process:
 * a runner started in-process moves the process into the runner's CPU group for good (cgroups.ts), and a figure run
 * after one did (keys after terminal) measured its own clients ten times heavier than the sessions.
 */
const FIGURES: Figure[] = [firstByteFigure, terminalFigure, keysFigure, truncationFigure, inspectorFigure, wireFigure, siteFigure, browserTerminalFigure, gradersFigure, checkFigure, classGradingFigure, sessionsFigure, loadFigure];

const USAGE = `usage: npm run bench [-- --only NAME[,NAME...]]

figures: ${FIGURES.map((f) => f.name).join(', ')}
Without --only every figure runs and bench/results.json is written.`;

/** The figures asked for on the command line; exits 2 with the usage on a mistake. */
function chosenFigures(argv: string[]): Figure[] {
  let values;
  try {
    values = parseArgs({ args: argv, options: { only: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (values.only === undefined) return FIGURES;
  const names = values.only.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !FIGURES.some((f) => f.name === n));
  if (unknown.length || !names.length) {
    console.error(`${unknown.length ? `unknown figure: ${unknown.join(', ')}` : '--only needs figure names'}\n\n${USAGE}`);
    process.exit(2);
  }
  return FIGURES.filter((f) => names.includes(f.name));
}

/** What a figure's process hands back: all but the figure itself, which the parent knows by name. */
interface Outcome {
  rows: Row[];
  notes: string[];
  result: unknown;
  seconds: number;
  load_before: number;
  load_after: number;
  /** Processes the figure left behind, killed by pid as its process ended. */
  leftover?: number;
  /** How quiet the CPUs were when it began (settle). */
  settled?: string;
}

/** Runs one figure in this process (its rows are printed by the parent). A figure that throws gives a failed row. */
async function runFigure(figure: Figure): Promise<Outcome> {
  const t0 = Date.now();
  const loadBefore = round(loadavg()[0]!, 1);
  let result: unknown;
  let rows: Row[];
  let notes: string[] = [];
  try {
    result = await figure.run();
    rows = figure.rows(result);
    notes = figure.notes?.(result) ?? [];
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    console.error(`${figure.name} failed:`, err);
    ({ result, rows, notes } = failed(figure, message));
  }
  return { rows, notes, result, seconds: round((Date.now() - t0) / 1000, 1), load_before: loadBefore, load_after: round(loadavg()[0]!, 1) };
}

/** The row and note of a figure that did not give its figures. */
function failed(figure: Figure, message: string): Pick<Outcome, 'result' | 'rows' | 'notes'> {
  return {
    result: { error: message },
    rows: [{ metric: figure.name, value: 'failed', baseline: '', ratio: '', goal: 'runs', ok: false }],
    notes: [`${figure.name} failed: ${message.split('\n')[0]}`],
  };
}

/** Set in a figure's own process: which figure, and the file its Outcome goes to. */
const CHILD_FIGURE = 'SOCKLAB_BENCH_FIGURE';
const CHILD_OUT = 'SOCKLAB_BENCH_OUT';

let current: ChildProcess | undefined;

/**
 * Runs `figure` in a new Node process (this file again, told which figure by
 * the environment), its output shown as it comes, and reads back its
 * Outcome. A process that dies without one gives a failed row.
 */
async function runInItsOwnProcess(figure: Figure): Promise<Outcome> {
  const settled = await settle();
  const loadBefore = round(loadavg()[0]!, 1);
  const t0 = Date.now();
  console.log(`\n== ${figure.name}: ${figure.title} (load average ${loadBefore}; ${settled})`);
  const dir = mkdtempSync(join(tmpdir(), 'socklab-bench-'));
  const out = join(dir, 'outcome.json');
  try {
    const child = spawn(process.execPath, [...process.execArgv, join(ROOT, 'bin/run-ts.js'), process.argv[1]!], {
      stdio: 'inherit',
      env: { ...process.env, [CHILD_FIGURE]: figure.name, [CHILD_OUT]: out },
    });
    current = child;
    const end = await new Promise<string>((resolve) => {
      child.on('error', (err) => resolve(err.message));
      child.on('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exit code ${code}`));
    });
    current = undefined;
    let outcome: Outcome;
    try {
      outcome = JSON.parse(readFileSync(out, 'utf8')) as Outcome;
    } catch {
      const seconds = round((Date.now() - t0) / 1000, 1);
      outcome = { ...failed(figure, `its process ended (${end}) without a result`), seconds, load_before: loadBefore, load_after: round(loadavg()[0]!, 1) };
      console.error(outcome.notes[0]);
    }
    console.log(formatRows(outcome.rows));
    for (const n of outcome.notes) console.log(n);
    console.log(`(${outcome.seconds} s, load average ${outcome.load_before} -> ${outcome.load_after})`);
    return { ...outcome, settled };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The share of CPU time idle, over a second, that counts as a quiet machine. */
const QUIET_IDLE = 0.8;
/** The longest the bench waits for a quiet machine before a figure. */
const SETTLE_MAX_MS = 30_000;

/**
 * Waits until the CPUs were idle QUIET_IDLE of a second (SETTLE_MAX_MS at
 * most): what a figure ended with (sandboxes and cgroups torn down,
 * browsers exiting) must not go on into the next figure's measure. Says
 * how it went, so that a figure can be judged by it (in the full run of
 * 2026-12-07 02:00 UTC every figure found the CPUs 99-100% idle after the
 * first second).
 */
async function settle(): Promise<string> {
  const t0 = Date.now();
  const cpu = new CpuIdle();
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const idle = cpu.sample();
    const waited = round((Date.now() - t0) / 1000, 0);
    if (idle >= QUIET_IDLE) return `CPUs ${Math.round(idle * 100)}% idle after ${waited} s`;
    if (Date.now() - t0 >= SETTLE_MAX_MS) return `CPUs still ${Math.round(idle * 100)}% idle after ${waited} s`;
  }
}

/** The figure's own process: runs it, kills what it left, writes its Outcome. */
async function figureProcess(name: string, out: string): Promise<void> {
  const figure = FIGURES.find((f) => f.name === name);
  if (!figure) {
    console.error(`unknown figure: ${name}`);
    process.exit(2);
  }
  const outcome = await runFigure(figure);
  const leftover = await cleanupAll();
  if (leftover) console.log(`cleanup: killed ${leftover} leftover processes by pid`);
  writeFileSync(out, JSON.stringify({ ...outcome, leftover }));
}

async function main(): Promise<void> {
  const figures = chosenFigures(process.argv.slice(2));
  const partial = figures.length < FIGURES.length;
  const t0 = Date.now();
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? '?', mem_gib: round(totalmem() / 1024 ** 3, 1), kernel: release(), node: process.version, uid: process.getuid?.() };
  console.log(`socklab bench: ${machine.cpus} x ${machine.cpu}, ${machine.mem_gib} GiB, Linux ${machine.kernel}, Node ${machine.node}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

  const outcomes: (Outcome & { figure: Figure })[] = [];
  for (const figure of figures) outcomes.push({ figure, ...(await runInItsOwnProcess(figure)) });
  const leftover = outcomes.reduce((n, o) => n + (o.leftover ?? 0), await cleanupAll());

  const rows = outcomes.flatMap((o) => o.rows);
  console.log(`\n${formatRows(rows)}\n`);
  for (const o of outcomes) for (const n of o.notes) console.log(n);
  if (leftover) console.log(`cleanup: killed ${leftover} leftover processes by pid`);
  const missed = rows.filter((r) => r.goal && !r.ok).length;
  console.log(`bench took ${round((Date.now() - t0) / 1000, 1)} s; ${missed ? `${missed} goal(s) not met` : 'every goal met'}`);

  const results = {
    date: new Date().toISOString(),
    machine,
    ...Object.fromEntries(outcomes.map((o) => [o.figure.key, o.result])),
    // Not `load`: that is the load figure's own key.
    runs: Object.fromEntries(outcomes.map((o) => [o.figure.name, { load_before: o.load_before, load_after: o.load_after, seconds: o.seconds, settled: o.settled }])),
    goals: Object.fromEntries(rows.filter((r) => r.goal).map((r) => [r.metric, { goal: r.goal, ok: r.ok }])),
    leftover_processes_killed: leftover,
  };
  if (partial) {
    console.log('(a partial run: bench/results.json left as it was)');
    return;
  }
  writeFileSync(join(ROOT, 'bench/results.json'), JSON.stringify(results, null, 2) + '\n');
  console.log('wrote bench/results.json');
}

const onSignal = () => {
  // A Ctrl-C reaches the figure's process too; a SIGTERM to this one alone is passed on. Either cleans up after itself.
  current?.kill('SIGTERM');
  void cleanupAll().then(() => process.exit(130));
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

const childFigure = process.env[CHILD_FIGURE];
(childFigure ? figureProcess(childFigure, process.env[CHILD_OUT] ?? '') : main()).then(
  () => process.exit(0),
  async (err: unknown) => {
    console.error('bench failed:', err);
    await cleanupAll();
    process.exit(1);
  },
);
