/**
 * Which course a `socklab` command works on: `--course DIR`, else the
 * current folder when it is a course (a package.json that depends on
 * socklab, beside a labs/ folder), else socklab's own labs. The course's
 * labs folder is handed on as SOCKLAB_LABS_DIR, which runner/labs/load.ts
 * and the site build both read, so every command agrees on it.
 * bin/socklab.js runs this before the CLI loads; SOCKLAB_COURSE_DIR tells
 * the commands that need the course itself (build) which one it is.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildSite, courseSiteDir } from './build.ts';

/** Whether `dir` is a course folder: its package.json depends on socklab, and it has labs/. */
export function isCourse(dir: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    const depends = Boolean(pkg.dependencies?.socklab ?? pkg.devDependencies?.socklab);
    return depends && pkg.name !== 'socklab' && existsSync(join(dir, 'labs')) && statSync(join(dir, 'labs')).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Removes `--course DIR` from `argv` and returns the course folder to use,
 * or null for socklab's own labs. Throws with a message for a DIR that is
 * not a course.
 */
export function takeCourse(argv: string[], cwd: string = process.cwd()): string | null {
  const i = argv.findIndex((a) => a === '--course' || a.startsWith('--course='));
  if (i >= 0) {
    const inline = argv[i]!.startsWith('--course=');
    const value = inline ? argv[i]!.slice('--course='.length) : argv[i + 1];
    argv.splice(i, inline ? 1 : 2);
    if (!value || value.startsWith('-')) throw new Error('--course needs a folder: --course DIR');
    const dir = resolve(cwd, value);
    if (!isCourse(dir)) throw new Error(`--course: ${value} is not a course folder (a package.json that depends on socklab, and a labs/ folder); make one with socklab init`);
    return dir;
  }
  return isCourse(cwd) ? cwd : null;
}

/**
 * `socklab serve` in a course serves the course's own site: built into its
 * dist/ on first start (`socklab build` rebuilds it), given as --site unless
 * the instructor gave one. Returns false when the build failed.
 */
export function serveCourseSite(argv: string[], course: string): boolean {
  const args = argv.slice(2);
  if (args[0] !== 'serve' || args.some((a) => a === '--site' || a.startsWith('--site=') || a === '--help' || a === '-h')) return true;
  const site = courseSiteDir(course);
  if (!existsSync(join(site, 'index.html'))) {
    console.log('socklab: building the course site (first start only; socklab build rebuilds it)...');
    if (!buildSite(course)) return false;
  }
  argv.push('--site', site);
  return true;
}
