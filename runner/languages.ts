/**
 * How each language runs a role's program: the file it lives in and the
 * command that starts it (commands run inside the sandbox, cwd /work).
 */
import type { Language } from '../protocol/messages.ts';

export interface LanguageInfo {
  /** Shown in the language switch. */
  label: string;
  /** The file that holds a role's program, e.g. server -> server.py. */
  fileFor(role: string): string;
  /** argv that starts the program in that file. */
  command(file: string): string[];
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
/** Java class names are CamelCase: naive_server -> NaiveServer. */
const javaClass = (role: string) => role.split('_').map(capitalize).join('');

export const LANGUAGES: Record<Language, LanguageInfo> = {
  python: {
    label: 'Python',
    fileFor: (role) => `${role}.py`,
    command: (file) => ['python3', file],
  },
  javascript: {
    label: 'JavaScript',
    fileFor: (role) => `${role}.js`,
    command: (file) => ['node', file],
  },
  java: {
    label: 'Java',
    fileFor: (role) => `${javaClass(role)}.java`,
    // Heap and code cache stay well below the sandbox's RLIMIT_DATA so a
    // runaway program gets a clean OutOfMemoryError, not a crash of the JVM.
    // Tiered level 1 starts single-file programs much faster.
    command: (file) => [
      'java',
      '-Xmx256m',
      '-XX:ReservedCodeCacheSize=64m',
      '-XX:MaxMetaspaceSize=128m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Xshare:auto',
      file,
    ],
  },
};
