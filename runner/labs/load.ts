/**
 * Reads lab folders and checks them: frontmatter against the schema, the
 * folder name against id and order, and the starter/solution files the run
 * plan needs. Every problem becomes a `LabProblem` with its file and line,
 * so `socklab validate` and the site build can point an instructor at it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, isMap, isNode, isScalar, isSeq, type Document } from 'yaml';
import { z } from 'zod';
import { PUBLIC_DIR, type Language } from '../../protocol/messages.ts';
import { LANGUAGES } from '../languages.ts';
import { LabFrontmatter } from '../../protocol/lab.ts';
import { LOCALES, SOURCE_LOCALE, type Locale } from '../../protocol/i18n/catalog.ts';

/** A mistake in a lab, located for the instructor. */
export interface LabProblem {
  /**
   * Stable code: lab_frontmatter, lab_schema, lab_folder, lab_missing_file;
   * for the course's socklab.config.json (runner/course/config.ts)
   * course_config (not JSON, or against its schema) and course_lab (a lab id
   * it names that is no lab, or twice).
   */
  code: 'lab_frontmatter' | 'lab_schema' | 'lab_folder' | 'lab_missing_file' | 'course_config' | 'course_lab';
  file: string;
  line: number;
  message: string;
}

/** A lab that passed every check. */
export interface Lab {
  /** Folder name, e.g. "02-tcp-echo". */
  folder: string;
  /** Absolute path of the folder. */
  dir: string;
  meta: LabFrontmatter;
  /** Markdown after the frontmatter. */
  body: string;
  /** The lesson in other languages (lab.<locale>.mdx beside lab.mdx), when written. */
  translations: { [L in LessonLocale]?: Translation };
}

/** Languages a lesson is translated into (lab.ko.mdx): the course's languages but English. */
export type LessonLocale = Exclude<Locale, typeof SOURCE_LOCALE>;
export const LESSON_LOCALES = LOCALES.filter((l): l is LessonLocale => l !== SOURCE_LOCALE);

/** A translation's frontmatter: only its words; every fact (ports, plan...) stays in lab.mdx. */
export const TranslatedFrontmatter = z.strictObject({ title: LabFrontmatter.shape.title, summary: LabFrontmatter.shape.summary });

/** A lab's lesson in another language. */
export interface Translation {
  /** Absolute path of lab.<locale>.mdx. */
  file: string;
  title: string;
  summary: string;
  body: string;
}

/** Thrown by `loadLab(s)` with every problem found, not just the first. */
export class LabError extends Error {
  constructor(readonly problems: LabProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'LabError';
  }
}

/** "labs/02-tcp-echo/lab.mdx:7: languages: every lab offers python" */
export function formatProblem(p: LabProblem): string {
  return `${p.file}:${p.line}: ${p.message} [${p.code}]`;
}

/** socklab's own labs: labs/ at the package root (a course may take them in, see runner/course/labs.ts). */
export const BUILTIN_LABS_DIR = fileURLToPath(new URL('../../labs', import.meta.url));

/** The default labs folder: $SOCKLAB_LABS_DIR (a course's, see runner/course/detect.ts), else socklab's own. */
export const LABS_DIR = process.env.SOCKLAB_LABS_DIR ? resolve(process.env.SOCKLAB_LABS_DIR) : BUILTIN_LABS_DIR;

const FOLDER = /^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)$/;

/** Reads every lab under `labsDir` in course order; throws LabError listing all problems. */
export function loadLabs(labsDir: string = LABS_DIR): Lab[] {
  const labs: Lab[] = [];
  const problems: LabProblem[] = [];
  for (const folder of readdirSync(labsDir).sort()) {
    const dir = join(labsDir, folder);
    if (!statSync(dir).isDirectory()) continue;
    try {
      labs.push(loadLab(dir, labsDir));
    } catch (err) {
      if (err instanceof LabError) problems.push(...err.problems);
      else throw err;
    }
  }
  const ids = new Map<string, Lab>();
  const orders = new Map<number, Lab>();
  for (const lab of labs) {
    const file = join(lab.dir, 'lab.mdx');
    const sameId = ids.get(lab.meta.id);
    if (sameId) {
      problems.push({ code: 'lab_folder', file: rel(labsDir, file), line: frontmatterKeyLine(file, 'id'), message: `id "${lab.meta.id}" is also used by ${sameId.folder}` });
    } else ids.set(lab.meta.id, lab);
    const sameOrder = orders.get(lab.meta.order);
    if (sameOrder) {
      problems.push({ code: 'lab_folder', file: rel(labsDir, file), line: frontmatterKeyLine(file, 'order'), message: `order ${lab.meta.order} is also used by ${sameOrder.folder}` });
    } else orders.set(lab.meta.order, lab);
  }
  if (problems.length) throw new LabError(problems);
  return labs.sort((a, b) => a.meta.order - b.meta.order);
}

