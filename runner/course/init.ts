/**
 * `socklab init <dir>`: a course of one's own. The folder depends on socklab
 * as a package (here a file dependency on this checkout, until socklab is
 * published) and holds only the instructor's labs/ (empty, or socklab's
 * own labs with --with-labs), a README with the commands, a GitHub
 * Actions workflow, and classroom/: the template of a student repository
 * for GitHub Classroom (its workflow grades every push). socklab commands run inside it work on its labs
 * (runner/course/detect.ts).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLabs, LABS_DIR } from '../labs/load.ts';
import { newLab } from './new-lab.ts';
import { COURSE_WORKFLOW, STUDENT_WORKFLOW } from './workflow.ts';
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

GitHub Classroom: classroom/ is the template of a student repository. Copy it
into a new repository, put the lab's starter files in it, set LAB and COURSE
in its .github/workflows/classroom.yml, and make it the assignment's template:
every push is graded, with points for Classroom ("Write a lab", GitHub Classroom).
`;

/** The student repository's README (the template's): students read it, so in English and Korean. */
const CLASSROOM_README = `# Lab assignment

Write your programs in this repository (server.py, client.py, ... as the lab
names them) and push: GitHub Actions grades them with the lab's checks. The
result is on the Actions tab: each check, passed or failed, and your points.
Try your programs first on the course's lab page, with Run and Check.

# 실습 과제

이 저장소에 프로그램(실습이 정한 이름대로 server.py, client.py 등)을 작성하고
push하세요. GitHub Actions가 실습의 검사 항목으로 채점합니다. 결과는 Actions
탭에 있습니다: 검사 항목마다 통과했는지, 그리고 여러분의 점수가 나옵니다.
먼저 과정의 실습 페이지에서 실행(Run)과 채점(Check)으로 프로그램을 시험해 보세요.
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
  const socklab = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
    engines?: Record<string, string>;
    allowScripts?: Record<string, boolean>;
  };
  const dependency = `file:${PACKAGE_ROOT.replace(/\/$/, '')}`;
  const pkg = {
    name,
    private: true,
    type: 'module',
    scripts: { start: 'socklab serve', validate: 'socklab validate', grade: 'socklab grade' },
    dependencies: { socklab: dependency },
    ...(socklab.engines ? { engines: socklab.engines } : {}),
    // npm 11 skips a dependency's install scripts unless allowed: socklab's
    // own (its sandbox helpers; npm names a file or git dependency by its
    // spec, a published one by its name) and those socklab allows (node-pty).
    allowScripts: { [dependency]: true, socklab: true, ...socklab.allowScripts },
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  writeFileSync(join(dir, 'README.md'), readme(name));
  writeFileSync(join(dir, '.gitignore'), 'node_modules/\ndist/\n.socklab/\nsocklab-report/\nlab.schema.json\n');
  writeFileSync(join(dir, '.github', 'workflows', 'course.yml'), COURSE_WORKFLOW);
  writeFileSync(join(dir, CONFIG_FILE), courseConfigText());
  mkdirSync(join(dir, 'classroom', '.github', 'workflows'), { recursive: true });
  writeFileSync(join(dir, 'classroom', '.github', 'workflows', 'classroom.yml'), STUDENT_WORKFLOW);
  writeFileSync(join(dir, 'classroom', 'README.md'), CLASSROOM_README);
  if (opts.withLabs) {
    for (const lab of loadLabs(LABS_DIR)) newLab({ labsDir: join(dir, 'labs'), id: lab.meta.id, from: lab.folder, title: lab.meta.title });
  }
  return dir;
}
