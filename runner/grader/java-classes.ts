/**
 * Java programs compiled once per grade (and kept while their file is
 * unchanged), not at every start: `java Server.java` compiles the file in
 * memory each time it starts, a second or more of CPU on a busy machine,
 * and a grade starts each program once per check. Here every distinct
 * program file of a grade is compiled in one JVM, in a sandbox of its own
 * (the compiler reads hostile source), by the runner's driver
 * (runner/sandbox/java-compiler.ts); each check's sandbox then gets the
 * class files beside the source and starts `java -cp . <class>`, the class
 * `java Server.java` would have run. A file that does not compile, or
 * whose classes are not plain top-level files, runs as `java Server.java`
 * as before: what the student reads of a compile error is the launcher's.
 */
import { createHash } from 'node:crypto';
import { javaCommand } from '../languages.ts';
import type { Limits } from '../limits.ts';
import type { Backend, Sandbox } from '../sandbox/index.ts';
import { onAbort } from '../abort.ts';
import { JAVA_COMPILER_CLASS, JAVA_COMPILER_PATH, prepareJavaCompiler } from '../sandbox/java-compiler.ts';
import { PtyProcess, newExitTag } from '../terminal/pty-process.ts';

/** A program's class files and the class to run. */
export interface CompiledProgram {
  main: string;
  classes: { name: string; content: Buffer }[];
}

/** How long compiling a grade's programs may take before they run as source. */
const COMPILE_TIMEOUT_MS = 30_000;
/** Bytes of class files one program may compile to (a lab program: tens of KB). */
const MAX_CLASS_BYTES = 4 * 1024 * 1024;
/** Programs kept compiled (the last used), for the next Check of an unchanged file. */
const MAX_KEPT = 64;

/** Compiled programs by source key; null: it does not compile (runs as source). */
const kept = new Map<string, CompiledProgram | null>();

/** What identifies a program's compile: its file name (the public class's) and its text. */
const keyOf = (name: string, content: string) => createHash('sha256').update(name).update('\0').update(content).digest('hex');

/** A class file name javac writes for a class of no package: "Server.class", "Server$Handler.class". */
const CLASS_FILE = /^[A-Za-z_$][\w$]*\.class$/;

/** The compiled form of `file`, if it was compiled by `compileJava` and can run so. */
export function compiledProgram(file: { name: string; content: string }): CompiledProgram | undefined {
  const key = keyOf(file.name, file.content);
  const found = kept.get(key);
  if (found === undefined) return undefined;
  kept.delete(key); // most recently used last
  kept.set(key, found);
  return found ?? undefined;
}

/** The command that runs a compiled program from the work dir. */
export const compiledCommand = (program: CompiledProgram): string[] => javaCommand(['-cp', '.', program.main]);

/**
 * Compiles the files not compiled yet, all in one JVM in one fresh sandbox.
 * Never throws: whatever could not be compiled runs as source. Aborted
 * (`signal`: the grade was stopped), it ends the JVM with its sandbox and
 * keeps nothing of it.
 */
export async function compileJava(backend: Backend, limits: Limits, files: { name: string; content: string }[], signal?: AbortSignal): Promise<void> {
  const todo = [...new Map(files.map((f) => [keyOf(f.name, f.content), f])).entries()].filter(([key]) => !kept.has(key));
  if (!todo.length || signal?.aborted || !(await prepareJavaCompiler())) return;
  let sandbox: Sandbox;
  try {
    sandbox = await backend.create(limits, { check: true });
  } catch {
    return;
  }
  // A stopped grade does not wait out its compile (seconds on a busy machine).
  const unlisten = onAbort([signal], () => void sandbox.close());
  try {
    await sandbox.writeFiles(todo.map(([, f], i) => ({ name: `src${i}/${f.name}`, content: f.content })));
    const args = todo.flatMap(([, f], i) => [`out${i}`, `src${i}/${f.name}`]);
    const said = await runToEnd(sandbox, javaCommand(['-cp', JAVA_COMPILER_PATH, JAVA_COMPILER_CLASS, ...args]), limits);
    if (said === null || signal?.aborted) return;
    for (const [i, [key]] of todo.entries()) {
      const line = said.split('\n').find((l) => l.trim().endsWith(` out${i}`))?.trim();
      if (line === `failed out${i}` || line === `nomain out${i}`) {
        remember(key, null);
        continue;
      }
      const main = /^main ([A-Za-z_$][\w$]*) /.exec(line ?? '')?.[1];
      if (!main) continue; // a class in a package, or no answer: runs as source
      const classes = await sandbox.readFiles(`out${i}`, MAX_CLASS_BYTES).catch(() => null);
      if (!classes?.length || !classes.every((c) => CLASS_FILE.test(c.name)) || !classes.some((c) => c.name === `${main}.class`)) continue;
      remember(key, { main, classes });
    }
  } catch {
    // Not compiled: runs as source.
  } finally {
    unlisten();
    await sandbox.close();
  }
}

function remember(key: string, program: CompiledProgram | null): void {
  kept.set(key, program);
  for (const oldest of kept.keys()) {
    if (kept.size <= MAX_KEPT) break;
    kept.delete(oldest);
  }
}

/** Runs the driver on a terminal as a program runs, under the sandbox's limits; its output, or null when it did not finish in time. */
function runToEnd(sandbox: Sandbox, argv: string[], limits: Limits): Promise<string | null> {
  return new Promise((resolve) => {
    let out = '';
    let timer: NodeJS.Timeout | undefined;
    const tag = newExitTag();
    const term = new PtyProcess(sandbox.spawnPlan(argv, tag), tag, {
      cols: 200,
      rows: 40,
      limits,
      viaForker: true,
      onOutput: (d) => {
        term.ack(d.length);
        if (out.length < 64 * 1024) out += d.toString('utf8');
      },
      onExit: () => {
        clearTimeout(timer);
        resolve(out.replace(/\r/g, ''));
      },
    });
    timer = setTimeout(() => {
      void term.stop();
      resolve(null);
    }, COMPILE_TIMEOUT_MS);
  });
}