/** Finds a lab by id ("tcp-echo") or folder name ("02-tcp-echo"). */
export function findLab(labs: Lab[], name: string): Lab | undefined {
  return labs.find((l) => l.meta.id === name || l.folder === name);
}

/** Reads and checks one lab folder. */
export function loadLab(dir: string, labsDir: string = LABS_DIR): Lab {
  const file = join(dir, 'lab.mdx');
  const shown = rel(labsDir, file);
  const folder = basename(dir);
  if (!existsSync(file)) {
    throw new LabError([{ code: 'lab_missing_file', file: shown, line: 1, message: 'a lab folder needs a lab.mdx' }]);
  }
  const { data: meta, doc, lineCounter, body, at } = readFrontmatter(file, shown, LabFrontmatter);
  const problems: LabProblem[] = [];
  const m = FOLDER.exec(folder);
  if (!m) {
    problems.push({ code: 'lab_folder', file: shown, line: 1, message: `folder "${folder}" must be named NN-<id>, e.g. 02-tcp-echo` });
  } else {
    if (m[2] !== meta.id) problems.push({ code: 'lab_folder', file: shown, line: at(lineOf(doc, lineCounter, ['id'])), message: `id "${meta.id}" does not match the folder name "${folder}"` });
    if (Number(m[1]) !== meta.order) problems.push({ code: 'lab_folder', file: shown, line: at(lineOf(doc, lineCounter, ['order'])), message: `order ${meta.order} does not match the folder prefix "${m[1]}"` });
  }
  meta.languages.forEach((lang, i) => {
    for (const kind of ['starter', 'solution'] as const) {
      for (const p of meta.processes) {
        const need = join(dir, kind, lang, LANGUAGES[lang].fileFor(p.role));
        if (!isFile(need)) {
          problems.push({ code: 'lab_missing_file', file: shown, line: at(lineOf(doc, lineCounter, ['languages', i])), message: `${lang} is offered but ${rel(labsDir, need)} is missing` });
        }
      }
    }
  });
  const translations: Lab['translations'] = {};
  for (const locale of LESSON_LOCALES) {
    const tfile = join(dir, `lab.${locale}.mdx`);
    if (!existsSync(tfile)) continue;
    try {
      const t = readFrontmatter(tfile, rel(labsDir, tfile), TranslatedFrontmatter);
      translations[locale] = { file: tfile, ...t.data, body: t.body };
    } catch (err) {
      if (err instanceof LabError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length) throw new LabError(problems);
  return { folder, dir, meta, body, translations };
}

/** What `socklab validate` warns about a lab that loaded: each language its lesson lacks. */
export function translationWarnings(lab: Lab): string[] {
  return LESSON_LOCALES.filter((locale) => !lab.translations[locale]).map(
    (locale) => `${lab.folder}: no lab.${locale}.mdx yet; the /${locale}/ page shows the English lesson with a notice`,
  );
}

/**
 * Reads a lesson file's frontmatter and checks it against `schema`; throws a
 * LabError with every problem at its line.
 */
function readFrontmatter<S extends z.ZodType<Record<string, unknown>>>(file: string, shown: string, schema: S) {
  const name = basename(file);
  const fm = splitFrontmatter(readFileSync(file, 'utf8'));
  if (!fm) {
    throw new LabError([{ code: 'lab_frontmatter', file: shown, line: 1, message: `${name} must start with a --- frontmatter block ---` }]);
  }
  const { doc, lineCounter } = parseFrontmatter(fm.yaml);
  // File line of a YAML line (both 1-based).
  const at = (yamlLine: number) => fm.firstLine + yamlLine - 1;
  if (doc.errors.length) {
    // linePos is only filled in with prettyErrors; pos always is. One
    // mistake often yields several errors on its line: keep the first.
    const byLine = new Map<number, LabProblem>();
    for (const e of doc.errors) {
      const line = at(lineCounter.linePos(e.pos[0]).line);
      if (!byLine.has(line)) byLine.set(line, { code: 'lab_frontmatter', file: shown, line, message: e.message.split('\n')[0]! });
    }
    throw new LabError([...byLine.values()]);
  }
  const parsed = schema.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new LabError(parsed.error.issues.flatMap((issue) => schemaProblems(doc, lineCounter, issue, shown, fm.firstLine, schema)));
  }
  return { data: parsed.data as z.infer<S>, doc, lineCounter, body: fm.body, at };
}

/** The files of `starter/<lang>` or `solution/<lang>` (or a mutant) as name -> text. */
export function readLabFiles(lab: Lab, kind: string, lang: Language): Map<string, string> {
  const dir = join(lab.dir, kind, lang);
  const files = new Map<string, string>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isFile()) files.set(name, readFileSync(path, 'utf8'));
    else if (name === PUBLIC_DIR) {
      for (const inner of readdirSync(path).sort()) {
        if (statSync(join(path, inner)).isFile()) files.set(`${name}/${inner}`, readFileSync(join(path, inner), 'utf8'));
      }
    }
  }
  return files;
}

