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
import { LabError, loadLab, loadLabs, type Lab } from '../../runner/labs/load.ts';
import type { LabFrontmatter } from '../../protocol/lab.ts';

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

/** Starlight frontmatter for a lab's page. */
function pageData(lab: Lab) {
  const data: LabData = { ...lab.meta, folder: lab.folder };
  return {
    title: lab.meta.title,
    description: lab.meta.summary,
    sidebar: { order: lab.meta.order },
    lab: data,
  };
}

/** Loader for Starlight's `docs` collection: one entry per labs/NN-<id>/lab.mdx. */
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
        pattern: '*/lab.mdx',
        // Raw frontmatter here; loadLabs above has already checked the id.
        generateId: ({ entry, data }) =>
          typeof data.id === 'string' ? labSlug(data.id) : `labs/${dirname(entry)}`,
      }).load({
        ...context,
        // Validate with the runner's rules and hand Starlight its frontmatter.
        parseData: async <TData extends Record<string, unknown>>({ id, filePath }: ParseDataOptions<TData>) =>
          context.parseData({ id, data: pageData(loadLab(dirname(filePath!), labsDir)) as unknown as TData, filePath }),
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
  return [
    { label: 'Course home', link: '/' },
    { label: 'Labs', items: labs.map((lab) => ({ slug: labSlug(lab.meta.id) })) },
  ];
}

const isMissingDir = (err: unknown) => (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
