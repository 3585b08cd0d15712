/**
 * A student's folder, read as `socklab grade` and `run` send it and as a
 * class grade reads each submission: plain files only, never through a
 * link, within the session's limits. A student's folder is the student's
 * text: a link to /etc must never bring the grader's own files along.
 */
import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FileName, PUBLIC_DIR, type Language, type StudentFile } from '../../protocol/messages.ts';
import { LANGUAGES } from '../languages.ts';
import type { Lab } from '../labs/load.ts';
import type { Limits } from '../limits.ts';
import { graderSay, type GraderSay } from './messages.ts';
import { escapeChar, UNSAFE } from './transcript.ts';

/** A folder that cannot be used as it is; `message` names the entry and says why. */
export class SubmissionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SubmissionError';
  }
}

/**
 * Reads a student's folder: the language (given or found from file names)
 * and its files. Only plain files are read, never through a link, and the
 * folder must fit the session's limits: anything else is a usage error that
 * names the entry, so a link to /etc, a FIFO or a 1 GB file stops here.
 * Its errors are in `say`'s language (default English).
 */
export function readStudentFolder(dirArg: string, lab: Lab, lang: Language | undefined, limits: Limits, say: GraderSay = graderSay('en')): { lang: Language; files: StudentFile[]; skipped: string[] } {
  const dir = resolve(dirArg);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new SubmissionError(say('submission.notFolder', { dir: dirArg }));
  const problems: string[] = [];
  const skipped: string[] = [];
  const names: string[] = [];
  const entries = readdirSync(dir).sort();
  // The web page a lab's server serves is the one folder that is sent.
  if (existsSync(join(dir, PUBLIC_DIR)) && lstatSync(join(dir, PUBLIC_DIR)).isDirectory()) {
    entries.push(...readdirSync(join(dir, PUBLIC_DIR)).sort().map((name) => `${PUBLIC_DIR}/${name}`));
  }
  for (const entry of entries) {
    const st = lstatSync(join(dir, entry));
    // A file's name is the student's text too: it must not drive the terminal it is printed on.
    const name = entry.replace(UNSAFE, escapeChar);
    if (st.isDirectory()) continue; // __pycache__, .git: not part of the program
    if (st.isSymbolicLink()) problems.push(say('submission.link', { name }));
    else if (!st.isFile()) problems.push(say('submission.notPlain', { name }));
    else if (!FileName.safeParse(entry).success) skipped.push(name);
    else if (st.size > limits.maxFileBytes) problems.push(say('submission.tooBig', { name, bytes: st.size, max: limits.maxFileBytes }));
    else names.push(entry);
  }
  if (problems.length) throw new SubmissionError(`${say('submission.cannotUse', { dir: dirArg })}\n  ${problems.join('\n  ')}`);
  if (names.length > limits.maxFiles) throw new SubmissionError(say('submission.tooMany', { dir: dirArg, n: names.length, max: limits.maxFiles }));
  const found = lang ?? lab.meta.languages.find((l) => lab.meta.processes.some((p) => names.includes(LANGUAGES[l].fileFor(p.role))));
  if (!found) {
    const expected = lab.meta.languages.flatMap((l) => lab.meta.processes.map((p) => LANGUAGES[l].fileFor(p.role)));
    throw new SubmissionError(say('submission.noProgram', { dir: dirArg, expected: expected.join(', ') }));
  }
  if (!lab.meta.languages.includes(found)) throw new SubmissionError(say('submission.notOffered', { lab: lab.meta.title, languages: lab.meta.languages.join(', '), lang: found }));
  const files = names.map((name) => ({ name, content: readPlainFile(join(dir, name), limits.maxFileBytes, say) }));
  const total = files.reduce((n, f) => n + Buffer.byteLength(f.content), 0);
  if (total > limits.maxTotalFileBytes) throw new SubmissionError(say('submission.tooMuch', { dir: dirArg, bytes: total, max: limits.maxTotalFileBytes }));
  return { lang: found, files, skipped };
}

/**
 * Reads a file checked by lstat, opened so that it cannot have become a
 * link or a FIFO since (no following, no blocking) and no bigger than `max`.
 */
function readPlainFile(path: string, max: number, say: GraderSay): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    throw new SubmissionError(say('submission.unreadable', { path, error: (err as Error).message }));
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > max) throw new SubmissionError(say('submission.changed', { path }));
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

