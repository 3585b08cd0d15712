/**
 * `socklab init`, then the instructor's path inside the new course, run as
 * commands in its folder: new, validate (and a deliberate mistake reported
 * as file:line), grade; and --course from elsewhere. `npm install` is
 * stood in for by the links it would make (node_modules/socklab -> this
 * checkout, and its .bin/socklab): the test needs no network. The student
 * repository's workflow (classroom/) has its grade command run as it
 * stands, as GitHub Actions would run it. The site `socklab build` makes
 * of a course, and `socklab serve` serves, are the run's test course's
 * (test/support/shared-course.ts), made by `socklab init` too.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCourse } from '../../test/support/shared-course.ts';
import { COURSE_WORKFLOW, STUDENT_GRADE_COMMAND, STUDENT_WORKFLOW } from './workflow.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let tmp = '';
let course = '';

const socklab = (cwd: string, ...args: string[]) => {
  const env = { ...process.env };
  delete env.SOCKLAB_LABS_DIR;
  return spawnSync(process.execPath, [join(ROOT, 'bin/socklab.js'), ...args], { cwd, env, encoding: 'utf8', timeout: 90_000 });
};
const install = (dir: string) => {
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(ROOT, join(dir, 'node_modules', 'socklab'));
  symlinkSync('../socklab/bin/socklab.js', join(dir, 'node_modules', '.bin', 'socklab'));
};

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'socklab-init-'));
  course = join(tmp, 'my-course');
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('socklab init', () => {
  it('creates a course that depends on socklab, with labs/, a README and a workflow', () => {
    const r = socklab(tmp, 'init', 'my-course');
    expect(r.status, r.stderr).toBe(0);
    const pkg = JSON.parse(readFileSync(join(course, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: 'my-course', private: true, type: 'module', dependencies: { socklab: `file:${ROOT.replace(/\/$/, '')}` } });
    // npm 11 runs no dependency's install scripts unless allowed: socklab's builds its sandbox helpers.
    const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> };
    expect(pkg.allowScripts).toEqual({ [pkg.dependencies.socklab]: true, socklab: true, ...own.allowScripts });
    expect(own.allowScripts['node-pty']).toBe(true);
    expect(existsSync(join(course, 'labs'))).toBe(true);
    expect(readFileSync(join(course, 'README.md'), 'utf8')).toMatch(/npx socklab serve[\s\S]*npx socklab grade/);
    expect(readFileSync(join(course, '.github/workflows/course.yml'), 'utf8')).toBe(COURSE_WORKFLOW);
    expect(readFileSync(join(course, 'classroom/.github/workflows/classroom.yml'), 'utf8')).toBe(STUDENT_WORKFLOW);
    expect(STUDENT_WORKFLOW).toContain(`run: ${STUDENT_GRADE_COMMAND}\n`);
    expect(readFileSync(join(course, 'classroom/README.md'), 'utf8')).toMatch(/# Lab assignment[\s\S]*# 실습 과제/);
    install(course);
    // Its config names the package's JSON Schema, there once socklab is installed.
    const config = JSON.parse(readFileSync(join(course, 'socklab.config.json'), 'utf8')) as { $schema: string };
    expect(existsSync(join(course, config.$schema))).toBe(true);
  });

  it('works on the course from its folder: new, validate with a mistake at file:line, grade', () => {
    expect(socklab(course, 'new', 'my-lab').status).toBe(0);
    expect(existsSync(join(course, 'labs/00-my-lab/checks.ts'))).toBe(true);
    let v = socklab(course, 'validate');
    expect(v.status, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toContain('1 labs valid');

    const mdx = join(course, 'labs/00-my-lab/lab.mdx');
    const good = readFileSync(mdx, 'utf8');
    const line = good.split('\n').findIndex((l) => l.startsWith('order:')) + 1;
    writeFileSync(mdx, good.replace('\norder: 0\n', '\norder: first\n'));
    v = socklab(course, 'validate');
    expect(v.status).toBe(1);
    expect(v.stderr).toContain(`labs/00-my-lab/lab.mdx:${line}: order:`);
    writeFileSync(mdx, good);

    const g = socklab(course, 'grade', 'my-lab', 'labs/00-my-lab/solution/python');
    expect(g.stdout).toContain('Grading my-lab (Python): server.py');
    expect(g.status, g.stdout + g.stderr).toBe(0);
  }, 120_000);

  it('runs the student workflow\'s grade as it stands: JUnit, a job summary, points for GitHub Classroom', () => {
    // GitHub's workspace: the student's repository and the course, side by side.
    const ws = join(tmp, 'workspace');
    mkdirSync(ws);
    symlinkSync(course, join(ws, 'course'));
    cpSync(join(course, 'labs/00-my-lab/solution/python'), join(ws, 'submission'), { recursive: true });
    const summary = join(ws, 'step-summary.md');
    const output = join(ws, 'step-output');
    // Both files are shared by a job's steps: a step appends.
    writeFileSync(output, 'earlier=1\n');
    const env: NodeJS.ProcessEnv = { ...process.env, LAB: 'my-lab', LOCALE: 'en', GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary };
    delete env.SOCKLAB_LABS_DIR;
    const r = spawnSync('bash', ['-c', STUDENT_GRADE_COMMAND], { cwd: ws, env, encoding: 'utf8', timeout: 90_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(join(ws, 'socklab-junit.xml'), 'utf8')).toMatch(/<testcase classname="my-lab.server" name="[^"]+"/);
    const md = readFileSync(summary, 'utf8');
    expect(md).toContain('## socklab: my-lab (python)');
    expect(md).toContain('**1 of 1 points**');
    expect(md).toMatch(/\n\| ✅ \| server: .+ \| passed \| 1 \/ 1 \| {2}\|\n/);
    const [earlier, line, ...rest] = readFileSync(output, 'utf8').split('\n');
    expect([earlier, rest]).toEqual(['earlier=1', ['']]);
    expect(line).toMatch(/^result=[A-Za-z0-9+/]+=*$/);
    const result = JSON.parse(Buffer.from(line!.slice('result='.length), 'base64').toString('utf8'));
    expect(result).toMatchObject({ version: 1, status: 'pass', max_score: 1, tests: [{ name: expect.stringMatching(/^server: /), status: 'pass', score: 1, message: null }] });

    // A push with no program in it: exit 2, and still a zero for Classroom, not a reporter with nothing to read.
    rmSync(join(ws, 'submission'), { recursive: true });
    mkdirSync(join(ws, 'submission'));
    writeFileSync(join(ws, 'submission/notes.txt'), 'todo\n');
    writeFileSync(output, '');
    const empty = spawnSync('bash', ['-c', STUDENT_GRADE_COMMAND], { cwd: ws, env, encoding: 'utf8', timeout: 90_000 });
    expect(empty.status, empty.stdout + empty.stderr).toBe(2);
    const zero = JSON.parse(Buffer.from(readFileSync(output, 'utf8').trim().slice('result='.length), 'base64').toString('utf8'));
    expect(zero).toMatchObject({ status: 'fail', max_score: 1, tests: [{ status: 'fail', score: 0, message: 'not graded: there is no server.py' }] });
    expect(readFileSync(summary, 'utf8')).toContain('**0 of 1 points**');
  }, 120_000);

  it('builds and serves the course\'s own site: its labs, and of socklab\'s only those its config takes in, in its order', async () => {
    // `socklab build` in a course `socklab init` made, whose config takes in sockets-and-layers and puts it first:
    // the run's test course (an Astro build is too dear to make twice a run).
    const shared = await testCourse();
    expect(JSON.parse(readFileSync(join(shared.dir, 'socklab.config.json'), 'utf8'))).toEqual({ labs: { include: ['sockets-and-layers'], order: ['sockets-and-layers'] } });
    expect(existsSync(join(shared.site, 'labs/my-lab/index.html'))).toBe(true);
    expect(existsSync(join(shared.site, 'labs/tcp-echo'))).toBe(false);
    expect(existsSync(join(shared.site, 'labs/sockets-and-layers/index.html'))).toBe(true);
    const home = readFileSync(join(shared.site, 'index.html'), 'utf8');
    expect(home.indexOf('data-lab="sockets-and-layers"')).toBeGreaterThan(0);
    expect(home.indexOf('data-lab="sockets-and-layers"')).toBeLessThan(home.indexOf('data-lab="my-lab"'));
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const child = spawn(process.execPath, [join(ROOT, 'bin/socklab.js'), 'serve', '--port', String(port)], { cwd: shared.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d));
      for (let i = 0; i < 120 && !out.includes('the course is at'); i++) await new Promise((r) => setTimeout(r, 250));
      // Served as built: no second build on the way.
      expect(out).not.toContain('building the course site');
      const page = await (await fetch(`http://127.0.0.1:${port}/labs/my-lab/`)).text();
      expect(page).toContain('<title>My lab | socklab</title>');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }, 480_000);

  it('works on a course named by --course from elsewhere, and refuses a folder that is not one', () => {
    const v = socklab(tmp, 'validate', '--course', 'my-course');
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toContain('ok  00-my-lab');
    const bad = socklab(tmp, 'validate', '--course', tmp);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('is not a course folder');
  }, 60_000);

  it('starts from socklab\'s own labs with --with-labs', () => {
    const r = socklab(tmp, 'init', 'full-course', '--with-labs');
    expect(r.status, r.stderr).toBe(0);
    install(join(tmp, 'full-course'));
    const v = socklab(join(tmp, 'full-course'), 'validate');
    expect(v.status, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toContain(`${readdirSync(join(ROOT, 'labs')).filter((f) => /^\d\d-/.test(f)).length} labs valid`);
    expect(v.stderr).not.toContain('warning');
    expect(readFileSync(join(tmp, 'full-course/labs/02-tcp-echo/checks.ts'), 'utf8')).toContain("from 'socklab/grader'");
  }, 60_000);

  it.each([
    [['init'], /usage: socklab init <dir>/],
    [['init', 'my-course'], /my-course exists and is not empty/],
    [['init', 'My Course'], /cannot be a package name/],
    [['init', 'x', '--bogus'], /^socklab: unknown option --bogus \(try socklab init --help\)$/m],
  ])('refuses %j with exit 2', (args, message) => {
    const r = socklab(tmp, ...args);
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(2);
  });

  // socklab init --help: server.test.ts ('socklab <command> --help prints that command's usage and exits 0').
});
