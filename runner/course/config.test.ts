/**
 * A course's socklab.config.json, without building a site: the one loader
 * (loadCourseLabs) takes built-in labs in, hides and orders labs; the site's
 * sidebar and `socklab validate` follow it; every mistake in the config is
 * located at its file:line with a stable code; the JSON Schema shipped for
 * editors is the one generated from the zod schema. Also `points` in
 * checks.ts as `socklab validate` reports it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LabError, loadLabs, type LabProblem } from '../labs/load.ts';
import { Runner } from '../runner.ts';
import type { SessionEvents } from '../session.ts';
import { courseSidebar } from '../../site/lib/labs.ts';
import { CONFIG_FILE, CONFIG_SCHEMA_FILE, CourseConfig, courseConfigJsonSchema } from './config.ts';
import { courseConfigText } from './init.ts';
import { loadCourseLabs } from './labs.ts';
import { newLab } from './new-lab.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let course = '';
let labs = '';
const config = (text: string) => writeFileSync(join(course, CONFIG_FILE), text);

beforeAll(() => {
  course = mkdtempSync(join(tmpdir(), 'socklab-config-'));
  labs = join(course, 'labs');
  mkdirSync(labs);
  // As `npm install` links it: the labs' checks.ts import socklab/grader.
  mkdirSync(join(course, 'node_modules'));
  symlinkSync(ROOT, join(course, 'node_modules', 'socklab'));
  writeFileSync(join(course, 'package.json'), '{ "name": "my-course", "private": true, "type": "module" }\n');
  newLab({ labsDir: labs, id: 'greeter', title: 'Greeter' }); // 00-greeter
  newLab({ labsDir: labs, id: 'draft', title: 'Draft' }); // 01-draft
});
afterEach(() => rmSync(join(course, CONFIG_FILE), { force: true }));
afterAll(() => {
  if (course) rmSync(course, { recursive: true, force: true });
});

const ids = () => loadCourseLabs(labs).map((l) => l.meta.id);
function problemsOf(): LabProblem[] {
  try {
    loadCourseLabs(labs);
  } catch (err) {
    expect(err).toBeInstanceOf(LabError);
    return (err as LabError).problems;
  }
  throw new Error('the course loaded, but a problem was expected');
}

describe('a course config', () => {
  it('is optional: without one a course has its own labs only, in frontmatter order', () => {
    expect(ids()).toEqual(['greeter', 'draft']);
    // socklab's own labs folder is the built-ins, whatever a config says.
    expect(loadCourseLabs(join(ROOT, 'labs')).map((l) => l.meta.id)).toEqual(loadLabs(join(ROOT, 'labs')).map((l) => l.meta.id));
  });

  it('takes built-in labs in, hides a lab, and puts the listed labs first in its order', () => {
    config(JSON.stringify({ labs: { include: ['udp-echo', 'tcp-echo'], hide: ['draft'], order: ['tcp-echo', 'greeter'] } }));
    // The rest (udp-echo) after the listed ones, by frontmatter order; draft nowhere.
    expect(ids()).toEqual(['tcp-echo', 'greeter', 'udp-echo']);
    const echo = loadCourseLabs(labs)[0]!;
    expect(echo.dir).toBe(join(ROOT, 'labs', '02-tcp-echo'));
  });

  it('takes every built-in lab with "all", the course\'s own first among equal numbers', () => {
    config(JSON.stringify({ labs: { include: 'all', hide: ['websocket-chat', 'sockets-and-layers'] } }));
    const builtins = loadLabs(join(ROOT, 'labs')).map((l) => l.meta.id).filter((id) => id !== 'websocket-chat' && id !== 'sockets-and-layers');
    // greeter is 00, draft 01: draft before udp-echo (01).
    expect(ids()).toEqual(['greeter', 'draft', ...builtins]);
  });

  it('orders the site\'s sidebar and hides a lab\'s page the same way', () => {
    config(JSON.stringify({ labs: { include: ['tcp-echo'], hide: ['greeter'], order: ['tcp-echo'] } }));
    const saved = process.env.SOCKLAB_LABS_DIR;
    delete process.env.SOCKLAB_LABS_DIR;
    try {
      const sidebar = courseSidebar(course) as { items?: { slug: string }[] }[];
      expect(sidebar[1]!.items!.map((i) => i.slug)).toEqual(['labs/tcp-echo', 'labs/draft']);
    } finally {
      if (saved !== undefined) process.env.SOCKLAB_LABS_DIR = saved;
    }
  });

  it.each([
    // [config text, problem]
    ['{\n  "labs": {\n    "hide": ["draft"],\n  }\n}\n', { code: 'course_config', line: 4, message: expect.stringMatching(/^not JSON: /) }],
    ['{\n  "labs": {\n    "hide": "draft"\n  }\n}\n', { code: 'course_config', line: 3, message: expect.stringMatching(/^labs\.hide: /) }],
    ['{\n  "labs": {\n    "include": "some"\n  }\n}\n', { code: 'course_config', line: 3, message: expect.stringMatching(/^labs\.include: /) }],
    ['{\n  "labs": {},\n  "lab": {}\n}\n', { code: 'course_config', line: 3, message: 'lab: unknown key (allowed: $schema, labs)' }],
    ['{\n  "labs": {\n    "order": ["greeter", "Tcp Echo"]\n  }\n}\n', { code: 'course_config', line: 3, message: expect.stringMatching(/^labs\.order\.1: a lab id/) }],
    ['{\n  "labs": {\n    "include": [\n      "tcp-echo",\n      "tcp-ecko"\n    ]\n  }\n}\n', { code: 'course_lab', line: 5, message: expect.stringMatching(/^labs\.include\.1: "tcp-ecko" is not one of socklab's built-in labs \(.*tcp-echo/) }],
    ['{\n  "labs": {\n    "hide": [\n      "tcp-echo"\n    ]\n  }\n}\n', { code: 'course_lab', line: 4, message: 'labs.hide.0: "tcp-echo" is not a lab of this course (its labs: greeter, draft)' }],
    ['{\n  "labs": {\n    "order": ["draft",\n      "draft"]\n  }\n}\n', { code: 'course_lab', line: 4, message: 'labs.order.1: "draft" is listed twice' }],
    ['{\n  "labs": {\n    "hide": ["draft"],\n    "order": ["draft"]\n  }\n}\n', { code: 'course_lab', line: 4, message: expect.stringMatching(/"draft" is hidden/) }],
  ])('locates a mistake: %j', (text, problem) => {
    config(text);
    expect(problemsOf()).toEqual([{ file: CONFIG_FILE, ...problem }]);
  });

  it('refuses a built-in lab the course also has a copy of, at the include line', () => {
    const copy = newLab({ labsDir: labs, id: 'udp-echo', from: 'udp-echo' }); // 02-udp-echo
    try {
      config('{\n  "labs": {\n    "include": "all"\n  }\n}\n');
      expect(problemsOf()).toEqual([{ code: 'course_lab', file: CONFIG_FILE, line: 3, message: expect.stringMatching(/^labs\.include: "udp-echo" is a built-in lab and also the course's labs\/02-udp-echo/) }]);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('is written by socklab init with the package\'s JSON Schema, which is the zod schema\'s', () => {
    const written = JSON.parse(courseConfigText()) as { $schema: string };
    expect(CourseConfig.parse(written)).toMatchObject({ labs: { include: [], hide: [], order: [] } });
    expect(written.$schema).toBe(`./node_modules/socklab/${CONFIG_SCHEMA_FILE}`);
    // Regenerate with: node bin/socklab.js schema --config --out course.schema.json
    expect(JSON.parse(readFileSync(join(ROOT, CONFIG_SCHEMA_FILE), 'utf8'))).toEqual(courseConfigJsonSchema());
  });
});

describe('socklab validate and the runner on a course with a config', () => {
  it('lists the course\'s labs in its order, not the hidden one, and a bad points at checks.ts:line', () => {
    config(JSON.stringify({ $schema: `./node_modules/socklab/${CONFIG_SCHEMA_FILE}`, labs: { include: ['udp-echo'], hide: ['draft'], order: ['udp-echo'] } }));
    const checks = join(labs, '00-greeter', 'checks.ts');
    const good = readFileSync(checks, 'utf8');
    writeFileSync(checks, good.replace('points: 1', 'points: -2'));
    try {
      const line = good.split('\n').findIndex((l) => l.includes('points: 1')) + 1;
      const v = spawnSync(process.execPath, [join(ROOT, 'bin/socklab.js'), 'validate', '--labs', labs], { cwd: course, encoding: 'utf8', timeout: 60_000 });
      expect(v.stdout).toMatch(/^ok {2}01-udp-echo /m);
      expect(v.stdout).not.toContain('draft');
      expect(v.stderr).toContain(`labs/00-greeter/checks.ts:${line}: check "greets" has points -2; points are a whole number >= 0 (default 1) [checks_points]`);
      expect(v.stderr).not.toMatch(/\n\s+at /);
      expect(v.status).toBe(1);
    } finally {
      writeFileSync(checks, good);
    }
  }, 60_000);

  it('is what the runner behind serve and grade holds: a hidden lab opens no session', async () => {
    config(JSON.stringify({ labs: { include: ['tcp-echo'], hide: ['draft'], order: ['tcp-echo'] } }));
    const runner = new Runner({ labsDir: labs, sandbox: 'bwrap' });
    const events: SessionEvents = { output() {}, proc() {}, notice() {} };
    try {
      expect(runner.labs.map((l) => l.meta.id)).toEqual(['tcp-echo', 'greeter']);
      await expect(runner.open('draft', 'python', '127.0.0.1', events)).rejects.toMatchObject({ code: 'unknown_lab' });
    } finally {
      await runner.close();
    }
  });
});
