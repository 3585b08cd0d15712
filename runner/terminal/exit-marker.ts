/**
 * Finds the launcher's exit marker in a program's terminal output.
 *
 * The launcher prints `ESC ] 6973 ; <tag> ; <code> ; <signal> BEL` after the
 * student's program has exited. A pty delivers bytes in order, so once the
 * marker is seen every byte the program wrote has arrived: this is how the
 * runner never loses the tail of a fast program's output. The tag is random
 * per process, so a program cannot print a marker of its own.
 *
 * A launcher started ahead (`--wait-go`) prints `ESC ] 6973 ; <tag> ; ready
 * BEL` once it waits for the runner's go, and `... ; go BEL` once it has
 * given the terminal back to the program: both removed from the output.
 */

export interface ExitStatus {
  code: number;
  /** Signal number that ended the program, 0 if it exited. */
  signal: number;
}

/** Nothing held: one buffer for all (this runs for every chunk of a flood). */
const EMPTY = Buffer.alloc(0);

export class ExitMarkerScanner {
  private readonly prefix: Buffer;
  private held: Buffer = EMPTY;
  private readonly pattern: RegExp;
  /** Set once the marker has been seen. */
  status: ExitStatus | null = null;
  /** Set once the ready marker of a launcher started ahead has been seen. */
  ready = false;
  /** Set once the go marker has been seen (after the ready one): what is typed now reaches the program as typed. */
  started = false;

  constructor(tag: string) {
    if (!/^[A-Za-z0-9]{8,64}$/.test(tag)) throw new Error('exit tag must be 8-64 letters or digits');
    this.prefix = Buffer.from(`\x1b]6973;${tag};`, 'latin1');
    this.pattern = new RegExp(`^\\x1b\\]6973;${tag};(?:(\\d{1,3});(\\d{1,3})|(ready|go))\\x07`);
  }

  /** Feeds a chunk; returns the bytes that are program output (marker removed). */
  push(chunk: Buffer): Buffer {
    if (this.status) return chunk;
    const buf = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    this.held = EMPTY;
    const at = buf.indexOf(this.prefix);
    if (at >= 0) {
      const m = this.pattern.exec(buf.subarray(at, at + this.prefix.length + 16).toString('latin1'));
      if (m && m[3]) {
        // The ready marker, then the go marker: each once, in that order, before the program's output.
        const first = m[3] === 'ready' ? !this.ready : this.ready && !this.started;
        if (first) {
          if (m[3] === 'ready') this.ready = true;
          else this.started = true;
          return Buffer.concat([buf.subarray(0, at), this.push(buf.subarray(at + m[0].length))]);
        }
        return buf;
      }
      if (m) {
        this.status = { code: Number(m[1]), signal: Number(m[2]) };
        // Anything after the marker comes from a leftover child; keep it.
        return Buffer.concat([buf.subarray(0, at), buf.subarray(at + m[0].length)]);
      }
      if (buf.length - at < this.prefix.length + 9) {
        this.held = Buffer.from(buf.subarray(at));
        return buf.subarray(0, at);
      }
      return buf; // looked like the marker but is not: plain output
    }
    // Hold back a tail that could be the start of the marker. The marker
    // starts with ESC, so only a tail starting at an ESC can be one; most
    // chunks have none near their end and cost no allocation here (this runs
    // for every chunk of a flood).
    const esc = this.prefix[0]!;
    for (let i = buf.indexOf(esc, Math.max(0, buf.length - (this.prefix.length - 1))); i >= 0; i = buf.indexOf(esc, i + 1)) {
      if (buf.compare(this.prefix, 0, buf.length - i, i) === 0) {
        this.held = Buffer.from(buf.subarray(i));
        return buf.subarray(0, i);
      }
    }
    return buf;
  }

  /** Bytes still held back (given out when the process ends without a marker). */
  flush(): Buffer {
    const rest = this.held;
    this.held = EMPTY;
    return rest;
  }
}
