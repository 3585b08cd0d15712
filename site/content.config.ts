/**
 * Content collections. Starlight's `docs` collection holds the lessons, read
 * from labs/NN-<id>/lab.mdx by `labLoader` (see lib/labs.ts): the lab's own
 * strict schema is checked there, and each entry's data is Starlight's
 * frontmatter plus the validated lab in `lab`. `lab` is optional so that
 * pages built with <StarlightPage> (the home page) pass the same schema.
 */
import { defineCollection, z } from 'astro:content';
import { docsSchema } from '@astrojs/starlight/schema';
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
};
