/**
 * A course's own config, socklab.config.json beside its labs/: which of
 * socklab's built-in labs the course takes in, which labs it hides, and
 * their order. The zod schema here is the one source: `socklab validate`
 * checks a config against it (each mistake at its file:line), and the JSON
 * Schema an editor reads (course.schema.json at the package root, named by
 * the config's "$schema") is generated from it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { LabError, lineOf, schemaProblems, type LabProblem } from '../labs/load.ts';
import type { JsonSchema } from './schema.ts';

/** The config's file name, in the course folder (the parent of its labs/). */
export const CONFIG_FILE = 'socklab.config.json';

/** The generated JSON Schema's file name, at the package root (so a course names it as node_modules/socklab/course.schema.json). */
export const CONFIG_SCHEMA_FILE = 'course.schema.json';

const LabId = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'a lab id: lower-case words joined by -, e.g. tcp-echo');

/** socklab.config.json, as zod reads it. */
export const CourseConfig = z
  .strictObject({
    $schema: z.string().optional().describe('The JSON Schema of this file, for editors: ./node_modules/socklab/course.schema.json.'),
    labs: z
      .strictObject({
        include: z
          .union([z.literal('all'), z.array(LabId)])
          .default([])
          .describe('socklab\'s built-in labs this course keeps beside its own labs/: "all", or their ids (e.g. ["udp-echo", "tcp-echo"]). Default: none.'),
        hide: z
          .array(LabId)
          .default([])
          .describe('Ids of labs (built-in or the course\'s own) left out of the course: no page, no session, no grade. The course\'s own hidden labs are still checked (frontmatter and files).'),
        order: z
          .array(LabId)
          .default([])
          .describe('Course order: these labs first, in this order; every other lab after them by its frontmatter order.'),
      })
      .default({ include: [], hide: [], order: [] })
      .describe('Which labs the course has, and in what order.'),
  })
  .describe('A socklab course\'s config (socklab.config.json beside labs/).');
export type CourseConfig = z.infer<typeof CourseConfig>;

/** The config of a course without socklab.config.json: its own labs only, in frontmatter order. */
export const DEFAULT_CONFIG: CourseConfig = CourseConfig.parse({});

/** JSON Schema of socklab.config.json as an instructor writes it (fields with a default are optional). */
export function courseConfigJsonSchema(): JsonSchema {
  return { ...(z.toJSONSchema(CourseConfig, { io: 'input' }) as JsonSchema), title: 'socklab course config (socklab.config.json)' };
}

/** A config that was read: its values, and where each of them was written. */
export interface ReadConfig {
  config: CourseConfig;
  /** The file as shown in problems ("socklab.config.json"). */
  file: string;
  /** File line (1-based) of a path in the config, e.g. ['labs', 'hide', 0]. */
  lineOf(path: (string | number)[]): number;
}

/**
 * Reads `<courseDir>/socklab.config.json`; the default config when there is
 * none. Throws a LabError with every problem at its line (code
 * course_config): JSON that does not parse, an unknown key, a wrong type.
 */
export function readCourseConfig(courseDir: string): ReadConfig {
  const path = join(courseDir, CONFIG_FILE);
  const file = CONFIG_FILE;
  if (!existsSync(path)) return { config: DEFAULT_CONFIG, file, lineOf: () => 1 };
  const text = readFileSync(path, 'utf8');
  try {
    JSON.parse(text);
  } catch (err) {
    throw new LabError([{ code: 'course_config', file, line: jsonErrorLine(text, err as Error), message: `not JSON: ${(err as Error).message}` }]);
  }
  // JSON is YAML: the yaml parser gives every value its line, as for lab.mdx frontmatter.
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false });
  const parsed = CourseConfig.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new LabError(parsed.error.issues.flatMap((issue) => schemaProblems(doc, lineCounter, issue, file, 1, CourseConfig, 'course_config')));
  }
  return { config: parsed.data, file, lineOf: (p) => lineOf(doc, lineCounter, p) };
}

/** The line of a JSON.parse error: Node names the position ("... at position 42"); line 1 when it does not. */
function jsonErrorLine(text: string, err: Error): number {
  const m = /at position (\d+)/.exec(err.message);
  if (m) return text.slice(0, Number(m[1])).split('\n').length;
  // "Unexpected end of JSON input": the mistake is at the end.
  return /end of JSON/.test(err.message) ? text.trimEnd().split('\n').length : 1;
}

/** A problem in the config at a path, with the code course_lab (a lab id that names no lab, or is given twice). */
export function labProblem(read: ReadConfig, path: (string | number)[], message: string): LabProblem {
  return { code: 'course_lab', file: read.file, line: read.lineOf(path), message: `${path.join('.')}: ${message}` };
}
