// @ts-check
/**
 * The course site. Sources are in site/ (srcDir), the lessons in
 * labs/NN-<id>/lab.mdx (read by the `docs` collection's loader, see
 * site/lib/labs.ts), the output in dist/, which `socklab serve` serves.
 */
import { defineConfig, passthroughImageService } from 'astro/config';
import mdx from '@astrojs/mdx';
import starlight from '@astrojs/starlight';
import { courseSidebar, starlightLocales } from './site/lib/labs.ts';
import { socklabRunner } from './site/lib/runner-integration.ts';
import { workbenchPreload } from './site/lib/workbench-preload.ts';
import { workbenchLazyCss } from './site/lib/lazy-css.ts';
import { monacoTrim } from './site/lib/monaco-trim.ts';
import { monacoChunk } from './site/lib/monaco-chunks.ts';
import remarkSequence from './site/lib/remark-sequence.ts';

export default defineConfig({
  srcDir: './site',
  outDir: './dist',
  // Lessons use plain (mostly SVG) images; no sharp needed to build.
  image: { service: passthroughImageService() },
  // The workbench's CSS loads with the workbench, not with every lesson;
  // the parts of Monaco no lab uses are left out, and the rest comes in
  // chunks that the browser compiles side by side.
  vite: {
    plugins: [monacoTrim(), workbenchLazyCss()],
    build: {
      rollupOptions: {
        output: { manualChunks: monacoChunk },
        // zod's sources (the Replay page validates a recording) carry
        // annotations Rollup drops with a warning a newcomer's first build
        // should not show: they are zod's, and harmless.
        onwarn(warning, warn) {
          if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/node_modules/')) return;
          warn(warning);
        },
      },
      // Monaco's chunks are over 500 kB and load only with the workbench,
      // side by side; the warning's advice (split them) is already taken.
      chunkSizeWarningLimit: 1000,
    },
  },
  // ```sequence blocks in lessons become drawn diagrams.
  markdown: { remarkPlugins: [remarkSequence] },
  integrations: [
    starlight({
      title: 'socklab',
      description: 'Learn socket programming by running your own servers for real.',
      // English at /, Korean at /ko/ (lessons from labs/*/lab.ko.mdx), from
      // protocol/i18n's languages. A page with no Korean lesson is
      // Starlight's fallback: the English one with a notice.
      defaultLocale: 'root',
      locales: starlightLocales(),
      // Course order, from the labs' frontmatter. Loading also validates
      // every lab, so a broken lab stops the build here with file and line.
      sidebar: courseSidebar(new URL('.', import.meta.url)),
      // Lab pages with programs get the workbench after the lesson.
      // The head of those pages opens the runner connection early (site/components/Head.astro).
      components: { MarkdownContent: './site/components/MarkdownContent.astro', Head: './site/components/Head.astro' },
      customCss: ['./site/styles/sequence.css', './site/styles/korean.css'],
    }),
    // After Starlight, so Starlight's code-block integration runs before it.
    mdx(),
    socklabRunner(),
    // Lesson pages name the workbench bundle's built files, for the parse-time preload (site/workbench/early-socket.ts).
    workbenchPreload(),
  ],
});
