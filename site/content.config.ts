/**
 * Content collections. Starlight's `docs` collection holds the lessons, read
 * from labs/NN-<id>/lab.mdx by `labLoader` (see lib/labs.ts): the lab's own
 * strict schema is checked there, and each entry's data is Starlight's
 * frontmatter plus the validated lab in `lab`. `lab` is optional so that
 * pages built with <StarlightPage> (the home page) pass the same schema.
 *
 * `i18n` holds Starlight's own words where its Korean lacks them: the
 * search dialog's (Pagefind's), which Starlight otherwise fills with
 * English over Pagefind's own Korean (content/i18n/ko.json, Pagefind's words).
 */
import { defineCollection, z } from 'astro:content';
import { docsSchema, i18nSchema } from '@astrojs/starlight/schema';
import { i18nLoader } from '@astrojs/starlight/loaders';
import { labLoader, type LabData } from './lib/labs.ts';

export const collections = {
  docs: defineCollection({
    loader: labLoader(),
    schema: docsSchema({
      extend: z.object({
        lab: z
          .custom<LabData>((v: unknown) => typeof v === 'object' && v !== null && 'id' in v, 'set by the lab loader')
          .optional(),
      }),
    }),
  }),
  i18n: defineCollection({ loader: i18nLoader(), schema: i18nSchema() }),
};
