/**
 * Everything the project knows about each language, in one record: the file
 * a role's program lives in, the command that starts it (inside the sandbox,
 * cwd /work), the editor's language id, and the files the runtime needs
 * beside the student's. Adding a language means a record here, its name in
 * the protocol's `Language` enum and its Monaco registration in
 * site/workbench/editor.ts.
 */
import type { Language, StudentFile } from '../protocol/messages.ts';

export interface LanguageInfo {
  /** Shown in the language switch. */
  label: string;
  /** The file that holds a role's program, e.g. server -> server.py. */
  fileFor(role: string): string;
  /** argv that starts the program in that file. */
  command(file: string): string[];
  /** The command as a lesson names it ("java Server.java"), for a person to read: no runtime tuning flags. */
  shown(file: string): string;
  /** Monaco's language id for the editor. */
  monaco: string;
  /** Files the runtime needs beside the student's, added when the student sent none of that name. */
  scaffold: StudentFile[];
}

/**
 * Where a sandbox holds the runner's class-data-sharing archive of the JDK
 * (runner/sandbox/java-archive.ts builds it, read-only to students). A JVM
 * that finds none there, or one made by another JDK, starts as without it.
 */
export const JAVA_ARCHIVE_PATH = '/.socklab/java/java.jsa';

/**
 * The JVM's flags for a student's program. Heap and code cache stay well
 * below the sandbox's RLIMIT_DATA so a runaway program gets a clean
 * OutOfMemoryError, not a crash of the JVM. Tiered level 1 starts
 * single-file programs much faster. A small initial heap grows only as live
 * data needs it: with the JVM's default (a 64th of the machine's RAM)
 * garbage alone can touch 100 MB before the first collection, which lab 5's
 * memory check would count. The archive must be made with the same flags.
 */
export const JAVA_FLAGS: readonly string[] = ['-Xms16m', '-Xmx256m', '-XX:ReservedCodeCacheSize=64m', '-XX:MaxMetaspaceSize=128m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xshare:auto'];

/** argv of a JVM started as a student's program is: JAVA_FLAGS and the runner's archive, then `rest`. */
export const javaCommand = (rest: string[]): string[] => ['java', ...JAVA_FLAGS, `-XX:SharedArchiveFile=${JAVA_ARCHIVE_PATH}`, ...rest];

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
/** Java class names are CamelCase: naive_server -> NaiveServer. */
const javaClass = (role: string) => role.split('_').map(capitalize).join('');

export const LANGUAGES: Record<Language, LanguageInfo> = {
  python: {
    label: 'Python',
    fileFor: (role) => `${role}.py`,
    command: (file) => ['python3', file],
    shown: (file) => `python3 ${file}`,
    monaco: 'python',
    scaffold: [],
  },
  javascript: {
    label: 'JavaScript',
    fileFor: (role) => `${role}.js`,
    command: (file) => ['node', file],
    shown: (file) => `node ${file}`,
    monaco: 'javascript',
    // Node.js runs a plain .js file as an ES module only inside a "type": "module" package.
    scaffold: [{ name: 'package.json', content: '{ "type": "module" }\n' }],
  },
  java: {
    label: 'Java',
    fileFor: (role) => `${javaClass(role)}.java`,
    // The JDK's classes (the source launcher's compiler among them) come mapped from the archive.
    command: (file) => javaCommand([file]),
    // Compiled ahead or not, it is the program `java Server.java` runs.
    shown: (file) => `java ${file}`,
    monaco: 'java',
    scaffold: [],
  },
};

/** The student's files plus the language's scaffold files the student did not send. */
export function withScaffold(lang: Language, files: readonly StudentFile[]): StudentFile[] {
  return [...files, ...LANGUAGES[lang].scaffold.filter((s) => !files.some((f) => f.name === s.name))];
}
