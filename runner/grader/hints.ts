/**
 * Hints for the classic mistakes, in words a beginner understands, and the
 * reading of a program's output for a stack trace. Program output is
 * hostile: it is read line by line with plain string tests, capped, so no
 * output can make the runner's only thread spin.
 */

export const HINTS = {
  refused: (port: number) =>
    `Connection refused: nothing is listening on port ${port}. Is your server running, and does it bind port ${port} and call listen()?`,
  splitLine:
    'TCP is a byte stream: one recv() can return part of a line, or two lines. Keep reading until you have the whole line (up to "\\n").',
  noReply:
    'No reply came. Does your program send one back to the address the request came from, and flush it?',
  oneReply: 'Send exactly one reply per message received, to the address it came from, and nothing else.',
  exactBytes: 'The reply must hold exactly the expected bytes: compare them one by one with what your program sent (shown above).',
  print: 'Print it with a newline at the end, and flush (print(..., flush=True) in Python), so it shows before the program waits again.',
  stillRunning:
    'The program was still running. A client must finish on its own after its job, even while its input stays open.',
  exitCode: (code: number) =>
    code === 0
      ? 'A program that did its job ends with exit code 0 (the end of the program, or sys.exit(0)).'
      : `When it cannot do its job, a program ends with exit code ${code}: sys.exit(${code}) in Python, process.exitCode = ${code} in Node, System.exit(${code}) in Java.`,
  serverExited: (code: number) =>
    `The server exited (code ${code}) while it should keep serving. A server loops for ever, and one client's problem must not end it.`,
  serverStopped:
    'Your server ended on its own, without an error (code 0): something made its loop stop (a break, a return, or the loop\'s condition). A server loops for ever and answers every request, whatever it holds.',
  crashed:
    'Your program stopped on an error. The last line of its output (below) names the error, and the lines above it say where: fix the cause, or catch that error and print a short message (a person should never see a traceback).',
  notAccepting:
    'A listening socket only queues new clients: they wait until your server calls accept() again. Your server is stuck elsewhere, most often in a read loop on a client that has left: once the client closes, recv() returns b"" (empty) every time, so the loop must stop on it (if not chunk: break).',
  spinning:
    'Your program uses the CPU without pause: a loop that never waits for anything. Look at its loops and at what it printed: most often a read loop that goes on after recv() returns b"" (the other side closed), or a server that sends to its own port and so answers itself for ever.',
  stackTrace:
    'Your program printed a stack trace. Catch the error and print a short message instead: the person using it should never see a traceback.',
  closedEarly:
    'The program closed the connection before the grader had sent everything. TCP is a byte stream: a line can arrive in several pieces, so keep reading until "\\n" before answering and closing.',
  notClosed:
    'The connection stayed open. After sending the reply, close the connection socket so the client sees the end of the stream.',
  clientConnect: (port: number) => `Does your client connect to localhost (or 127.0.0.1) port ${port}?`,
  flood: 'Your program sent far more than the grader asked for. Send one message per request (or per typed line), not in a loop.',
  tooManyConnections: 'Your client opened connection after connection. Open one connection, send the line, read the reply, close it.',
  timeout: 'A program stopped answering. The transcript shows the last thing that happened.',
  graderError: 'This is a problem of the lab, not of your code; tell your instructor.',
  sandbox: 'This is a problem of the machine that runs the grader, not of your code: try again, and tell your instructor if it stays.',
} as const;

const CATCH_PER_CLIENT =
  'Catch the error around serving one client (OSError in Python, IOException in Java, the socket\'s "error" event in Node), so one client cannot stop the server.';

/** Errors whose cause a teacher would name, matched on the program's last error line. */
const CRASH_HINTS: [RegExp, string][] = [
  [
    /Transport endpoint is not connected|ENOTCONN|Socket is not connected/,
    'recv() or send() was called on the listening socket. The listening socket only accepts: accept() returns a new socket for each client, and recv() and send() go on that one.',
  ],
  [
    /ConnectionResetError|ECONNRESET|Connection reset/,
    `A client reset the connection, and reading from it raised an error that ended your server. ${CATCH_PER_CLIENT}`,
  ],
  [/BrokenPipeError|EPIPE|Broken pipe/, `The client had gone when your server sent. ${CATCH_PER_CLIENT}`],
  [
    /TimeoutError|socket\.timeout|SocketTimeoutException/,
    'No reply came in time, and the timeout error ended your program with a traceback. Catch it (except TimeoutError / socket.timeout), print "timed out" and exit with code 1.',
  ],
  [
    /ConnectionRefusedError|ECONNREFUSED|Connection refused/,
    'No server was listening, and the error ended your program with a traceback. Catch it (except OSError), print "could not connect" and exit with code 1.',
  ],
  [/UnicodeDecodeError/, 'The bytes were not valid UTF-8 text. Decode with errors="replace" (bytes.decode("utf-8", errors="replace")), or catch the error.'],
  [/Address already in use|EADDRINUSE/, 'The port was taken. Set SO_REUSEADDR before bind(), and make sure only one copy of your server runs.'],
];

/** The hint for a crash whose error line is `error`, or the general one. */
export function crashHint(error: string | undefined): string {
  return (error && CRASH_HINTS.find(([re]) => re.test(error))?.[1]) || HINTS.crashed;
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
    .map((l) => (l.length > LINE_CHARS ? l.slice(0, LINE_CHARS) : l));
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
    const frame = lines.findIndex((l) => /^\s/.test(l) && isFrame(l.trimStart()));
    if (frame > 0) return lines[frame - 1];
  }
  return findLast(lines, (l) => l.trim() !== '' && !/^\s/.test(l));
}
