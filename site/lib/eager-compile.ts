/**
 * Marks the workbench bundle's files (main.*.js and its static imports:
 * xterm.js and our code, as workbench-preload.ts finds them) for V8's eager
 * compilation: the explicit compile hint `//# allFunctionsCalledOnLoad` as
 * their first line (Chrome 136 and later; to other engines a comment).
 *
 * Without it V8 compiles each function on the main thread the first time
 * it is called, which for the workbench is its mount and the terminals'
 * opening: about 400 functions and 30-45 ms of the main thread in a cold
 * lesson load on this machine (traced; bench/site.ts, workbench_ready_ms),
 * on the way to a ready workbench. With it they are compiled with the file,
 * on a background thread, while the lesson is still being parsed (the files
 * are preloaded at parse time where the workbench sits beside the lesson,
 * imported at idle elsewhere). The price: background compilation of the
 * functions that never run, and their bytecode's memory. Monaco, imported
 * once the workbench is up, is not marked.
 *
 * Done on the built files (workbench-preload.ts calls it once the build is
 * done), not in Rollup's generateBundle: Vite puts its own line
 * (`const __vite__mapDeps=...`) first in chunks with dynamic imports after
 * the plugins' generateBundle has run, and the hint must come first. The
 * same line in every build, so a file's hashed name still changes exactly
 * when its code does.
 *
 * Build-time only; nothing here reaches a browser but the comment.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** V8's explicit compile hint for a whole file (it must be the file's first line). */
export const EAGER_HINT = '//# allFunctionsCalledOnLoad';

/** Puts the hint first in each of `files` (paths under `dir`, JavaScript) that lacks it; how many it changed. */
export async function markEagerCompile(dir: string, files: string[]): Promise<number> {
  let marked = 0;
  for (const file of files) {
    if (!file.endsWith('.js')) continue;
    const path = join(dir, file);
    const code = await readFile(path, 'utf8');
    if (code.startsWith(EAGER_HINT)) continue;
    await writeFile(path, `${EAGER_HINT}\n${code}`);
    marked++;
  }
  return marked;
}