/** Splits `---\n<yaml>\n---\n<body>`; null when the file does not start with a frontmatter block. */
function splitFrontmatter(text: string): { yaml: string; body: string; firstLine: number } | null {
  const m = /^(?:\uFEFF)?---[ \t]*\r?\n(?:([\s\S]*?)\r?\n)?---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!m) return null;
  // firstLine: the file line of the YAML's first line (line 1 is the opening ---).
  return { yaml: m[1] ?? '', body: text.slice(m[0].length), firstLine: 2 };
}

function parseFrontmatter(yaml: string): { doc: Document; lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(yaml, { lineCounter, prettyErrors: false });
  return { doc, lineCounter };
}

/**
 * The problems for one zod issue in a YAML (or JSON) document whose first
 * line is the file's line `firstLine`: an unknown key becomes one problem
 * per key, at that key.
 */
export function schemaProblems(
  doc: Document,
  lc: LineCounter,
  issue: z.core.$ZodIssue,
  file: string,
  firstLine: number,
  schema: z.ZodType,
  code: LabProblem['code'] = 'lab_schema',
): LabProblem[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const at = (p: (string | number)[]) => firstLine + lineOf(doc, lc, p) - 1;
  const name = (p: (string | number)[]) => p.join('.') || 'frontmatter';
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      code,
      file,
      line: at([...path, key]),
      message: `${name([...path, key])}: unknown key${path.length ? '' : ` (allowed: ${schema instanceof z.ZodObject ? Object.keys(schema.shape).join(', ') : '?'})`}`,
    }));
  }
  const missing = issue.code === 'invalid_type' && path.length > 0 && !doc.hasIn(path);
  return [{ code, file, line: at(path), message: `${name(path)}: ${missing ? 'required but missing' : issue.message}` }];
}

/**
 * The YAML line (1-based) of a path in the frontmatter. A map entry points at
 * its key (so `languages:` with a block list below it points at
 * `languages:`, and an unknown key at itself), a list item at the item.
 * Whatever the YAML lacks points at its nearest ancestor; the root at line 1.
 */
export function lineOf(doc: Document, lc: LineCounter, path: readonly (string | number)[]): number {
  for (let n = path.length; n > 0; n--) {
    const parent = n > 1 ? doc.getIn(path.slice(0, n - 1), true) : doc.contents;
    const last = path[n - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === last);
      const start = isNode(pair?.key) ? pair.key.range?.[0] : undefined;
      if (start !== undefined) return lc.linePos(start).line;
    } else if (isSeq(parent) && typeof last === 'number') {
      const item = parent.items[last];
      const start = isNode(item) ? item.range?.[0] : undefined;
      if (start !== undefined) return lc.linePos(start).line;
    }
  }
  return 1;
}

/** The file line of a top-level key of a lab.mdx that already loaded (for problems found across labs). */
function frontmatterKeyLine(file: string, key: string): number {
  const fm = splitFrontmatter(readFileSync(file, 'utf8'));
  if (!fm) return 1;
  const { doc, lineCounter } = parseFrontmatter(fm.yaml);
  return fm.firstLine + lineOf(doc, lineCounter, [key]) - 1;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function rel(labsDir: string, file: string): string {
  return relative(join(labsDir, '..'), file) || file;
}
