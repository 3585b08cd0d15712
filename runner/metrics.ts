/**
 * The runner's Prometheus metrics (prom-client), one registry per Runner so
 * several runners in one process (the tests) never share counters. Gauges
 * are read from the runner when scraped; counters are bumped by the few
 * hooks the Runner calls. The server adds its own gauges (draining,
 * connections) to the same registry (runner/server/replica.ts).
 */
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { GradeReport } from './grader/engine.ts';
import type { Backend } from './sandbox/index.ts';
import type { SessionEvents } from './session.ts';

/** What the metrics read from the runner when scraped. */
export interface MetricsSource {
  readonly sessionCount: number;
  readonly limits: { readonly maxSessions: number };
  readonly checksActive: number;
  readonly checksWaiting: number;
  /** Processes of every open session that have not exited. */
  liveProcesses(): number;
}

/** How often the event loop's delay is sampled (monitorEventLoopDelay's resolution). */
const EVENT_LOOP_RESOLUTION_MS = 10;

/** The garbage collector's kinds of pause, as the gc metrics name them. */
const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'full',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'young',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak',
};

/** Every metric of one runner, and the hooks that feed them. */
export class RunnerMetrics {
  readonly registry = new Registry();
  private liveSandboxes = 0;
  private readonly starts: Counter;
  private readonly failures: Counter<'code'>;
  private readonly checkSeconds: Histogram<'outcome'>;
  private readonly terminalBytes: Counter;
  private readonly gc: PerformanceObserver;

  constructor(source: MetricsSource) {
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    gauge('socklab_sessions_active', 'Sessions open on this runner.', () => source.sessionCount);
    gauge('socklab_sessions_capacity', 'Sessions this runner admits before refusing newcomers.', () => source.limits.maxSessions);
    gauge('socklab_sandboxes_live', 'Sandboxes alive: sessions and Checks.', () => this.liveSandboxes);
    gauge('socklab_processes_live', "Students' programs running in open sessions.", () => source.liveProcesses());
    gauge('socklab_checks_running', 'Checks grading right now.', () => source.checksActive);
    gauge('socklab_checks_queued', 'Checks waiting for a free grader.', () => source.checksWaiting);
    this.starts = new Counter({ name: 'socklab_session_starts_total', help: 'Sessions opened.', registers });
    this.failures = new Counter({ name: 'socklab_session_failures_total', help: 'Sessions refused or failed to start, by error code.', labelNames: ['code'], registers });
    this.checkSeconds = new Histogram({
      name: 'socklab_check_duration_seconds',
      help: 'How long grading a Check took (its wait for a grader excluded), by outcome (graded, stopped part-way by its student, tab or runner, or error).',
      labelNames: ['outcome'],
      buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120],
      registers,
    });
    this.terminalBytes = new Counter({ name: 'socklab_terminal_bytes_total', help: "Bytes of students' terminal output sent to pages.", registers });
    // Every student's keystroke echo and output passes through the one event loop: the longest it was held (a
    // synchronous fork, a collection) is what a student feels as a stuck terminal. Sampled every 10 ms, off the loop.
    const loop = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
    loop.enable();
    new Gauge({
      name: 'socklab_event_loop_delay_max_seconds',
      help: "The longest the runner's event loop was held since the last scrape (to 10 ms).",
      registers,
      collect() {
        // Each scrape starts a new window. The histogram's floor is its resolution: a free loop reads about 0.01.
        this.set(loop.count > 0 ? loop.max / 1e9 : 0);
        loop.reset();
      },
    });
    // A collection holds the event loop too: full ones many times a second are a runner started without
    // bin/socklab.js's heap flag (or a leak), and show here before they show as stuck terminals.
    const gcSeconds = new Counter({ name: 'socklab_gc_seconds_total', help: "Time the runner's garbage collector held its event loop, by kind (full, young, incremental, weak).", labelNames: ['kind'], registers });
    const gcCount = new Counter({ name: 'socklab_gc_total', help: "The runner's garbage collections, by kind (full, young, incremental, weak).", labelNames: ['kind'], registers });
    this.gc = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = GC_KINDS[(e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'other';
        gcSeconds.inc({ kind }, e.duration / 1000);
        gcCount.inc({ kind });
      }
    });
    this.gc.observe({ entryTypes: ['gc'] });
  }

  /** Stops watching the garbage collector (runner shutdown). */
  close(): void {
    this.gc.disconnect();
  }

  /** The backend, with every sandbox it creates counted while alive. */
  countSandboxes(backend: Backend): Backend {
    return {
      ...backend,
      create: async (limits, opts) => {
        const sandbox = await backend.create(limits, opts);
        this.liveSandboxes++;
        void sandbox.ended.then(() => this.liveSandboxes--);
        return sandbox;
      },
    };
  }

  /** Runs a session open, counting its start or its failure (by the error's code). */
  async countOpen<T>(open: () => Promise<T>): Promise<T> {
    try {
      const session = await open();
      this.starts.inc();
      return session;
    } catch (err) {
      this.failures.inc({ code: String((err as { code?: unknown }).code ?? 'internal') });
      throw err;
    }
  }

  /** A session's events, with its terminal output counted. */
  countOutput(events: SessionEvents): SessionEvents {
    return {
      ...events,
      output: (proc, data) => {
        this.terminalBytes.inc(data.length);
        events.output(proc, data);
      },
    };
  }

  /** Runs a Check's grading, timing it; one stopped part-way counts apart (its time is no grading's). */
  async timeCheck(check: () => Promise<GradeReport>): Promise<GradeReport> {
    const end = this.checkSeconds.startTimer();
    try {
      const report = await check();
      end({ outcome: report.stopped ? 'stopped' : 'graded' });
      return report;
    } catch (err) {
      end({ outcome: 'error' });
      throw err;
    }
  }
}
