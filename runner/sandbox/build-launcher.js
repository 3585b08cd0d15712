// Compiles the sandbox launcher (runner/sandbox/launch.c). Run by
// `npm install` (postinstall) and, if the binary is missing or older than its
// source, by the runner before it starts the first sandbox.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** Path of the compiled launcher binary. */
export const launcherPath = join(here, 'bin', 'socklab-launch');
const source = join(here, 'launch.c');

/** Builds the launcher when it is missing or stale; returns its path. */
export function ensureLauncher() {
  if (existsSync(launcherPath) && statSync(launcherPath).mtimeMs >= statSync(source).mtimeMs) {
    return launcherPath;
  }
  mkdirSync(dirname(launcherPath), { recursive: true });
  const cc = process.env.CC || 'cc';
  try {
    execFileSync(cc, ['-O2', '-Wall', '-Werror', '-o', launcherPath, source], { stdio: 'inherit' });
  } catch (err) {
    throw new Error(`socklab: could not compile the sandbox launcher with ${cc} (${err.message}). Install a C compiler (Debian: apt-get install gcc) and run npm install again.`);
  }
  return launcherPath;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureLauncher();
  console.log(`socklab: built ${launcherPath}`);
}
