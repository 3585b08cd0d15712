/**
 * Recognises, in the last output of a program that exited, the error of an
 * import the playground cannot satisfy (Node's ERR_MODULE_NOT_FOUND for a
 * package, Python's ModuleNotFoundError), so the page can say which
 * libraries there are instead of leaving a bare resolution error.
 */
import { SANDBOX_NODE_PACKAGES, SANDBOX_PYTHON_PACKAGES } from '../sandbox/runtime.ts';

/** How much of a program's last output is kept to look for the error. */
const TAIL_BYTES = 4096;

/**
 * Keeps the tail of one program's output: the last batches, by reference,
 * only as many as make up TAIL_BYTES. Every byte of a flood passes here, so
 * nothing is copied until the program has exited and the tail is read.
 */
export class OutputTail {
  private batches: Buffer[] = [];
  private bytes = 0;

  /** Adds a batch of output (kept as it is: the caller must not reuse it). */
  push(data: Buffer): void {
    this.batches.push(data);
    this.bytes += data.length;
    while (this.bytes - this.batches[0]!.length >= TAIL_BYTES) this.bytes -= this.batches.shift()!.length;
  }

  /** The notice text for a missing library named in the output, or null. */
  missingLibrary(): string | null {
    const all = Buffer.concat(this.batches);
    return missingLibraryNotice(all.subarray(Math.max(0, all.length - TAIL_BYTES)).toString('utf8'));
  }
}

/** Names as `a, b and c`. */
function list(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** The notice for the missing library named in `output`, or null when there is none. */
export function missingLibraryNotice(output: string): string | null {
  // Node names a bare specifier as a package; a missing relative file says "module".
  const node = /ERR_MODULE_NOT_FOUND[^\n]*?Cannot find package '([^'\n]{1,100})'|Cannot find package '([^'\n]{1,100})' imported from/.exec(output);
  if (node) {
    const name = node[1] ?? node[2]!;
    return `this playground has ${list(SANDBOX_NODE_PACKAGES)} (and Node.js's own modules); ${name} is not installed, and nothing can be installed here`;
  }
  const py = /ModuleNotFoundError: No module named '([^'\n]{1,100})'/.exec(output);
  if (py) {
    const name = py[1]!.split('.')[0]!;
    return `this playground has ${list(SANDBOX_PYTHON_PACKAGES)} (and Python's standard library); ${name} is not installed, and nothing can be installed here`;
  }
  return null;
}
