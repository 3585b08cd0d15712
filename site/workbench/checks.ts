/**
 * Check, from the page's side: whether one is running, its results shown
 * as they come (checklist.ts draws them), the verdicts of the last one kept
 * per language (progress.ts), and the lab marked done the first time every
 * check passes.
 */
import { ErrorCode } from '../../protocol/constants.ts';
import type { ServerMessage } from '../../protocol/messages.ts';
import { Checklist } from './checklist.ts';
import { labKey, read, write, type LastCheck } from './progress.ts';
import type { WorkbenchData, WorkbenchLanguage } from './types.ts';

type CheckMessage = Extract<ServerMessage, { type: 'checkStarted' | 'checkResult' | 'checkDone' }>;
type RunnerError = Extract<ServerMessage, { type: 'error' }>;

/** Errors that end a Check before it reports (the checklist says so). */
const CHECK_FAILS: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.no_grader,
  ErrorCode.check_running,
  ErrorCode.bad_files,
  ErrorCode.files_too_large,
  ErrorCode.message_too_large,
  ErrorCode.internal,
]);

/**
 * Whether an error ends a running Check. Before the runner begins grading
 * (checkStarted), any of CHECK_FAILS does: the files sent for it, or the
 * check request itself, were refused. Once it grades, only its own end does
 * (done, stopped, session ended, or an internal error answering the check):
 * an error about another request (a Run's files) leaves it going on. An
 * older runner does not say which request an error answers (no `request`):
 * its internal errors end the Check, as they did.
 */
export function errorEndsCheck(error: Pick<RunnerError, 'code' | 'request'>, begun: boolean): boolean {
  if (!CHECK_FAILS.has(error.code)) return false;
  if (!begun) return true;
  return error.code === ErrorCode.internal && (error.request ?? 'check') === 'check';
}

export interface ChecksEvents {
  /** A Check started or ended. */
  changed(): void;
  /** Every check passed for the first time: the lab is done. */
  labDone(): void;
}

export class Checks {
  readonly checklist = new Checklist();
  private running = false;
  /** The runner has begun grading it (checkStarted): from then on only its own end ends it. */
  private begun = false;

  constructor(
    private readonly lab: Pick<WorkbenchData, 'id'>,
    private readonly events: ChecksEvents,
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  /** Whether a runner's error ends the running Check (the checklist then says so) rather than answering another request. */
  endsWith(error: RunnerError): boolean {
    return this.running && errorEndsCheck(error, this.begun);
  }

  /** The verdicts of the last Check in `lang`, or nothing. */
  showLast(lang: WorkbenchLanguage): void {
    const raw = read(labKey(this.lab.id, lang.id, 'checks'));
    if (!raw) return this.checklist.clear();
    try {
      this.checklist.showLast(JSON.parse(raw) as LastCheck, lang.label);
    } catch {
      this.checklist.clear();
    }
  }

  /** The code changed since the verdicts shown. */
  edited(): void {
    this.checklist.markStale();
  }

  /** A Check was asked for. */
  start(): void {
    this.running = true;
    this.begun = false;
    this.events.changed();
    this.checklist.starting();
    this.checklist.el.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }

  /** The runner stopped the running Check as the student asked. */
  stopped(): void {
    if (!this.running) return;
    this.running = false;
    this.checklist.stopped();
    this.events.changed();
  }

  /** The running Check will not report (an error, the connection lost). */
  failed(reason: string): void {
    if (!this.running) return;
    this.running = false;
    this.checklist.failed(reason);
    this.events.changed();
  }

  /** A Check's progress, for the language it runs in. */
  message(msg: CheckMessage, lang: WorkbenchLanguage): void {
    switch (msg.type) {
      case 'checkStarted':
        this.begun = true;
        return this.checklist.plan(msg.checks);
      case 'checkResult':
        return this.checklist.result(msg.result);
      case 'checkDone': {
        this.running = false;
        this.checklist.done(msg);
        this.events.changed();
        const last: LastCheck = { at: new Date().toISOString(), passed: msg.passed, failed: msg.failed, skipped: msg.skipped, results: this.checklist.snapshot() };
        write(labKey(this.lab.id, lang.id, 'checks'), JSON.stringify(last));
        if (msg.failed === 0 && msg.skipped === 0 && msg.passed > 0 && !read(labKey(this.lab.id, 'done'))) {
          write(labKey(this.lab.id, 'done'), last.at);
          this.events.labDone();
        }
      }
    }
  }
}
