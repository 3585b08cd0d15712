/**
 * `socklab new <id>`: a new lab folder in a course's labs/, copied from a
 * lab that is already proven (the greeter template, or `--from` an existing
 * lab), so the new one validates and its grader proof passes as created.
 * Its lab.mdx frontmatter is written with every field explained, the
 * explanations taken from the schema itself (protocol/lab.ts).
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Document, isMap, isScalar, isSeq, type Node } from 'yaml';
import { LabFrontmatter } from '../../protocol/lab.ts';
import { BUILTIN_LABS_DIR, findLab, LabError, LABS_DIR, loadLab, loadLabs, type Lab } from '../labs/load.ts';
import { labJsonSchema, type JsonSchema } from './schema.ts';

/** A `socklab new` input that cannot be used (exit 2 with this message). */
export class NewLabError extends Error {}

/** The folder of the lab `socklab new` copies when no `--from` is given. */
export const TEMPLATE_LAB = fileURLToPath(new URL('./templates/01-greeter/', import.meta.url));
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GRADER_API = join(PACKAGE_ROOT, 'runner/grader/api.ts');
/** What a course outside this package imports the grader API as (package.json "exports"). */
export const GRADER_PACKAGE_SPECIFIER = 'socklab/grader';

export interface NewLabOptions {
  /** The course's labs folder, where the lab is created. */
  labsDir: string;
  id: string;
  /** Title; default: the id in words. */
  title?: string;
  /** A lab id or folder to copy, looked up in `labsDir` then in socklab's own labs. */
  from?: string;
}

/** Creates the lab folder; returns its path. Throws NewLabError on a bad input. */
export function newLab(opts: NewLabOptions): string {
  const id = LabFrontmatter.shape.id.safeParse(opts.id);
  if (!id.success) throw new NewLabError(`lab id "${opts.id}": ${id.error.issues[0]!.message}, e.g. dns-client`);
  if (opts.title !== undefined) {
    const t = LabFrontmatter.shape.title.safeParse(opts.title);
    if (!t.success) throw new NewLabError(`--title: ${t.error.issues[0]!.message}`);
  }
  if (!existsSync(opts.labsDir) || !statSync(opts.labsDir).isDirectory()) throw new NewLabError(`${opts.labsDir} is not a folder`);
  // Folder names only: a course with a broken lab can still get a new one.
  const folders = readdirSync(opts.labsDir).filter((f) => /^\d{2}-/.test(f) && statSync(join(opts.labsDir, f)).isDirectory());
  const taken = folders.find((f) => f.slice(3) === id.data);
  if (taken) throw new NewLabError(`a lab called "${id.data}" already exists: ${join(opts.labsDir, taken)}`);
  const order = Math.max(0, ...folders.map((f) => Number(f.slice(0, 2)) + 1));
  if (order > 99) throw new NewLabError('a course holds at most 100 labs (folders 00- to 99-)');

  const source = opts.from === undefined ? loadLab(TEMPLATE_LAB, join(TEMPLATE_LAB, '..')) : sourceLab(opts.from, opts.labsDir);
  const folder = `${String(order).padStart(2, '0')}-${id.data}`;
  const dir = join(opts.labsDir, folder);
  mkdirSync(dir);
  // Everything of the lab but its lesson (written below with the new id):
  // programs, checks and their helpers, the Korean lesson.
  for (const entry of readdirSync(source.dir)) {
    if (entry === 'lab.mdx') continue;
    const from = join(source.dir, entry);
    if (statSync(from).isDirectory()) cpSync(from, join(dir, entry), { recursive: true });
    else if (entry.endsWith('.ts')) {
      // The grader API is imported from wherever this course finds socklab.
      writeFileSync(join(dir, entry), readFileSync(from, 'utf8').replace(/(from\s+['"])[^'"]*grader\/api(?:\.ts)?(['"])/g, `$1${graderImport(dir)}$2`));
    } else cpSync(from, join(dir, entry));
  }
  const meta = { ...source.meta, id: id.data, order, title: opts.title ?? words(id.data) };
  writeFileSync(join(dir, 'lab.mdx'), `---\n${commentedFrontmatter(meta)}---\n${source.body}`);
  return dir;
}

function sourceLab(from: string, labsDir: string): Lab {
  const candidates: Lab[] = [];
  // In a course LABS_DIR is the course's own labs/: socklab's built-in labs are looked in too.
  for (const dir of new Set([labsDir, LABS_DIR, BUILTIN_LABS_DIR].map((d) => resolve(d)))) {
    try {
      candidates.push(...loadLabs(dir));
    } catch (err) {
      if (!(err instanceof LabError)) throw err;
    }
  }
  const lab = findLab(candidates, from);
  if (!lab) throw new NewLabError(`--from: no lab is called "${from}"; labs: ${[...new Set(candidates.map((l) => l.meta.id))].join(', ')}`);
  return lab;
}

/** The module specifier a lab in `dir` imports the grader API with. */
export function graderImport(dir: string): string {
  const rel = relative(PACKAGE_ROOT, dir);
  if (rel.startsWith('..') || rel === '' || rel.includes(':')) return GRADER_PACKAGE_SPECIFIER;
  return relative(dir, GRADER_API).split(sep).join('/');
}

const words = (id: string) => id.charAt(0).toUpperCase() + id.slice(1).replace(/-/g, ' ');

const HEADER = ` Frontmatter of a socklab lab: \`socklab validate\` checks it (file:line).
 Its JSON Schema (made from protocol/lab.ts): \`npx socklab schema > lab.schema.json\`.
 VS Code's YAML extension does not read Markdown frontmatter
 (redhat-developer/vscode-yaml#207): to check this block as you type, use
 the remark extension (unifiedjs.vscode-remark) with the plugin
 remark-lint-frontmatter-schema pointed at lab.schema.json, or copy the
 block into a .yaml file that starts with
 "# yaml-language-server: $schema=./lab.schema.json".`;

/** The frontmatter as YAML with each field's description from the schema above it. */
export function commentedFrontmatter(meta: LabFrontmatter): string {
  const doc = new Document(meta);
  doc.commentBefore = HEADER;
  const schema = labJsonSchema();
  annotate(doc.contents as Node, schema);
  // Optional fields the lab leaves out are still named, commented out, so every field is explained.
  const absent = Object.entries(schema.properties ?? {}).filter(([key]) => !(key in meta));
  return doc.toString({ lineWidth: 100 }) + absent.map(([key, sub]) => `\n# ${sub.description ?? ''}\n# ${key}: (optional; see lab.schema.json)\n`).join('');
}

/** Puts `schema`'s descriptions on the keys of `node` (lists: on their first item only). */
function annotate(node: Node | null | undefined, schema: JsonSchema | undefined): void {
  if (!node || !schema) return;
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      const sub = key === undefined ? undefined : schema.properties?.[key];
      if (sub?.description && isScalar(pair.key)) pair.key.commentBefore = ` ${sub.description}${enumNote(sub)}`;
      annotate(pair.value as Node, sub);
    }
  } else if (isSeq(node)) {
    annotate(node.items[0] as Node, schema.items);
  }
}

const enumNote = (s: JsonSchema) => (s.enum ? ` One of: ${s.enum.join(', ')}.` : s.items?.enum ? ` Each one of: ${s.items.enum.join(', ')}.` : '');
