/**
 * How the site reads labs/ at build time.
 *
 * Lessons live in labs/NN-<id>/lab.mdx, outside the site's srcDir, and their
 * frontmatter is the runner's strict `LabFrontmatter`, not Starlight's. This
 * module bridges the two without a second schema:
 *
 * - `labLoader()` is the loader of Starlight's `docs` collection. It checks
 *   the whole course with the runner's own `loadCourseLabs` (the same checks
 *   as `socklab validate`: schema, folder name, starter and solution files,
 *   duplicate ids, the course's socklab.config.json), so a broken lab fails
 *   the build with its file and line. The course's labs are its own and the
 *   built-in labs its config takes in, less the hidden: a hidden lab gets
 *   no page.
 *   Each lab.mdx becomes the docs entry `labs/<id>` (page /labs/<id>/) whose
 *   data is Starlight frontmatter derived from the lab: title, description =
 *   summary, sidebar.order = its place in the course, plus the validated lab
 *   itself in `lab`.
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
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { glob, type Loader, type LoaderContext } from 'astro/loaders';
import { LabError, LESSON_LOCALES, loadLab, type Lab, type LessonLocale } from '../../runner/labs/load.ts';
import { loadCourseLabs } from '../../runner/course/labs.ts';
import type { LabFrontmatter } from '../../protocol/lab.ts';
import { LOCALES, SOURCE_LOCALE, t, type Locale } from '../../protocol/i18n/catalog.ts';

type ParseDataOptions<T extends Record<string, unknown>> = Parameters<LoaderContext['parseData']>[0] & { data: T };

/** The validated lab as stored on its docs entry (`entry.data.lab`). */
export interface LabData extends LabFrontmatter {
  /** Folder name, e.g. "02-tcp-echo". */
  folder: string;
  /** Absolute path of the lab's folder (the course's labs/ or socklab's built-in labs/), read at build time only. */
  dir: string;
  /** The lab's number in the course list: its place in course order (socklab.config.json may reorder), from the first lab's own number. */
  number: number;
}

/** Absolute path of the labs folder for a project root. */
export function labsDirFor(root: string | URL): string {
  const env = process.env.SOCKLAB_LABS_DIR;
  if (env) return resolve(env);
  return join(typeof root === 'string' ? root : fileURLToPath(root), 'labs');
}

/** The docs slug (and URL path without slashes) of a lab: "labs/tcp-echo". */
/** Whether a lab's page gets the workbench: it has a run plan, and a language to run it in. */
export const hasWorkbench = (lab: LabData | undefined): lab is LabData => Boolean(lab && lab.processes.length > 0 && lab.languages.length > 0);

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

/** The lab in a locale, numbered `number` in the course: its translated words over lab.mdx's facts (English when untranslated). */
export function localizedLab(lab: Lab, locale: Locale, number: number): LabData {
  const words = locale === SOURCE_LOCALE ? undefined : lab.translations[locale as LessonLocale];
  return { ...lab.meta, title: words?.title ?? lab.meta.title, summary: words?.summary ?? lab.meta.summary, folder: lab.folder, dir: lab.dir, number };
}

/** Starlight frontmatter for a lab's page in a locale. */
function pageData(lab: Lab, locale: Locale, number: number) {
  const data = localizedLab(lab, locale, number);
  return {
    title: data.title,
    description: data.summary,
    sidebar: { order: number },
    lab: data,
  };
}

/** Each lab's number in the course list: course order, counted from the first lab's own number (00 for socklab's). */
function courseNumbers(labs: Lab[]): Map<string, number> {
  const first = labs[0]?.meta.order ?? 0;
  return new Map(labs.map((lab, i) => [lab.meta.id, first + i]));
}

/** Loader for Starlight's `docs` collection: one entry per course lab's lab.mdx and lab.<locale>.mdx. */
export function labLoader(): Loader {
  return {
    name: 'socklab-lab-loader',
    load: async (context) => {
      const labsDir = labsDirFor(context.config.root);
      // Whole-course check on every load: the glob loader below skips
      // unchanged lab.mdx files, but a lab can break elsewhere (a deleted
      // starter file, a duplicate id, the course's config). Throws a
      // LabError listing every problem as "labs/NN-id/lab.mdx:LINE: message [code]".
      const labs = loadCourseLabs(labsDir);
      const numbers = courseNumbers(labs);
      // A stored entry is kept while its file is unchanged, but its data
      // also holds the lab's folder and number, which the course's config
      // decides: a course whose labs changed (taken in, hidden, reordered)
      // starts from an empty store. The leading tag names this data's shape.
      const course = JSON.stringify(['lab-data-2', ...labs.map((lab) => lab.dir)]);
      if (context.meta.get('course') !== course) {
        context.store.clear();
        context.meta.set('course', course);
      }
      // The course's labs come from up to two folders (its own labs/ and
      // socklab's built-in labs/): one glob per folder, each matching only
      // the course's labs in it, so a hidden lab gets no page. A glob drops
      // every stored entry it did not see itself, which would drop the
      // other folder's: each sees a store without keys, and the entries no
      // glob produced are dropped here afterwards.
      const produced = new Set<string>();
      const store = new Proxy(context.store, {
        get(target, prop) {
          if (prop === 'keys') return () => [];
          const value = Reflect.get(target, prop, target) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
      const folders = new Map<string, Lab[]>();
      for (const lab of labs) folders.set(dirname(lab.dir), [...(folders.get(dirname(lab.dir)) ?? []), lab]);
      for (const [base, inFolder] of folders) {
        await glob({
          base,
          pattern: inFolder.map((lab) => `${lab.folder}/lab{,${LESSON_LOCALES.map((l) => `.${l}`).join(',')}}.mdx`),
          // loadCourseLabs above has checked that every id is its folder's name after "NN-".
          generateId: ({ entry }) => {
            const id = localeSlug(dirname(entry).replace(/^\d+-/, ''), fileLocale(entry));
            produced.add(id);
            return id;
          },
        }).load({
          ...context,
          store,
          // Validate with the runner's rules and hand Starlight its frontmatter.
          parseData: async <TData extends Record<string, unknown>>({ id, filePath }: ParseDataOptions<TData>) => {
            const lab = loadLab(join(base, basename(dirname(filePath!))), base);
            return context.parseData({ id, data: pageData(lab, fileLocale(filePath!), numbers.get(lab.meta.id) ?? lab.meta.order) as unknown as TData, filePath });
          },
        });
      }
      for (const id of context.store.keys()) if (!produced.has(id)) context.store.delete(id);
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
    labs = loadCourseLabs(labsDirFor(root));
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
