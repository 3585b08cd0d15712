/**
 * `socklab new` and `socklab schema`, run as an instructor runs them, in a
 * course folder outside this package that depends on it (node_modules/socklab
 * is a link here, as a file dependency makes it): the new lab validates and
 * its grader's proof passes as created, in the real sandbox.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proveLab } from '../grader/prove.ts';
import { loadLab } from '../labs/load.ts';
import { resolveLimits } from '../limits.ts';
import { chooseBackend } from '../sandbox/index.ts';
import { labJsonSchema } from './schema.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let course = '';
let labs = '';

const socklab = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/socklab.js'), ...args], { cwd: course, encoding: 'utf8', timeout: 60_000 });

beforeAll(() => {
  course = mkdtempSync(join(tmpdir(), 'socklab-course-'));
  labs = join(course, 'labs');
  mkdirSync(labs);
  mkdirSync(join(course, 'node_modules'));
  symlinkSync(ROOT, join(course, 'node_modules', 'socklab'));
  writeFileSync(join(course, 'package.json'), '{ "name": "my-course", "private": true, "type": "module" }\n');
});

afterAll(() => {
  if (course) rmSync(course, { recursive: true, force: true });
});

describe('socklab new', () => {
  it('creates a lab that validates, with every frontmatter field explained', () => {
    const r = socklab('new', 'greeter-two', '--labs', labs, '--title', 'My greeter');
    expect(r.status, r.stderr).toBe(0);
    const mdx = readFileSync(join(labs, '00-greeter-two', 'lab.mdx'), 'utf8');
    const fm = mdx.split('\n---\n')[0]!;
    expect(fm).toContain('id: greeter-two');
    expect(fm).toContain('title: My greeter');
    expect(fm).toContain('socklab schema > lab.schema.json');
    const schema = labJsonSchema();
    for (const [key, sub] of Object.entries(schema.properties!)) {
      expect(fm, key).toMatch(new RegExp(`# ${sub.description!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*\\n(# )?${key}:`));
    }
    expect(readFileSync(join(labs, '00-greeter-two', 'checks.ts'), 'utf8')).toContain("from 'socklab/grader'");
    const v = socklab('validate', '--labs', labs);
    expect(v.status, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toContain('ok  00-greeter-two  My greeter');
  });

  it("creates a lab whose grader proof passes as created: solution passes, starter and mutant fail", async () => {
    const lab = loadLab(join(labs, '00-greeter-two'), labs);
    const steps = await proveLab(lab, chooseBackend('bwrap'), resolveLimits());
    const shown = steps.map((s) => `${s.kind} (${s.lang}) ${s.expectation}: ${s.ok ? 'yes' : 'NO'} — ${s.report.results.map((r) => `${r.id}:${r.status}`).join(' ')}`).join('\n');
    expect(steps.map((s) => s.kind).sort(), shown).toEqual(['mutants/greets', 'solution', 'starter']);
    expect(steps.every((s) => s.ok), shown).toBe(true);
  }, 90_000);

  it('copies an existing lab with --from, next in order, and it validates', () => {
    const r = socklab('new', 'my-echo', '--from', 'tcp-echo', '--labs', labs);
    expect(r.status, r.stderr).toBe(0);
    const mdx = readFileSync(join(labs, '01-my-echo', 'lab.mdx'), 'utf8');
    expect(mdx).toContain('order: 1');
    expect(mdx).toContain('In the UDP lab every message was a datagram on its own.');
    const v = socklab('validate', '--labs', labs);
    expect(v.status, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toContain('2 labs valid');
  });

  it.each([
    [['new'], /usage: socklab new <id>/],
    [['new', 'Bad_Name', '--labs', 'LABS'], /lab id "Bad_Name": lower-case words joined by -/],
    [['new', 'greeter-two', '--labs', 'LABS'], /a lab called "greeter-two" already exists/],
    [['new', 'x', '--from', 'nope', '--labs', 'LABS'], /--from: no lab is called "nope"; labs: .*tcp-echo/],
    [['new', 'x', '--labs', '/nonexistent/labs'], /\/nonexistent\/labs is not a folder/],
    [['new', 'x', '--bogus'], /^socklab: unknown option --bogus \(try socklab new --help\)$/m],
    [['schema', 'extra'], /usage: socklab schema/],
  ])('refuses %j with exit 2 and a clear message', (args, message) => {
    // Runs after the first test created greeter-two.
    const r = socklab(...args.map((a) => (a === 'LABS' ? labs : a)));
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.status).toBe(2);
  });

  // socklab new --help and socklab schema --help: server.test.ts ('socklab <command> --help prints that command's usage and exits 0').
});

describe('socklab schema', () => {
  it('prints the frontmatter JSON Schema made from the zod schema, and writes it with --out', () => {
    const r = socklab('schema');
    expect(r.status, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout);
    expect(printed).toEqual(labJsonSchema());
    expect(printed.properties.solution.enum).toEqual(['never', 'after-pass', 'always']);
    expect(printed.required).toEqual(['id', 'title', 'order', 'summary']);
    expect(socklab('schema', '--out', 'lab.schema.json').status).toBe(0);
    expect(JSON.parse(readFileSync(join(course, 'lab.schema.json'), 'utf8'))).toEqual(printed);
  });
});
