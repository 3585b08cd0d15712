/**
 * The lab.mdx frontmatter schema as JSON Schema, generated from the zod
 * schema (protocol/lab.ts) so it cannot drift from what `socklab validate`
 * accepts. `socklab schema` prints it for editors; `socklab new` reads its
 * descriptions to comment the frontmatter it writes.
 */
import { z } from 'zod';
import { LabFrontmatter } from '../../protocol/lab.ts';

/** The part of JSON Schema this project reads back. */
export interface JsonSchema {
  description?: string;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  [key: string]: unknown;
}

/**
 * The JSON Schema of lab.mdx frontmatter as an author writes it (io
 * "input": fields with a default are optional). Rules across fields
 * ("every lab offers python", a ready port must be listed in ports) are not
 * expressible in JSON Schema; `socklab validate` checks them.
 */
export function labJsonSchema(): JsonSchema {
  return {
    ...(z.toJSONSchema(LabFrontmatter, { io: 'input' }) as JsonSchema),
    title: 'socklab lab.mdx frontmatter',
  };
}
