/**
 * The real cause of a failure. When the student's program exited, crashed,
 * stopped accepting or spins the CPU, that is what a teacher would name
 * first, with the moment it happened; the symptom the check saw (no reply,
 * connection timed out) comes after it. Every check gets this for free.
 */
import type { FailureDetails } from '../api.ts';
import { compileError, crashHint, errorLine, findLast, hasStackTrace } from '../hints.ts';
import type { GraderSay } from '../messages.ts';
import type { Transcript } from '../transcript.ts';
import type { Sandbox } from '../../sandbox/index.ts';
import { isBound } from '../../sandbox/socket-table.ts';
import { DYING_EXIT_MS, type ProgramImpl } from './program.ts';
import { CheckFailure } from './wait.ts';

/** A failure as the engine reports it. */
export type Failure = { message: string } & FailureDetails;

/** "0.21 s into the check": when something happened, for a person. */
const moment = (say: GraderSay, at: number) => say('time.moment', { t: (at / 1000).toFixed(2) });

/** The grader's last step at or before `at`: what the program was answering when it went. */
function stepBefore(log: Transcript, at: number): string | undefined {
  const step = findLast(log.entries, (e) => e.who === 'grader' && e.at <= at);
  return step && `[${step.channel}] ${step.text}`;
}

/** Whether `p` crashed (a stack trace or a signal, or code the language refused to run) rather than ended. */
function crashed(p: ProgramImpl): boolean {
  return Boolean(p.exitStatus?.signal) || hasStackTrace(p.output) || compileError(p.output) !== undefined;
}

/** The failure that says `p` exited (or crashed), when, just after what, with its error and the hint for it. */
export function exitFailure(say: GraderSay, p: ProgramImpl, log: Transcript, why?: string): CheckFailure {
  const exit = p.exitStatus!;
  // Code the language refused never ran: no moment, no step, nothing to catch; only the mistake and its line.
  const compile = compileError(p.output);
  if (compile) {
    const at = compile.file ? say('exit.compileAt', { file: compile.file, line: compile.line ?? '?' }) : '';
    return new CheckFailure(say('exit.compile', { program: p.name, at, error: compile.error }), { hint: say('hint.compile') }, true);
  }
  const crash = crashed(p);
  const error = crash ? errorLine(p.output) : undefined;
  const step = p.exitAt === undefined ? undefined : stepBefore(log, p.exitAt);
  const at = p.exitAt === undefined ? '' : moment(say, p.exitAt);
  const parts = {
    program: p.name,
    code: exit.code,
    signal: exit.signal ? ` (${exit.signal})` : '',
    when: p.exitAt === undefined ? '' : step ? say('exit.atStep', { moment: at, step }) : say('exit.at', { moment: at }),
    error: error ? say('exit.error', { error }) : '',
  };
  const message = why ? say(crash ? 'exit.crashedWhy' : 'exit.exitedWhy', { ...parts, why }) : say(crash ? 'exit.crashed' : 'exit.exited', parts);
  const hint = crash ? crashHint(say, error, p.output) : exit.code === 0 ? say('hint.serverStopped') : say('hint.serverExited', { code: exit.code });
  return new CheckFailure(message, { hint }, true);
}

/** How long a failure waits for the exit of a program whose sockets just closed. */
const EXIT_SETTLE_MS = 300;

/** Looks, SPIN_GAP_MS apart, at whether the program is busy; spinning when busy at SPIN_BUSY of them. */
const SPIN_LOOKS = 8;
const SPIN_BUSY = 6;
const SPIN_GAP_MS = 50;

/**
 * Whether `p` is busy without pause right now: at almost every look one of
 * its threads runs or waits for a CPU, or it printed since the last look
 * (a loop that prints blocks on its terminal now and then), and it used
 * CPU meanwhile. A share of CPU time would miss a spinning program on a
 * busy machine (it is niced); a program waiting for input is neither.
 */
async function spinning(p: ProgramImpl): Promise<boolean> {
  const cpu0 = await p.cpuMs();
  let busy = 0;
  let printed = p.printed;
  for (let i = 0; i < SPIN_LOOKS; i++) {
    await new Promise((r) => setTimeout(r, SPIN_GAP_MS));
    if (p.printed > printed || (await p.onCpu())) busy++;
    printed = p.printed;
    if (busy + (SPIN_LOOKS - 1 - i) < SPIN_BUSY) return false;
  }
  return (await p.cpuMs()) > cpu0;
}

/** What the socket table says about a running server on `port`: listening but leaving clients unaccepted, and since when. */
async function notAccepting(ctx: CauseContext, program: string, port: number): Promise<string | undefined> {
  const table = await ctx.sandbox.sockets();
  const listening = table.find((s) => s.protocol === 'tcp' && s.state === 'LISTEN' && s.localPort === port);
  if (!listening || listening.recvQueue === 0) return undefined;
  const n = listening.recvQueue;
  const leaving = new Set([ctx.say('log.halfClosed'), ctx.say('log.resetRst')]);
  // Connections whose client left and that the server never closed; the
  // grader's end of each tells which of its clients it was and when it
  // left: the first to leave is the one the server is most likely stuck on.
  const left = table
    .filter((s) => s.protocol === 'tcp' && s.state === 'CLOSE_WAIT' && s.localPort === port)
    .map((s) => {
      const label = ctx.connLabel(s.remotePort);
      const closed = label ? ctx.log.entries.find((e) => e.channel === label && e.who === 'grader' && leaving.has(e.text)) : undefined;
      return { label, at: closed?.at ?? Infinity };
    })
    .sort((a, b) => a.at - b.at)[0];
  const say = ctx.say;
  const label = left?.label;
  return say('stuck.notAccepting', {
    program,
    port,
    since: left && left.at !== Infinity ? say('stuck.since', { label: label!, moment: moment(say, left.at) }) : '',
    clients: n === 1 ? say('stuck.oneClient') : say('stuck.clients', { n }),
    left: left ? say('stuck.left', { label: label ?? say('stuck.aClient') }) : '',
  });
}

