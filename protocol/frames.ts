/**
 * Binary frames carry terminal output: byte 0 is the frame kind, byte 1 the
 * process id, the rest the raw bytes the program wrote (not decoded: a
 * multi-byte character may span two frames, as on a real terminal).
 *
 * Zod-free and DOM-free: the runner writes frames, the page and the test
 * client read them.
 */

/** Byte 0 of a binary frame. */
export const FrameKind = { output: 1 } as const;

/**
 * The 2-byte header of an output frame (runner side). The runner sends it
 * and the output bytes as two fragments of one WebSocket message, so the
 * output is never copied to prepend it; the client receives one message.
 */
export function outputFrameHeader(proc: number): Uint8Array {
  return Uint8Array.of(FrameKind.output, proc);
}

/** Reads an output frame (client side); null when it is not one. */
export function decodeOutputFrame(frame: Uint8Array): { proc: number; data: Uint8Array } | null {
  if (frame.length < 2 || frame[0] !== FrameKind.output) return null;
  return { proc: frame[1]!, data: frame.subarray(2) };
}
