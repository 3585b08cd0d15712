/**
 * The hint for a crash, chosen by the error it printed (the hints' words are
 * in messages.ts), and the reading of a program's output for a stack trace. Program output is
 * hostile: it is read line by line with plain string tests, capped, so no
 * output can make the runner's only thread spin.
 */
import type { GraderSay } from './messages.ts';
import { COLOURS } from './transcript.ts';

/** Errors whose cause a teacher would name, matched on the program's last error line, and the hint for each. */
const CRASH_HINTS: [RegExp, (say: GraderSay) => string][] = [
  [/Transport endpoint is not connected|ENOTCONN|Socket is not connected/, (say) => say('hint.crash.notConnected')],
  [/ConnectionResetError|ECONNRESET|Connection reset/, (say) => say('hint.crash.reset', { catch: say('hint.catchPerClient') })],
  [/BrokenPipeError|EPIPE|Broken pipe/, (say) => say('hint.crash.brokenPipe', { catch: say('hint.catchPerClient') })],
  [/TimeoutError|socket\.timeout|SocketTimeoutException/, (say) => say('hint.crash.timeout')],
  [/ConnectionRefusedError|ECONNREFUSED|Connection refused/, (say) => say('hint.crash.refused')],
  [/UnicodeDecodeError/, (say) => say('hint.crash.unicode')],
  [/Address already in use|EADDRINUSE/, (say) => say('hint.crash.addressInUse')],
];

/** Node's line under an error that a readline Interface re-emitted, its input's (a socket's) error, unheard. */
const READLINE_EMITTED = "Emitted 'error' event on Interface instance";

/**
 * The hint for a crash whose error line is `error`, or the general one, in
 * the words of `say`; given the program's `output`, one whose error a
 * readline Interface passed on (a socket with an 'error' listener of its
 * own, read through readline.createInterface) gets its own.
 */
export function crashHint(say: GraderSay, error: string | undefined, output?: string): string {
  if (output !== undefined && tailLines(output).some((l) => l.startsWith(READLINE_EMITTED))) {
    return say('hint.crash.readline', { create: 'readline.createInterface({ input: socket })', listen: "rl.on('error', () => {})" });
  }
  const hint = error ? CRASH_HINTS.find(([re]) => re.test(error))?.[1] : undefined;
  return hint ? hint(say) : say('hint.crashed');
}

/** Output beyond this many characters (from the end) is not searched for a stack trace. */
const SCANNED_CHARS = 256 * 1024;
/** Longer lines are cut before a pattern looks at them, so a pattern costs at most this per line. */
const LINE_CHARS = 1000;

/** The lines of the last SCANNED_CHARS of `output`, each cut to LINE_CHARS. */
function tailLines(output: string): string[] {
  return output
    .slice(-SCANNED_CHARS)
    .split('\n')
    // On a terminal Node colours the frames of its own modules: the colours are not part of the line.
    .map((l) => (l.length > LINE_CHARS ? l.slice(0, LINE_CHARS) : l).replace(COLOURS, ''));
}

/** "at Class.method(File.java:12)" (Java) or "at fn (file:///work/x.js:3:9)" (Node), tested with string operations only. */
function isFrame(frame: string): boolean {
  if (!frame.startsWith('at ') || !frame.endsWith(')')) return false;
  const open = frame.lastIndexOf('(');
  if (open < 0) return false;
  const where = frame.slice(open + 1, -1).split(':');
  const digits = (s: string | undefined) => s !== undefined && /^\d+$/.test(s);
  if (where.length === 2 && where[0]!.endsWith('.java') && digits(where[1])) return /^[\w$.<>/]+$/.test(frame.slice(3, open));
  const file = frame.slice(open + 1);
  return where.length >= 3 && digits(where.at(-1)) && digits(where.at(-2)) && (file.startsWith('node:') || file.startsWith('file://') || file.startsWith('/'));
}

