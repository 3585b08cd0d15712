/**
 * Reads lab folders and checks them: frontmatter against the schema, the
 * folder name against id and order, and the starter/solution files the run
 * plan needs. Every problem becomes a `LabProblem` with its file and line,
 * so `socklab validate` and the site build can point an instructor at it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LineCounter, parseDocument, isNode, type Node as YamlNode, type Document } from 'yaml';
import type { z } from 'zod';
import type { Language } from '../../protocol/messages.ts';
import { LANGUAGES } from '../languages.ts';
import { LabFrontmatter } from './schema.ts';

/** A mistake in a lab, located for the instructor. */
export interface LabProblem {
  /** Stable code: lab_frontmatter, lab_schema, lab_folder, lab_missing_file. */
  code: 'lab_frontmatter' | 'lab_schema' | 'lab_folder' | 'lab_missing_file';
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

/** The default labs folder: labs/ at the project root. */
export const LABS_DIR = new URL('../../labs/', import.meta.url).pathname;

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
  const seen = new Map<string, Lab>();
  for (const lab of labs) {
    const other = seen.get(lab.meta.id);
    if (other) {
      problems.push({ code: 'lab_folder', file: rel(labsDir, join(lab.dir, 'lab.mdx')), line: 1, message: `id "${lab.meta.id}" is also used by ${other.folder}` });
    }
    seen.set(lab.meta.id, lab);
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
  const folder = dir.split('/').filter(Boolean).pop()!;
  if (!existsSync(file)) {
    throw new LabError([{ code: 'lab_missing_file', file: shown, line: 1, message: 'a lab folder needs a lab.mdx' }]);
  }
  const text = readFileSync(file, 'utf8');
  const fm = splitFrontmatter(text);
  if (!fm) {
    throw new LabError([{ code: 'lab_frontmatter', file: shown, line: 1, message: 'lab.mdx must start with a --- frontmatter block ---' }]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(fm.yaml, { lineCounter, prettyErrors: false });
  if (doc.errors.length) {
    throw new LabError(
      doc.errors.map((e) => ({
        code: 'lab_frontmatter' as const,
        file: shown,
        line: 1 + fm.firstLine + (e.linePos?.[0]?.line ?? 1) - 1,
        message: e.message.split('\n')[0]!,
      })),
    );
  }
  const parsed = LabFrontmatter.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new LabError(
      parsed.error.issues.map((issue) => ({
        code: 'lab_schema' as const,
        file: shown,
        line: fm.firstLine + lineOf(doc, lineCounter, issue) - 1,
        message: `${issue.path.join('.') || 'frontmatter'}: ${issue.message}`,
      })),
    );
  }
  const meta = parsed.data;
  const problems: LabProblem[] = [];
  const m = FOLDER.exec(folder);
  if (!m) {
    problems.push({ code: 'lab_folder', file: shown, line: 1, message: `folder "${folder}" must be named NN-<id>, e.g. 02-tcp-echo` });
  } else {
    if (m[2] !== meta.id) problems.push({ code: 'lab_folder', file: shown, line: fm.firstLine + keyLine(doc, lineCounter, 'id') - 1, message: `id "${meta.id}" does not match the folder name "${folder}"` });
    if (Number(m[1]) !== meta.order) problems.push({ code: 'lab_folder', file: shown, line: fm.firstLine + keyLine(doc, lineCounter, 'order') - 1, message: `order ${meta.order} does not match the folder prefix "${m[1]}"` });
  }
  for (const lang of meta.languages) {
    for (const kind of ['starter', 'solution'] as const) {
      for (const p of meta.processes) {
        const need = join(dir, kind, lang, LANGUAGES[lang].fileFor(p.role));
        if (!existsSync(need)) {
          problems.push({ code: 'lab_missing_file', file: shown, line: fm.firstLine + keyLine(doc, lineCounter, 'languages') - 1, message: `${lang} is offered but ${rel(labsDir, need)} is missing` });
        }
      }
    }
  }
  if (problems.length) throw new LabError(problems);
  return { folder, dir, meta, body: fm.body };
}

/** The files of `starter/<lang>` or `solution/<lang>` (or a mutant) as name -> text. */
export function readLabFiles(lab: Lab, kind: string, lang: Language): Map<string, string> {
  const dir = join(lab.dir, kind, lang);
  const files = new Map<string, string>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isFile()) files.set(name, readFileSync(path, 'utf8'));
  }
  return files;
}

function splitFrontmatter(text: string): { yaml: string; body: string; firstLine: number } | null {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  if (!m) return null;
  // firstLine: the file line of the YAML's first line (line 1 is the opening ---).
  return { yaml: m[1]!, body: text.slice(m[0].length), firstLine: 2 };
}

function lineOf(doc: Document, lc: LineCounter, issue: z.core.$ZodIssue): number {
  // Walk down the path as far as the YAML has it; an unknown key points at
  // itself, a missing one at its parent.
  const path = [...issue.path] as (string | number)[];
  if (issue.code === 'unrecognized_keys' && issue.keys.length) path.push(issue.keys[0]!);
  for (let n = path.length; n > 0; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
    const pair = keyNode(doc, path.slice(0, n));
    if (pair) return lc.linePos(pair).line;
  }
  return 1;
}

function keyLine(doc: Document, lc: LineCounter, key: string): number {
  const pos = keyNode(doc, [key]);
  return pos === undefined ? 1 : lc.linePos(pos).line;
}

/** Offset of the key node of the last path element, if the YAML has it. */
function keyNode(doc: Document, path: (string | number)[]): number | undefined {
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  const last = path[path.length - 1];
  const items = (parent as { items?: { key?: YamlNode & { value?: unknown } }[] } | null)?.items;
  if (!items) return undefined;
  for (const item of items) {
    const k = item.key;
    if (k && (k as { value?: unknown }).value === last && k.range) return k.range[0];
  }
  return undefined;
}

function rel(labsDir: string, file: string): string {
  return relative(join(labsDir, '..'), file) || file;
}
