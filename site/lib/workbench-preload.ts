/**
 * On a wide screen a lab page shows its workbench beside the lesson at once
 * (site/styles/workbench-layout.css, from 72rem), so the loader would mount
 * it as soon as it runs, after the whole page is parsed: the editor bundle's
 * download (about 4 MB with xterm.js) and its compilation, which the
 * browser does off the main thread, would only start then. This Astro
 * integration gives every built page with a workbench a few bytes of inline
 * script at the top of <head> that, on such a screen only (and not when the
 * student folded the workbench away or the browser asks to save data),
 * adds <link rel="modulepreload"> for the bundle and the chunks it imports:
 * they arrive while the lesson renders. A narrower screen, where the
 * workbench waits below the lesson, still loads nothing until it is idle
 * (loader.ts).
 *
 * The bundle's file names are hashed, so this runs after the build
 * (astro:build:done) and reads them from dist/_astro.
 */
import type { AstroIntegration } from 'astro';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workbench's width breakpoint, as site/styles/workbench-layout.css says it. */
const WIDE = '(min-width: 72rem)';
/** Where layout.ts keeps the folded workbench (its SIDE_KEY) and the value that means folded. */
const SIDE_KEY = 'socklab:layout:side';
const MARK = 'data-socklab-workbench';

/** main.*.js in `astro` (dist/_astro) and every chunk it imports statically, transitively; [] when there is no bundle. */
export function bundleFiles(astro: string): string[] {
  const files = readdirSync(astro);
  const main = files.find((f) => /^main\.[\w-]+\.js$/.test(f));
  if (!main) return [];
  const out: string[] = [];
  const visit = (file: string): void => {
    if (out.includes(file) || !files.includes(file)) return;
    out.push(file);
    const code = readFileSync(join(astro, file), 'utf8');
    // Static imports only (`import ... from"./x.js"`, `import"./x.js"`); a dynamic import() waits for its use.
    for (const m of code.matchAll(/(?:\bfrom|\bimport)\s*["']\.\/([\w.-]+\.js)["']/g)) visit(m[1]!);
  };
  visit(main);
  return out;
}

/** The inline script that preloads `files` (under /_astro/) on a wide screen. */
export function preloadScript(files: string[], base = '/'): string {
  const hrefs = JSON.stringify(files.map((f) => `${base}_astro/${f}`));
  return (
    `<script>(()=>{try{if(!matchMedia(${JSON.stringify(WIDE)}).matches||navigator.connection&&navigator.connection.saveData` +
    `||localStorage.getItem(${JSON.stringify(SIDE_KEY)})==="hidden")return}catch(e){}` +
    `for(const h of ${hrefs}){const l=document.createElement("link");l.rel="modulepreload";l.href=h;document.head.append(l)}})()</script>`
  );
}

/** Every .html file under `dir`. */
function htmlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.html'))
    .map((e) => join(e.parentPath, e.name));
}

export function workbenchPreload(): AstroIntegration {
  let base = '/';
  return {
    name: 'socklab-workbench-preload',
    hooks: {
      'astro:config:done': ({ config }) => {
        base = config.base.endsWith('/') ? config.base : `${config.base}/`;
      },
      'astro:build:done': ({ dir, logger }) => {
        const out = fileURLToPath(dir);
        const files = bundleFiles(join(out, '_astro'));
        if (!files.length) return;
        const script = preloadScript(files, base);
        let n = 0;
        for (const file of htmlFiles(out)) {
          const html = readFileSync(file, 'utf8');
          if (!html.includes(MARK)) continue;
          // Early in <head> (after the charset, which must come first): the preload starts before the
          // stylesheets hold the parser up.
          const head = /<meta charset[^>]*>|<head[^>]*>/.exec(html);
          if (!head) continue;
          const end = head.index + head[0].length;
          writeFileSync(file, html.slice(0, end) + script + html.slice(end));
          n++;
        }
        logger.info(`workbench preload on wide screens: ${files.length} chunks, ${n} pages`);
      },
    },
  };
}
