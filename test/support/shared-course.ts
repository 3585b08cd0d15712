/**
 * The test course: made by `socklab init`, given its labs, and its site
 * built by `socklab build`, once per test run for every test file that
 * needs a course's built site. An Astro build costs about 40 s of CPU
 * whatever the labs (bundling the workbench is most of it), and three
 * files each building a course of their own spent two of those for
 * nothing.
 *
 * What it holds, and which file counts on what:
 *  - socklab.config.json takes in one built-in lab, sockets-and-layers
 *    (it has a Korean lesson), and orders it first: init.test.ts (include
 *    and order), i18n-fallback.test.ts (a translated lab);
 *  - 00-my-lab, from the template, which has no Korean lesson:
 *    init.test.ts (the course's own lab), i18n-fallback.test.ts (the
 *    untranslated lab);
 *  - 01-greeter-never, 02-greeter-after-pass, 03-greeter-always: one lab
 *    per solution policy, each solution, mutant and checks.ts marked with
 *    a text of its own (policyMark): solution-policy.test.ts.
 * Once built nothing may change it: files in other workers read it.
 *
 * The first file to ask makes it (a lock folder in the run's folder, see
 * global-setup.ts); the others wait for it to be done.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { newLab } from '../../runner/course/new-lab.ts';
import { ROOT, sleep } from './browser.ts';

export const SOLUTION_POLICIES = ['never', 'after-pass', 'always'] as const;
export type SolutionPolicy = (typeof SOLUTION_POLICIES)[number];

/** The text marking the `what` (SOLUTION, MUTANT or CHECKS) of the lab whose solution policy is `policy`. */
export const policyMark = (policy: SolutionPolicy, what: 'SOLUTION' | 'MUTANT' | 'CHECKS') => `SENTINEL_${what}_${policy.replace('-', '_')}_5c1e`;

export interface TestCourse {
  /** The course's folder. */
  dir: string;
  /** Its labs/ folder. */
  labs: string;
  /** Its built site (dist/). */
  site: string;
  /** The folder name in labs/ of the lab with solution policy `policy`. */
  policyLab(policy: SolutionPolicy): string;
}

const BUILD_TIMEOUT_MS = 400_000;
let made: Promise<TestCourse> | null = null;

/** The run's test course, built (by this file or another); throws with the build's output if it did not build. */
export function testCourse(): Promise<TestCourse> {
  made ??= take();
  return made;
}

async function take(): Promise<TestCourse> {
  const runDir = inject('runDir');
  const dir = join(runDir, 'course');
  const done = join(runDir, 'course.done');
  const failed = join(runDir, 'course.failed');
  const course: TestCourse = {
    dir,
    labs: join(dir, 'labs'),
    site: join(dir, 'dist'),
    policyLab: (policy) => `${String(SOLUTION_POLICIES.indexOf(policy) + 1).padStart(2, '0')}-greeter-${policy}`,
  };
  let mine = true;
  try {
    mkdirSync(join(runDir, 'course.lock'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    mine = false;
  }
  if (mine) {
    try {
      await make(runDir, course);
      writeFileSync(done, '');
    } catch (err) {
      // Whole or not at all: a waiter reads it as soon as it exists.
      writeFileSync(`${failed}.part`, (err as Error).message);
      renameSync(`${failed}.part`, failed);
      throw err;
    }
    return course;
  }
  for (const deadline = Date.now() + BUILD_TIMEOUT_MS + 60_000; !existsSync(done); await sleep(250)) {
    if (existsSync(failed)) throw new Error(`the test course did not build (in another test file):\n${readFileSync(failed, 'utf8')}`);
    if (Date.now() > deadline) throw new Error('the test course was not built in time (by another test file)');
  }
  return course;
}

async function make(runDir: string, course: TestCourse): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.SOCKLAB_LABS_DIR;
  await socklab(runDir, env, 'init', 'course');
  // What `npm install` would link: the test needs no network.
  mkdirSync(join(course.dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(ROOT, join(course.dir, 'node_modules', 'socklab'));
  symlinkSync('../socklab/bin/socklab.js', join(course.dir, 'node_modules', '.bin', 'socklab'));
  newLab({ labsDir: course.labs, id: 'my-lab' });
  for (const policy of SOLUTION_POLICIES) {
    const dir = newLab({ labsDir: course.labs, id: `greeter-${policy}` });
    if (!dir.endsWith(course.policyLab(policy))) throw new Error(`newLab made ${dir}, not ${course.policyLab(policy)}`);
    const mdx = join(dir, 'lab.mdx');
    writeFileSync(mdx, readFileSync(mdx, 'utf8').replace('\nsolution: always\n', `\nsolution: ${policy}\n`));
    appendFileSync(join(dir, 'solution/python/server.py'), `# ${policyMark(policy, 'SOLUTION')}\n`);
    appendFileSync(join(dir, 'mutants/greets/python/server.py'), `# ${policyMark(policy, 'MUTANT')}\n`);
    appendFileSync(join(dir, 'checks.ts'), `// ${policyMark(policy, 'CHECKS')}\n`);
  }
  writeFileSync(join(course.dir, 'socklab.config.json'), JSON.stringify({ labs: { include: ['sockets-and-layers'], order: ['sockets-and-layers'] } }));
  await socklab(course.dir, { ...env, SOCKLAB_LABS_DIR: '' }, 'build');
}

/** Runs `socklab ...args` in `cwd`; throws with its output unless it exits 0. */
function socklab(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/socklab.js'), ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d));
    child.stderr!.on('data', (d: Buffer) => (out += d));
    // Its own process group: a build that hangs goes with Astro, its child.
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, BUILD_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`socklab ${args.join(' ')} ended with ${signal ?? `exit ${code}`}:\n${out}`));
    });
  });
}
