/**
 * Names the workbench bundle's built files in the lesson pages, so that
 * where the workbench mounts at once (beside the lesson) the page asks for
 * them while it is still parsed, beside the runner connection
 * (site/workbench/early-socket.ts), instead of once the loader's module has
 * run: module scripts run only after the whole page is parsed and laid
 * out, and only then would the loader's import() discover main.*.js and
 * its chunks. On a 2-core machine that wait was a few hundred milliseconds
 * of the workbench's readiness (bench/site.ts, workbench_ready_ms).
 *
 * The file names carry content hashes known only once the client build has
 * written them, after the page's script text is rendered: the parse-time
 * script carries BUNDLE_MARKER (a JSON string), and once the build is done
 * each page's marker becomes the JSON array of the bundle's URLs: main.*.js
 * and every chunk it imports statically, transitively (what its import()
 * would fetch before running it; Monaco, imported on mount, is not among
 * them). In `astro dev` the marker stays a string and nothing is preloaded.
 *
 * Build-time only (astro.config.mjs); nothing here reaches a browser.
 */
import type { AstroIntegration } from 'astro';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { BUNDLE_MARKER } from '../workbench/early-socket.ts';

/** The module whose chunk is the workbench bundle (loader.ts imports it). */
const ENTRY = /\/site\/workbench\/main\.ts$/;

interface Chunk {
  type: 'chunk' | 'asset';
  fileName: string;
  facadeModuleId?: string | null;
  imports?: string[];
}

/** The bundle's files in load order: the entry chunk, then its static imports, transitively; [] when it has none. */
export function bundleFiles(bundle: Record<string, Chunk>): string[] {
  const chunks = Object.values(bundle).filter((c): c is Chunk & { type: 'chunk' } => c.type === 'chunk');
  const entry = chunks.find((c) => c.facadeModuleId && ENTRY.test(c.facadeModuleId.replace(/\\/g, '/')));
  if (!entry) return [];
  const files: string[] = [];
  const visit = (file: string): void => {
    if (files.includes(file)) return;
    files.push(file);
    for (const dep of bundle[file]?.imports ?? []) visit(dep);
  };
  visit(entry.fileName);
  return files;
}

/** Every .html file under `dir`. */
async function htmlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.html')) out.push(join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name));
  }
  return out;
}

export function workbenchPreload(): AstroIntegration {
  let files: string[] = [];
  let base = '/';
  const plugin: Plugin = {
    name: 'socklab-workbench-preload',
    apply: 'build',
    generateBundle(_options, bundle) {
      // The server build has no main.ts chunk (it runs only in the browser); the client build has.
      const found = bundleFiles(bundle as unknown as Record<string, Chunk>);
      if (found.length) files = found;
    },
  };
  return {
    name: 'socklab-workbench-preload',
    hooks: {
      'astro:config:setup': ({ config, updateConfig }) => {
        base = config.base.endsWith('/') ? config.base : `${config.base}/`;
        updateConfig({ vite: { plugins: [plugin] } });
      },
      'astro:build:done': async ({ dir, logger }) => {
        const marker = JSON.stringify(BUNDLE_MARKER);
        if (!files.length) {
          logger.warn('no workbench bundle (site/workbench/main.ts) in the client build: lesson pages preload nothing');
          return;
        }
        const urls = JSON.stringify(files.map((f) => base + f));
        let pages = 0;
        for (const file of await htmlFiles(fileURLToPath(dir))) {
          const html = await readFile(file, 'utf8');
          if (!html.includes(marker)) continue;
          await writeFile(file, html.split(marker).join(urls));
          pages++;
        }
        logger.info(`workbench bundle (${files.length} files) named in ${pages} lesson pages`);
      },
    },
  };
}
