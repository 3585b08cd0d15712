/**
 * Recognises, in the last output of a program that exited, the error of an
 * import the playground cannot satisfy (Node's ERR_MODULE_NOT_FOUND for a
 * package, Python's ModuleNotFoundError), so the page can say which
 * libraries there are instead of leaving a bare resolution error.
 */
import { SANDBOX_NODE_PACKAGES, SANDBOX_PYTHON_PACKAGES } from '../sandbox/runtime.ts';

/** How much of a program's last output is kept to look for the error. */
const TAIL_BYTES = 4096;

/** Keeps the tail of one program's output. */
export class OutputTail {
  private tail = Buffer.alloc(0);

  /** Adds a batch of output. */
  push(data: Buffer): void {
    this.tail = Buffer.concat([this.tail, data]);
    if (this.tail.length > TAIL_BYTES) this.tail = this.tail.subarray(this.tail.length - TAIL_BYTES);
  }

  /** The notice text for a missing library named in the output, or null. */
  missingLibrary(): string | null {
    return missingLibraryNotice(this.tail.toString('utf8'));
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
