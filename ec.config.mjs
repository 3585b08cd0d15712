// @ts-check
/**
 * Expressive Code's options that are functions: astro.config.mjs may hold
 * only what serializes to JSON (for the <Code> component), and this file is
 * loaded by plain Node, so it imports no TypeScript.
 */

/** @type {import('astro-expressive-code').AstroExpressiveCodeOptions} */
export default {
  // A code block's words (its copy button's tooltip) in its page's language. Starlight reads that from
  // a file's place under its docs folder; a lesson is labs/NN-<id>/lab[.<locale>].mdx, so on Korean
  // lessons the button said "Copy to clipboard". Other pages: their URL's first segment when it is a
  // language tag (/ko/...; the course's other paths are longer words), else English, the source.
  getBlockLocale: ({ file }) => {
    const lesson = /[/\\]lab(?:\.([\w-]+))?\.mdx$/.exec(file.path ?? '');
    if (lesson) return lesson[1] ?? 'en';
    const first = file.url?.pathname.split('/')[1] ?? '';
    return /^[a-z]{2}(?:-[a-z]+)?$/i.test(first) ? first : 'en';
  },
};
