/**
 * Takes out of the workbench bundle the parts of Monaco's editor core that a
 * student's editor never runs, but that `editor.api` imports anyway: the
 * diff editor and the multi-file diff editor (the standalone API's
 * `createDiffEditor` and `createMultiFileDiffEditor`), the experimental
 * WebGPU line renderer (the `experimentalGpuAcceleration` option, off
 * unless asked for), and the quick input box of a command palette, which
 * the bundle does not have: together about 410 KB of the 3.4 MB bundle.
 * Every byte of the bundle is parsed and its modules evaluated before the
 * editor exists, on the machine of every student at a lesson.
 *
 * Each of those modules is replaced by a stub that exports the same names
 * and throws a clear error if anything ever constructs one: socklab's code
 * (site/workbench/) creates plain code editors only and never turns the GPU
 * option on, so a stub running would be a bug in a future change, said at
 * once rather than a blank editor.
 *
 * Build-time only (astro.config.mjs); nothing here reaches a browser.
 */
import type { Plugin } from 'vite';

/** The replaced modules (under monaco-editor/esm/vs/) and the classes each exports to its importers. */
const STUBS: Record<string, string[]> = {
  // Imported by standalone/browser/standaloneCodeEditor.js (StandaloneDiffEditor2 extends it).
  'editor/browser/widget/diffEditor/diffEditorWidget.js': ['DiffEditorWidget'],
  // Imported by standalone/browser/standaloneEditor.js (createMultiFileDiffEditor).
  'editor/browser/widget/multiDiffEditor/multiDiffEditorWidget.js': ['MultiDiffEditorWidget'],
  // Imported by browser/view.js, used only when experimentalGpuAcceleration is 'on'.
  'editor/browser/gpu/viewGpuContext.js': ['ViewGpuContext'],
  'editor/browser/viewParts/viewLinesGpu/viewLinesGpu.js': ['ViewLinesGpu'],
  'editor/browser/viewParts/rulersGpu/rulersGpu.js': ['RulersGpu'],
  'editor/browser/viewParts/gpuMark/gpuMark.js': ['GpuMarkOverlay'],
  // The quick input box (a command palette's list), with its list and tree widgets: imported by
  // standalone/browser/quickInput/standaloneQuickInputService.js, which builds one only when an
  // action asks to pick from a list. No action a student can reach does: the command palette (F1)
  // is not in the bundle, and the ones that would (Go to Match, Change Tab Size, Paste As) are
  // palette-only.
  'platform/quickinput/browser/quickInputService.js': ['QuickInputService'],
};

const PREFIX = '/node_modules/monaco-editor/esm/vs/';

/** A module whose classes refuse to be constructed. */
function stubModule(file: string, names: string[]): string {
  const why = JSON.stringify(`socklab's editor bundle leaves out monaco-editor/esm/vs/${file} (site/lib/monaco-trim.ts)`);
  return names.map((n) => `export class ${n} { constructor() { throw new Error(${why}); } }`).join('\n') + '\n';
}

/** The Vite plugin: loads the stubs in place of the modules in STUBS. */
export function monacoTrim(): Plugin {
  return {
    name: 'socklab-monaco-trim',
    enforce: 'pre',
    load(id) {
      const path = id.split('?')[0]!.replace(/\\/g, '/');
      const at = path.lastIndexOf(PREFIX);
      if (at < 0) return undefined;
      const file = path.slice(at + PREFIX.length);
      const names = STUBS[file];
      return names ? { code: stubModule(file, names), map: null } : undefined;
    },
  };
}
