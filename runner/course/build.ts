/**
 * Building a course's site: socklab's own Astro site (its pages, its
 * workbench) with the course's labs as lessons, into the course's dist/.
 * The site's sources stay in the package; a small config in the course's
 * .socklab/ points the build at the course's labs (SOCKLAB_LABS_DIR) and
 * output, with the course's own Astro cache.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Folders and files of the package that socklab's own site is built from. */
const SITE_SOURCES = ['site', 'labs', 'protocol', 'astro.config.mjs', 'ec.config.mjs'];

/**
 * Whether a source of socklab's own site is newer than its build in `dist`
 * (a `git pull` or an edit since the last build): served or tested as it
 * is, it would be the old site.
 */
export function siteIsStale(dist: string): boolean {
  const built = statSync(join(dist, 'index.html'), { throwIfNoEntry: false })?.mtimeMs;
  if (built === undefined) return true;
  const newer = (path: string): boolean => {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) return false;
    if (!st.isDirectory()) return st.mtimeMs > built;
    return readdirSync(path).some((name) => name !== 'node_modules' && newer(join(path, name)));
  };
  return SITE_SOURCES.some((p) => newer(join(PACKAGE_ROOT, p)));
}

/** The folder a course's site is built into. */
export const courseSiteDir = (course: string) => join(course, 'dist');

/**
 * The environment of a site build: this process's, less what a test runner
 * (Vitest) puts there for its own Vite (DEV=1, MODE=test, NODE_ENV=test...),
 * which would make the build a development one, and Starlight then leaves
 * the search out.
 */
export function buildEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ASTRO_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' };
  for (const key of ['DEV', 'PROD', 'MODE', 'SSR', 'BASE_URL', 'TEST']) delete env[key];
  for (const key of Object.keys(env)) if (key.startsWith('VITEST')) delete env[key];
  return env;
}

/** Builds the site of `course` (or of socklab itself when null); returns whether it built. */
export function buildSite(course: string | null): boolean {
  const args = [join(PACKAGE_ROOT, 'node_modules/astro/astro.js'), 'build'];
  const env = buildEnv();
  if (course) {
    const own = join(course, '.socklab');
    mkdirSync(own, { recursive: true });
    const config = join(own, 'astro.config.mjs');
    writeFileSync(
      config,
      `// Written by socklab: builds socklab's site with this course's labs.\n` +
        `import base from ${JSON.stringify(pathToFileURL(join(PACKAGE_ROOT, 'astro.config.mjs')).href)};\n` +
        `export default { ...base, outDir: ${JSON.stringify(courseSiteDir(course))}, cacheDir: ${JSON.stringify(join(own, 'cache'))} };\n`,
    );
    // Astro resolves --config from its root, the package.
    args.push('--config', relative(PACKAGE_ROOT, config));
    env.SOCKLAB_LABS_DIR = join(course, 'labs');
  }
  const r = spawnSync(process.execPath, args, { cwd: PACKAGE_ROOT, stdio: 'inherit', env });
  return r.status === 0;
}
