/**
 * `socklab init <dir>`: a course of one's own. The folder depends on socklab
 * as a package (here a file dependency on this checkout, until socklab is
 * published) and holds only the instructor's labs/ (empty, or socklab's
 * own labs with --with-labs), a README with the commands, and a GitHub
 * Actions workflow. socklab commands run inside it work on its labs
 * (runner/course/detect.ts).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLabs, LABS_DIR } from '../labs/load.ts';
import { newLab } from './new-lab.ts';
import { COURSE_WORKFLOW } from './workflow.ts';
import { CONFIG_FILE, CONFIG_SCHEMA_FILE } from './config.ts';

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A `socklab init` input that cannot be used (exit 2). */
export class InitError extends Error {}

export interface InitOptions {
  dir: string;
  /** Start from socklab's own labs (copied, each importing the grader from the package). */
  withLabs?: boolean;
}

const readme = (name: string) => `# ${name}

A socket-programming course made with [socklab](https://github.com/socklab/socklab):
students run their own servers for real, in a sandbox, from the lesson page.

    npm install                                # once: socklab and its tools
    npx socklab serve                          # the course at http://127.0.0.1:4321 (built on first start)
    npx socklab build                          # rebuild the site after editing labs
    npx socklab grade <lab> --class class      # grade a folder of student folders into socklab-report/

Writing labs:

    npx socklab new my-lab                     # labs/NN-my-lab/: lesson, starter, solution, a mutant, checks.ts
    npx socklab validate                       # every lab checked; mistakes as file:line
    npx socklab schema > lab.schema.json       # the lab.mdx frontmatter schema, for editors

socklab.config.json decides which of socklab's built-in labs the course
keeps ("include": "all" or their ids), which labs it hides, and their
order; your editor completes and checks it from its "$schema".

The course's "Write a lab" page (/write-a-lab/) explains the folder, the run
plan, the grader API, mutants and CI. .github/workflows/course.yml validates
the labs on every push and grades class/ when it is there.
`;

/**
 * The socklab.config.json a new course starts with: every field, at its
 * default (its own labs only, none hidden, frontmatter order), and the
 * package's JSON Schema for editors.
 */
export function courseConfigText(): string {
  const config = { $schema: `./node_modules/socklab/${CONFIG_SCHEMA_FILE}`, labs: { include: [], hide: [], order: [] } };
  return JSON.stringify(config, null, 2) + '\n';
}

/** Creates the course folder; returns its absolute path. */
export function initCourse(opts: InitOptions): string {
  const dir = resolve(opts.dir);
  const name = basename(dir);
  if (!/^[a-z0-9][a-z0-9._-]{0,213}$/.test(name)) throw new InitError(`"${name}" cannot be a package name: lower-case letters, digits, . _ -`);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new InitError(`${opts.dir} exists and is not empty`);
  mkdirSync(join(dir, 'labs'), { recursive: true });
  mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
  const socklab = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { engines?: Record<string, string> };
  const pkg = {
    name,
    private: true,
    type: 'module',
    scripts: { start: 'socklab serve', validate: 'socklab validate', grade: 'socklab grade' },
    dependencies: { socklab: `file:${PACKAGE_ROOT.replace(/\/$/, '')}` },
    ...(socklab.engines ? { engines: socklab.engines } : {}),
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  writeFileSync(join(dir, 'README.md'), readme(name));
  writeFileSync(join(dir, '.gitignore'), 'node_modules/\ndist/\n.socklab/\nsocklab-report/\nlab.schema.json\n');
  writeFileSync(join(dir, '.github', 'workflows', 'course.yml'), COURSE_WORKFLOW);
  writeFileSync(join(dir, CONFIG_FILE), courseConfigText());
  if (opts.withLabs) {
    for (const lab of loadLabs(LABS_DIR)) newLab({ labsDir: join(dir, 'labs'), id: lab.meta.id, from: lab.folder, title: lab.meta.title });
  }
  return dir;
}
