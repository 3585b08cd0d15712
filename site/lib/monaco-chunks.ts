/**
 * Splits Monaco, in the workbench bundle, into chunks along its own layers:
 * vs/base (with vs/nls), vs/platform and vs/editor/common each a chunk of
 * their own (about 0.8, 0.4 and 0.8 MB), the editor's browser side, its
 * contributions and the workbench's code staying in main.*.js (about 1 MB).
 *
 * Why: a browser compiles each script on a background thread of its own as
 * it arrives, and the editor cannot start before all of it is compiled. One
 * 3 MB file is compiled on one thread, after its last byte; four files are
 * compiled side by side. On a 2-core machine that is most of a second less
 * before the workbench is ready (bench/site.ts, workbench_ready_ms).
 *
 * Only along the layers: VS Code's layering rule (base imports nothing
 * above it, platform only base, editor/common only those two) is what keeps
 * these chunks free of import cycles between them. A chunk that imported a
 * chunk importing it back could run a module before one it needs and stop
 * the editor with "Cannot access ... before initialization" (a split by
 * feature did exactly that).
 *
 * Build-time only (astro.config.mjs, Rollup's output.manualChunks).
 */
const LAYER = /\/node_modules\/monaco-editor\/esm\/vs\/(base\/|nls|platform\/|editor\/common\/)/;
const CHUNK: Record<string, string> = {
  'base/': 'monaco-base',
  nls: 'monaco-base',
  'platform/': 'monaco-platform',
  'editor/common/': 'monaco-common',
};

/**
 * Vite's helper for import() with preloads. Rollup puts a module that a
 * manual chunk needs and no other chunk claims into that chunk: the helper,
 * which Monaco's own import()s use, would land in monaco-common, and every
 * page whose scripts use import() (the search box on every page, the
 * workbench's loader) would load Monaco's chunks with their first script.
 * Named here, it stays a small chunk of its own.
 */
const PRELOAD_HELPER = 'vite/preload-helper';

/** Rollup's manualChunks: the chunk of a module of Monaco's lower layers, or undefined (Rollup decides). */
export function monacoChunk(id: string): string | undefined {
  const path = id.replace(/\\/g, '/');
  if (path.includes(PRELOAD_HELPER)) return 'preload-helper';
  const m = LAYER.exec(path);
  return m ? CHUNK[m[1]!] : undefined;
}
