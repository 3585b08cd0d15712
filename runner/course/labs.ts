/**
 * The labs of a course, as every command and the site see them: the
 * course's own labs/ and the built-in labs its socklab.config.json takes in,
 * less the hidden ones, in the config's order. `socklab serve` (the
 * runner), `build` (the site's loader and sidebar), `validate` and `grade`
 * all call `loadCourseLabs`, so they agree on what the course is.
 */
import { dirname, resolve } from 'node:path';
import { BUILTIN_LABS_DIR, LabError, LABS_DIR, loadLabs, type Lab, type LabProblem } from '../labs/load.ts';
import { labProblem, readCourseConfig, type ReadConfig } from './config.ts';

/**
 * The course whose labs folder is `labsDir` (default: the current course's,
 * see detect.ts): its own labs, plus the built-in labs its config includes,
 * less the hidden, ordered. Throws a LabError listing every problem found in
 * the labs and the config, each at its file:line.
 */
export function loadCourseLabs(labsDir: string = LABS_DIR): Lab[] {
  const dir = resolve(labsDir);
  // socklab's own labs folder is the built-ins themselves; a folder of labs
  // without a course around it (a test's, --labs DIR) has no config.
  if (dir === resolve(BUILTIN_LABS_DIR)) return loadLabs(dir);
  const problems: LabProblem[] = [];
  let own: Lab[] = [];
  let read: ReadConfig | null = null;
  try {
    own = loadLabs(dir);
  } catch (err) {
    if (!(err instanceof LabError)) throw err;
    problems.push(...err.problems);
  }
  try {
    read = readCourseConfig(dirname(dir));
  } catch (err) {
    if (!(err instanceof LabError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length || !read) throw new LabError(problems);
  const { include } = read.config.labs;
  const builtins = include === 'all' || include.length ? loadLabs(BUILTIN_LABS_DIR) : [];
  return applyConfig(own, builtins, read);
}

/**
 * The course's labs from its own and socklab's by the config: throws a
 * LabError (code course_lab) for an id that is no lab, is listed twice, or
 * names a built-in lab the course also has a lab of its own for.
 */
export function applyConfig(own: Lab[], builtins: Lab[], read: ReadConfig): Lab[] {
  const { include, hide, order } = read.config.labs;
  const problems: LabProblem[] = [];
  const ownIds = new Map(own.map((l) => [l.meta.id, l]));
  const builtinIds = new Map(builtins.map((l) => [l.meta.id, l]));
  const taken: Lab[] = [];
  const take = (lab: Lab, path: (string | number)[]) => {
    const mine = ownIds.get(lab.meta.id);
    if (mine) problems.push(labProblem(read, path, `"${lab.meta.id}" is a built-in lab and also the course's labs/${mine.folder}; include it or keep your copy, not both`));
    else taken.push(lab);
  };
  if (include === 'all') builtins.forEach((lab) => take(lab, ['labs', 'include']));
  else {
    eachOnce(include, ['labs', 'include'], read, problems, (id, path) => {
      const lab = builtinIds.get(id);
      if (lab) take(lab, path);
      else problems.push(labProblem(read, path, `"${id}" is not one of socklab's built-in labs (${[...builtinIds.keys()].join(', ')})`));
    });
  }
  const all = [...own, ...taken];
  const byId = new Map(all.map((l) => [l.meta.id, l]));
  const known = () => [...byId.keys()].join(', ') || 'none';
  const hidden = new Set<string>();
  eachOnce(hide, ['labs', 'hide'], read, problems, (id, path) => {
    if (byId.has(id)) hidden.add(id);
    else problems.push(labProblem(read, path, `"${id}" is not a lab of this course (its labs: ${known()})`));
  });
  const position = new Map<string, number>();
  eachOnce(order, ['labs', 'order'], read, problems, (id, path) => {
    if (!byId.has(id)) problems.push(labProblem(read, path, `"${id}" is not a lab of this course (its labs: ${known()})`));
    else if (hidden.has(id)) problems.push(labProblem(read, path, `"${id}" is hidden (labs.hide); a hidden lab has no place in the order`));
    else position.set(id, position.size);
  });
  if (problems.length) throw new LabError(problems);
  // Listed labs first, in the config's order; the rest by frontmatter order,
  // the course's own before a built-in of the same number (a stable sort of [own, built-in]).
  const rank = (l: Lab) => position.get(l.meta.id) ?? Infinity;
  return all
    .filter((l) => !hidden.has(l.meta.id))
    .sort((a, b) => {
      const [ra, rb] = [rank(a), rank(b)];
      if (ra !== rb) return ra - rb;
      return ra === Infinity ? a.meta.order - b.meta.order : 0;
    });
}

/** Calls `fn` for each id of `ids` given the first time; a repeat is a problem. */
function eachOnce(ids: string[], at: (string | number)[], read: ReadConfig, problems: LabProblem[], fn: (id: string, path: (string | number)[]) => void) {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (seen.has(id)) problems.push(labProblem(read, [...at, i], `"${id}" is listed twice`));
    else {
      seen.add(id);
      fn(id, [...at, i]);
    }
  });
}