/** Whether one line (cut to LINE_CHARS) starts or belongs to a stack trace. */
function traceLine(line: string): boolean {
  if (line.startsWith('Traceback (most recent call last):')) return true; // Python
  if (line.startsWith('Exception in thread "')) return true; // Java
  if (line.startsWith('node:internal/') || /^Node\.js v\d/.test(line)) return true; // Node's uncaught-error dump
  return /^\s/.test(line) && isFrame(line.trimStart());
}

/** Whether program output holds a stack trace (linear in the output, capped). */
export function hasStackTrace(output: string): boolean {
  return tailLines(output).some(traceLine);
}

/** A program whose code the language refused before running any of it: the error, and its file and line when it says so. */
export interface CompileError {
  error: string;
  file?: string;
  line?: number;
}

/** Python's own words for code it cannot read. */
const PYTHON_COMPILE = /^(SyntaxError|IndentationError|TabError): /;

/**
 * Whether the output is the language refusing the program's code before it
 * ran (a Python SyntaxError or IndentationError, javac's "error:" lines, a
 * Node SyntaxError raised while loading the file), and if so the error and
 * where: a mistake in the code itself, not a crash to catch. A runtime
 * SyntaxError (Node's JSON.parse) is not one: its frames name the
 * student's file, and a Python traceback is a crash.
 */
export function compileError(output: string): CompileError | undefined {
  const lines = tailLines(output).map((l) => l.trimEnd());
  // javac (through `java Server.java`): "Server.java:9: error: ';' expected", then "error: compilation failed".
  if (lines.includes('error: compilation failed')) {
    const first = lines.find((l) => /^[\w$]+\.java:\d+: error: /.test(l));
    if (!first) return undefined;
    const [, file, line, error] = /^([\w$]+\.java):(\d+): error: (.*)$/.exec(first)!;
    return { error: error!, file, line: Number(line) };
  }
  const last = findLast(lines, (l) => l.trim() !== '' && !/^\s/.test(l));
  if (!last) return undefined;
  if (PYTHON_COMPILE.test(last) && !lines.some((l) => l.startsWith('Traceback (most recent call last):'))) {
    const at = findLast(lines, (l) => /^\s*File "[^"]+", line \d+/.test(l));
    const m = at && /File "(?:[^"]*\/)?([^"/]+)", line (\d+)/.exec(at);
    return m ? { error: last, file: m[1], line: Number(m[2]) } : { error: last };
  }
  if (lines.some((l) => /^Node\.js v\d/.test(l))) {
    const error = errorLine(output);
    const frames = lines.filter((l) => /^\s+at /.test(l));
    if (!error?.startsWith('SyntaxError: ') || frames.some((l) => /\(?(file:\/\/|\/work\/)/.test(l))) return undefined;
    // Node names the place first: "file:///work/server.js:10", the line, a caret.
    const m = lines.map((l) => /^(?:file:\/\/)?\/work\/(.+):(\d+)$/.exec(l)).find(Boolean);
    return m ? { error, file: m[1], line: Number(m[2]) } : { error };
  }
  return undefined;
}

/** The last element of `items` that `test` accepts (Array#findLast is ES2023, beyond this project's lib). */
export function findLast<T>(items: readonly T[], test: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return items[i];
  return undefined;
}

/** The line that names a program's fatal error (the last line of a Python traceback, Java's "Exception in thread", Node's "Error: ..."), if it printed a stack trace. */
export function errorLine(output: string): string | undefined {
  const lines = tailLines(output).map((l) => l.trimEnd());
  if (!lines.some(traceLine)) return undefined;
  const java = findLast(lines, (l) => l.startsWith('Exception in thread "'));
  if (java) return java.replace(/^Exception in thread "[^"]*" /, '');
  if (lines.some((l) => l.startsWith('Node.js v'))) {
    // Node prints the error on the line before its first frame.
    const frame = lines.findIndex((l) => /^\s/.test(l) && l.trimStart().startsWith('at '));
    if (frame > 0) return lines[frame - 1];
  }
  return findLast(lines, (l) => l.trim() !== '' && !/^\s/.test(l));
}
