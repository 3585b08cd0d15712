/**
 * Keeps the workbench's CSS off lesson pages until the workbench loads.
 *
 * Astro links every stylesheet reachable from a page's scripts into the
 * page's <head>, dynamic imports included. The workbench bundle (Monaco's
 * ~150 KB of CSS, xterm's, ours) is imported dynamically by a tiny loader,
 * so without this plugin each lesson would block rendering on CSS for an
 * editor it may never show. This Vite plugin rewrites plain side-effect CSS
 * imports (`import './x.css'`) in the workbench's modules, Monaco and
 * xterm.js into `?inline` imports (Vite still processes them: url()s to the
 * codicon font are rewritten) that append a <style> when the module runs,
 * i.e. when the workbench loads.
 *
 * Except codicon.css (Monaco's icon font, under 1 KB): it stays a plain
 * import, so Astro puts it in the lesson page's <head> with the rest. Its
 * @font-face added later, when the bundle runs, would make the browser
 * restyle and lay out the whole lesson again (a font set change touches
 * every text), once when the rule arrives and once when the font loads,
 * both on the way to a ready editor. Declared up front it costs a lesson
 * nothing (a font is fetched only when used); loader.ts fetches it while
 * the bundle downloads, so the font's one relayout comes before the editor
 * is built.
 *
 * Build-time only (astro.config.mjs); nothing here reaches a browser.
 */
import type { Plugin } from 'vite';

const SCOPES = ['/node_modules/monaco-editor/', '/node_modules/@xterm/', '/site/workbench/'];
const CSS_IMPORT = /^import\s+(['"])([^'"\n]+\.css)\1\s*;?/gm;
/** Stylesheets left as plain imports, linked in the page's <head> (see above). */
const KEEP_IN_HEAD = /\/codicon\/codicon\.css$/;

export function workbenchLazyCss(): Plugin {
  return {
    name: 'socklab-workbench-lazy-css',
    transform(code, id) {
      const path = id.split('?')[0]!.replace(/\\/g, '/');
      if (!/\.(m?js|ts)$/.test(path) || !SCOPES.some((s) => path.includes(s))) return undefined;
      let n = 0;
      const out = code.replace(CSS_IMPORT, (all: string, quote: string, spec: string) => {
        if (KEEP_IN_HEAD.test(spec)) return all;
        const name = `__socklabCss${n++}`;
        return (
          `import ${name} from ${quote}${spec}?inline${quote};` +
          `if (typeof document !== 'undefined') document.head.append(Object.assign(document.createElement('style'), { textContent: ${name} }));`
        );
      });
      return n ? { code: out, map: null } : undefined;
    },
  };
}
