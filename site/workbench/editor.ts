/**
 * Monaco, trimmed to what a student editing one small program needs: the
 * core editor API, a few editing features, syntax colouring for Python,
 * JavaScript and Java only (Monarch tokenizers, no language services), and
 * the plain editor worker (Vite `?worker`). The TypeScript, CSS, HTML and
 * JSON workers are never bundled, nor any other language's tokenizer
 * (test/e2e/workbench.test.ts checks the build for them).
 *
 * Left out on purpose: hover (about 230 KB minified, with the colour picker
 * and go-to-symbol it pulls in) has nothing to show without language
 * services, and links (Ctrl+click a URL in code) needs hover for its hint.
 * The editor core (editor.api) is about 2.7 MB minified, the floor of this
 * bundle, less what the build stubs out (site/lib/monaco-trim.ts: the diff
 * editors, the WebGPU renderer, the quick input box, about 0.4 MB); the build
 * splits it along Monaco's layers so the browser compiles it in parallel
 * (site/lib/monaco-chunks.ts), and the icon font is declared in the page's
 * <head> (site/lib/lazy-css.ts).
 *
 * This module is a chunk of its own, which main.ts imports once the
 * workbench is on the page (with a plain editor: plain-editor.ts); nothing
 * else imports it but for types.
 *
 * monaco-editor 0.57's package "exports" map its ESM tree at the package
 * root: `monaco-editor/editor/editor.worker` is
 * node_modules/monaco-editor/esm/vs/editor/editor.worker.js.
 */
import * as monaco from 'monaco-editor/editor/editor.api';
import 'monaco-editor/features/codicon/register';
import 'monaco-editor/features/bracketMatching/register';
import 'monaco-editor/features/clipboard/register';
import 'monaco-editor/features/comment/register';
import 'monaco-editor/features/contextmenu/register';
import 'monaco-editor/features/cursorUndo/register';
import 'monaco-editor/features/find/register';
import 'monaco-editor/features/folding/register';
import 'monaco-editor/features/fontZoom/register';
import 'monaco-editor/features/indentation/register';
import 'monaco-editor/features/linesOperations/register';
import 'monaco-editor/features/multicursor/register';
import 'monaco-editor/features/suggest/register';
// monaco-editor 0.57's features/suggest/register imports only the inline
// completions part: without the controller there is no suggestion list at
// all (no word completion, Ctrl+Space does nothing). Found by
// test/e2e/workbench.test.ts.
import 'monaco-editor/editor/contrib/suggest/browser/suggestController';
import 'monaco-editor/features/toggleTabFocusMode/register';
import 'monaco-editor/features/wordHighlighter/register';
import 'monaco-editor/features/wordOperations/register';
import 'monaco-editor/languages/definitions/python/register';
import 'monaco-editor/languages/definitions/javascript/register';
import 'monaco-editor/languages/definitions/java/register';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';

(self as unknown as { MonacoEnvironment: monaco.Environment }).MonacoEnvironment = {
  getWorker: () => new EditorWorker(),
};

monaco.editor.defineTheme('socklab-dark', {
  base: 'vs-dark',
  inherit: true,
  rules: [],
  colors: { 'editor.background': '#14161a', 'editorGutter.background': '#14161a' },
});
monaco.editor.defineTheme('socklab-light', {
  base: 'vs',
  inherit: true,
  rules: [],
  colors: { 'editor.background': '#fbfbfc', 'editorGutter.background': '#fbfbfc' },
});

export const editorTheme = (theme: 'light' | 'dark') => (theme === 'dark' ? 'socklab-dark' : 'socklab-light');

export { monaco };