export interface CauseContext {
  /** The harness's words in the student's language. */
  say: GraderSay;
  programs: ProgramImpl[];
  log: Transcript;
  sandbox: Sandbox;
  /** The label ("tcp#1") of the grader connection whose local port is `port`, if any. */
  connLabel(port: number): string | undefined;
}

/**
 * Puts the real cause in front of `failure` (or makes one, when the check
 * passed but the student's program crashed): an exit or a crash, a server
 * that stopped accepting, a program that spins. Returns `failure` as is
 * when none of these holds.
 */
export async function explain(failure: (Failure & { namesCause?: boolean }) | null, ctx: CauseContext): Promise<Failure | null> {
  if (failure?.namesCause) return failure;
  const students = ctx.programs.filter((p) => p.student);
  // The symptom's hint follows the cause's when it is the check's own advice
  // (what the reply should have been), not the harness's generic words for
  // the symptom ("no reply came", "nothing is listening"), which the cause
  // has just explained.
  const say = ctx.say;
  const generic = new Set<string>([
    say('hint.noReply'),
    say('hint.print'),
    say('hint.stillRunning'),
    say('hint.timeout'),
    say('hint.notAccepting'),
    // "Keep reading until the newline": wrong advice when the close came from an exit.
    say('hint.closedEarly'),
    ...students.flatMap((p) => (p.readyPort ? [say('hint.refused', { port: p.readyPort.port })] : [])),
  ]);
  const symptomHint = failure?.hint && !generic.has(failure.hint) ? failure.hint : undefined;
  const then = (cause: string, hint: string): Failure => ({
    ...failure,
    message: failure ? say('cause.then', { cause, symptom: failure.message }) : cause,
    hint: symptomHint && symptomHint !== hint ? `${hint} ${symptomHint}` : hint,
  });
  // A program's sockets close (the symptom) a moment before its exit reaches
  // the grader: give a dying program that moment, so its exit is the cause.
  // The moment ends sooner once each running program waits where only input
  // can wake it (waitIdle's `forever`) until the looks below are over: such
  // a program is neither dying (a dying one's threads are on their way out,
  // or a zombie) nor spinning.
  const still = new Set<ProgramImpl>();
  if (failure && students.some((p) => !p.exited)) {
    const running = students.filter((p) => !p.exited);
    const horizonMs = EXIT_SETTLE_MS + running.length * SPIN_LOOKS * SPIN_GAP_MS;
    const waiting = Promise.all(running.map(async (p) => void ((await p.waitIdle(EXIT_SETTLE_MS, { forever: true, horizonMs })) && still.add(p))));
    await Promise.race([...students.map((p) => p.waitExit(EXIT_SETTLE_MS)), waiting]);
    // A server whose port is no longer bound is ending (or closed it, which
    // it must not either): a dying node, its threads joined on two loaded
    // cores, can take most of a second more to report its exit. Not one seen
    // waiting for input (still): it closed its port and lives on.
    const servers = running.filter((p) => !p.exited && p.boundOnce && !still.has(p));
    if (servers.length) {
      const table = await ctx.sandbox.sockets().catch(() => undefined);
      const ending = servers.filter((p) => table && !isBound(table, p.readyPort!.port, p.readyPort!.protocol));
      // Until its exit, or until it is seen waiting for input after all (on loaded cores that look can outlast the
      // settle): waitIdle's wait ends at the exit too.
      if (ending.length) await Promise.race(ending.map((p) => p.waitIdle(DYING_EXIT_MS, { forever: true })));
    }
  }
  // A server must keep running; any program that crashed has a cause to show.
  const gone = students.find((p) => p.exitStatus && p.exitStatus.reason !== 'stopped' && (p.serves || crashed(p)));
  if (gone) {
    const f = exitFailure(say, gone, ctx.log);
    return then(f.message, f.details.hint!);
  }
  if (!failure) return null;
  for (const p of students.filter((p) => !p.exited)) {
    const port = p.readyPort?.protocol === 'tcp' ? p.readyPort.port : undefined;
    const stuck = port === undefined ? undefined : await notAccepting(ctx, p.name, port).catch(() => undefined);
    const spins = !still.has(p) && (await spinning(p).catch(() => false));
    if (spins) ctx.log.add('note', p.name, ctx.say('log.spinning'));
    if (stuck) return then(stuck, say('hint.notAccepting'));
    if (spins) return then(say('stuck.spinning', { program: p.name }), say('hint.spinning'));
  }
  return failure;
}
