/**
 * Hints for the classic mistakes, in words a beginner understands.
 */

export const HINTS = {
  refused: (port: number) =>
    `Connection refused: nothing is listening on port ${port}. Is your server running, did it crash (its output is below), and does it bind port ${port}?`,
  splitLine:
    'TCP is a byte stream: one recv() can return part of a line, or two lines. Keep reading until you have the whole line (up to "\\n").',
  noReply:
    'No reply came. Does your program send one back to the address the request came from, and flush it?',
  udpTimeout:
    'UDP may lose a datagram, so a client must never wait for ever: set a timeout (e.g. socket.settimeout(1)) and handle it.',
  stillRunning:
    'The program was still running. A client must finish on its own after its job, even while its input stays open.',
  serverExited: (code: number) =>
    `The server exited (code ${code}) while it should keep serving. A server loops for ever, and one client's problem must not end it.`,
  stackTrace:
    'Your program printed a stack trace. Catch the error and print a short message instead: the person using it should never see a traceback.',
  closedEarly:
    'The program closed the connection before the grader had sent everything. TCP is a byte stream: a line can arrive in several pieces, so keep reading until "\\n" before answering and closing.',
  notClosed:
    'The connection stayed open. After sending the reply, close the connection socket so the client sees the end of the stream.',
} as const;

const STACK_TRACE = [
  /^Traceback \(most recent call last\):/m, // Python
  /^Exception in thread "/m, // Java
  /^\s+at [\w$.<>]+\([\w$]+\.java:\d+\)/m, // Java frames
  /^\s+at .+ \((?:node:|file:\/\/|\/).+:\d+:\d+\)$/m, // Node.js frames
  /^node:internal\/|^Node\.js v\d+/m, // Node.js uncaught-error dump
];

/** Whether program output holds a stack trace. */
export function hasStackTrace(output: string): boolean {
  return STACK_TRACE.some((re) => re.test(output));
}
