/**
 * How the site reads labs/ at build time.
 *
 * Lessons live in labs/NN-<id>/lab.mdx, outside the site's srcDir, and their
 * frontmatter is the runner's strict `LabFrontmatter`, not Starlight's. This
 * module bridges the two without a second schema:
 *
 * - `labLoader()` is the loader of Starlight's `docs` collection. It checks
 *   the whole course with the runner's own `loadLabs` (the same checks as
 *   `socklab validate`: schema, folder name, starter and solution files,
 *   duplicate ids), so a broken lab fails the build with its file and line.
 *   Each lab.mdx becomes the docs entry `labs/<id>` (page /labs/<id>/) whose
 *   data is Starlight frontmatter derived from the lab: title, description =
 *   summary, sidebar.order = order, plus the validated lab itself in `lab`.
 *   Each lab.<locale>.mdx beside it (lab.ko.mdx) becomes `<locale>/labs/<id>`
 *   (page /ko/labs/<id>/): its own title, summary and body, every other fact
 *   from lab.mdx. A lab without one gets Starlight's fallback page (the
 *   English lesson with a notice).
 * - `courseSidebar()` builds Starlight's sidebar in course order. It is read
 *   once when the Astro config loads, so in `astro dev` a newly added lab
 *   appears in the sidebar after a restart (its page appears at once).
 *
 * Only Node code at build time imports this; nothing here reaches a browser.
 *
 * The labs folder is <root>/labs, or $SOCKLAB_LABS_DIR when set (to preview
 * or test against another set of labs).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { glob, type Loader, type LoaderContext } from 'astro/loaders';
import { LabError, LESSON_LOCALES, loadLab, loadLabs, type Lab, type LessonLocale } from '../../runner/labs/load.ts';
import type { LabFrontmatter } from '../../protocol/lab.ts';
import { LOCALES, SOURCE_LOCALE, t, type Locale } from '../../protocol/i18n/catalog.ts';

type ParseDataOptions<T extends Record<string, unknown>> = Parameters<LoaderContext['parseData']>[0] & { data: T };

/** The validated lab as stored on its docs entry (`entry.data.lab`). */
export interface LabData extends LabFrontmatter {
  /** Folder name, e.g. "02-tcp-echo". */
  folder: string;
}

/** Absolute path of the labs folder for a project root. */
export function labsDirFor(root: string | URL): string {
  const env = process.env.SOCKLAB_LABS_DIR;
  if (env) return resolve(env);
  return join(typeof root === 'string' ? root : fileURLToPath(root), 'labs');
}

/** The docs slug (and URL path without slashes) of a lab: "labs/tcp-echo". */
export const labSlug = (id: string) => `labs/${id}`;

/** The docs id (and URL path) of a lab in a locale: "labs/tcp-echo", "ko/labs/tcp-echo". */
export const localeSlug = (id: string, locale: Locale) => (locale === SOURCE_LOCALE ? labSlug(id) : `${locale}/${labSlug(id)}`);

/** "lab.mdx" -> en, "lab.ko.mdx" -> ko (the loader's pattern only matches known locales). */
function fileLocale(file: string): Locale {
  const m = /lab\.([a-z]{2})\.mdx$/.exec(file);
  return (m ? m[1] : SOURCE_LOCALE) as Locale;
}

/**
 * Starlight's `locales`: the source language at the root, every other at
 * /<locale>/, each named in its own words for the header's language switch.
 */
export function starlightLocales() {
  return Object.fromEntries(LOCALES.map((l) => [l === SOURCE_LOCALE ? 'root' : l, { label: t(l, 'language.name'), lang: l }]));
}

/** A message in every language but the source, as Starlight's `translations` of a label. */
const translations = (key: 'nav.home' | 'nav.labs' | 'nav.replay') => Object.fromEntries(LESSON_LOCALES.map((l) => [l, t(l, key)]));

/** The lab in a locale: its translated words over lab.mdx's facts (English when untranslated). */
export function localizedLab(lab: Lab, locale: Locale): LabData {
  const words = locale === SOURCE_LOCALE ? undefined : lab.translations[locale as LessonLocale];
  return { ...lab.meta, title: words?.title ?? lab.meta.title, summary: words?.summary ?? lab.meta.summary, folder: lab.folder };
}

/** Starlight frontmatter for a lab's page in a locale. */
function pageData(lab: Lab, locale: Locale) {
  const data = localizedLab(lab, locale);
  return {
    title: data.title,
    description: data.summary,
    sidebar: { order: lab.meta.order },
    lab: data,
  };
}

/** Loader for Starlight's `docs` collection: one entry per labs/NN-<id>/lab.mdx and lab.<locale>.mdx. */
export function labLoader(): Loader {
  return {
    name: 'socklab-lab-loader',
    load: async (context) => {
      const labsDir = labsDirFor(context.config.root);
      // Whole-course check on every load: the glob loader below skips
      // unchanged lab.mdx files, but a lab can break elsewhere (a deleted
      // starter file, a duplicate id). Throws a LabError listing every
      // problem as "labs/NN-id/lab.mdx:LINE: message [code]".
      loadLabs(labsDir);
      await glob({
        base: labsDir,
        pattern: `*/lab{,${LESSON_LOCALES.map((l) => `.${l}`).join(',')}}.mdx`,
        // loadLabs above has checked that every id is its folder's name after "NN-".
        generateId: ({ entry }) => localeSlug(dirname(entry).replace(/^\d+-/, ''), fileLocale(entry)),
      }).load({
        ...context,
        // Validate with the runner's rules and hand Starlight its frontmatter.
        parseData: async <TData extends Record<string, unknown>>({ id, filePath }: ParseDataOptions<TData>) =>
          context.parseData({ id, data: pageData(loadLab(dirname(filePath!), labsDir), fileLocale(filePath!)) as unknown as TData, filePath }),
      });
    },
  };
}

/**
 * Starlight sidebar: the home page, then every lab in course order. A broken
 * lab leaves the labs out here rather than stopping the config: the docs
 * loader reports it (and fails the build) with every problem located, while
 * `astro dev` and `astro preview` still start.
 */
export function courseSidebar(root: string | URL) {
  let labs: Lab[] = [];
  try {
    labs = loadLabs(labsDirFor(root));
  } catch (err) {
    if (!(err instanceof LabError) && !isMissingDir(err)) throw err;
  }
  // Starlight puts the locale in front of links and slugs, and takes each
  // lab's label from its page in that locale.
  return [
    { label: t(SOURCE_LOCALE, 'nav.home'), translations: translations('nav.home'), link: '/' },
    { label: t(SOURCE_LOCALE, 'nav.labs'), translations: translations('nav.labs'), items: labs.map((lab) => ({ slug: labSlug(lab.meta.id) })) },
    // For teachers: a run a student shared, played back (site/pages/replay.astro).
    { label: t(SOURCE_LOCALE, 'nav.replay'), translations: translations('nav.replay'), link: '/replay/' },
  ];
}

const isMissingDir = (err: unknown) => (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
