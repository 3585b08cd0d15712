/**
 * The grader API's reference, read from runner/grader/api.ts itself at
 * build time: each exported interface, its members' signatures and their
 * JSDoc. The "Write a lab" page renders it, so the page cannot drift from
 * the API. A plain reader of the file's shape (interfaces of one-line or
 * multi-line members, each after its JSDoc), not a TypeScript parser: the
 * course must build where socklab's devDependencies are not installed.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const GRADER_API_FILE = fileURLToPath(new URL('../../runner/grader/api.ts', import.meta.url));

export interface ApiMember {
  name: string;
  /** The declaration as written, e.g. "connect(port: number, ...): Promise<Conn>;" */
  signature: string;
  doc: string;
}

export interface ApiInterface {
  name: string;
  doc: string;
  members: ApiMember[];
}

const cleanDoc = (raw: string) =>
  raw
    .trim()
    .replace(/^\/\*\*|\*\/$/g, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, '').trim())
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();

/** Every exported interface of the grader API, in file order. */
export function graderApi(source: string = readFileSync(GRADER_API_FILE, 'utf8')): ApiInterface[] {
  const out: ApiInterface[] = [];
  // An interface: its JSDoc (optional), then its body up to the closing brace at line start.
  const re = /(\/\*\*(?:(?!\*\/)[\s\S])*\*\/)?\s*export interface (\w+)(?:<[^>{]*>)?(?: extends [^{]+)? \{\n([\s\S]*?)\n\}/g;
  for (const m of source.matchAll(re)) {
    out.push({ name: m[2]!, doc: m[1] ? cleanDoc(m[1]) : '', members: members(m[3]!) });
  }
  return out;
}

function members(body: string): ApiMember[] {
  const list: ApiMember[] = [];
  let doc = '';
  let pending = '';
  let depth = 0;
  for (const line of body.split('\n')) {
    const t = line.trim();
    if (!pending && t.startsWith('/**')) {
      doc = t;
      if (!t.endsWith('*/')) doc += '\n';
      continue;
    }
    if (doc && !doc.trimEnd().endsWith('*/')) {
      doc += `${t}\n`;
      continue;
    }
    if (!t) continue;
    pending += (pending ? ' ' : '') + t;
    depth += (t.match(/[({<]/g) ?? []).length - (t.match(/[)}>]/g) ?? []).length + (t.match(/=>/g) ?? []).length;
    if (depth <= 0 && /;$/.test(t)) {
      const name = /^(?:readonly\s+)?(\w+)/.exec(pending)?.[1] ?? pending;
      list.push({ name, signature: pending.replace(/\(\s+/g, '(').replace(/,\s*\)/g, ')'), doc: doc ? cleanDoc(doc) : '' });
      pending = '';
      doc = '';
      depth = 0;
    }
  }
  return list;
}
