/**
 * The instructor's commands, `socklab new` and `socklab schema`, as
 * runner/cli.ts calls them: arguments in, exit code out. A bad input throws
 * UsageError, which the CLI prints as "socklab: <message>" with exit 2.
 */
import { writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseFlags, UsageError } from '../cli-args.ts';
import { LABS_DIR } from '../labs/load.ts';
import { buildSite } from './build.ts';
import { initCourse, InitError } from './init.ts';
import { newLab, NewLabError } from './new-lab.ts';
import { labJsonSchema } from './schema.ts';
import { courseConfigJsonSchema } from './config.ts';


/** Usage of the commands defined here, for cli.ts's USAGE map. */
export const COURSE_USAGE = {
  init: `  socklab init <dir> [--with-labs]
      Create a course folder: package.json depending on socklab, labs/ (empty,
      or socklab's labs with --with-labs), socklab.config.json (which of
      socklab's built-in labs it keeps, which labs it hides, their order),
      README, GitHub Actions workflow, and classroom/: a student repository
      template for GitHub Classroom. socklab commands run in it (or given
      --course DIR) work on its labs.
`,
  new: `  socklab new <id> [--from LAB] [--title TEXT] [--labs DIR]
      Create labs/NN-<id>/ (lab.mdx with every field explained, starter/,
      solution/, a mutant, checks.ts) from a template or from LAB; it
      validates and its grader passes its own proof as created.
`,
  build: `  socklab build
      Build the course site (in a course: its labs, into its dist/).
`,
  schema: `  socklab schema [--config] [--out FILE]
      Print the JSON Schema of lab.mdx frontmatter (for editors), or write it
      to FILE; with --config, the schema of a course's socklab.config.json.
`,
};

/** `socklab new <id> [--from LAB] [--title TEXT] [--labs DIR]` */
export function cmdNew(args: string[]): number {
  const { values, positionals } = parseFlags('new', args, { from: { type: 'string' }, title: { type: 'string' }, labs: { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError('usage: socklab new <id> [--from LAB] [--title TEXT] [--labs DIR]');
  const labsDir = resolve(typeof values.labs === 'string' ? values.labs : LABS_DIR);
  try {
    const dir = newLab({
      labsDir,
      id: positionals[0]!,
      ...(typeof values.title === 'string' ? { title: values.title } : {}),
      ...(typeof values.from === 'string' ? { from: values.from } : {}),
    });
    const shown = relative(process.cwd(), dir) || dir;
    console.log(`created ${shown}/: lab.mdx, starter/, solution/, mutants/, checks.ts`);
    console.log(`next: edit ${shown}/lab.mdx, then run socklab validate${typeof values.labs === 'string' ? ` --labs ${values.labs}` : ''}`);
    return 0;
  } catch (err) {
    if (err instanceof NewLabError) throw new UsageError(err.message);
    throw err;
  }
}

/** `socklab init <dir> [--with-labs]` */
export function cmdInit(args: string[]): number {
  const { values, positionals } = parseFlags('init', args, { 'with-labs': { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('usage: socklab init <dir> [--with-labs]');
  try {
    const dir = initCourse({ dir: positionals[0]!, withLabs: values['with-labs'] === true });
    console.log(`created the course ${relative(process.cwd(), dir) || dir}/`);
    console.log(`next: cd ${positionals[0]} && npm install && npx socklab new my-lab`);
    return 0;
  } catch (err) {
    if (err instanceof InitError || err instanceof NewLabError) throw new UsageError(err.message);
    throw err;
  }
}

/** `socklab build`: the site of the current course (SOCKLAB_COURSE_DIR, see detect.ts), or socklab's own. */
export function cmdBuild(args: string[]): number {
  const { positionals } = parseFlags('build', args, {});
  if (positionals.length) throw new UsageError('usage: socklab build');
  if (!buildSite(process.env.SOCKLAB_COURSE_DIR ?? null)) throw new UsageError('the site did not build; see the errors above');
  return 0;
}

/** `socklab schema [--config] [--out FILE]` */
export function cmdSchema(args: string[]): number {
  const { values, positionals } = parseFlags('schema', args, { out: { type: 'string' }, config: { type: 'boolean' } });
  if (positionals.length) throw new UsageError('usage: socklab schema [--config] [--out FILE]');
  const text = JSON.stringify(values.config === true ? courseConfigJsonSchema() : labJsonSchema(), null, 2) + '\n';
  if (typeof values.out === 'string') {
    try {
      writeFileSync(values.out, text);
    } catch (err) {
      throw new UsageError(`--out: cannot write ${values.out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  } else process.stdout.write(text);
  return 0;
}
