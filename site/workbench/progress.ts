/**
 * Where the workbench keeps a student's work in the browser (localStorage),
 * and the one question the course home page asks of it: how far along is
 * each lab? Tiny and dependency-free, so the home page can import it
 * without pulling in the workbench.
 *
 * Keys (all under "socklab:<lab id>:"):
 *   lang                       the language last chosen
 *   <lang>:file:<name>         a file's text, only while it differs from the starter
 *   <lang>:files               JSON list of file names, when it differs from the starter's
 *   <lang>:checks              JSON LastCheck: the verdicts of the last Check
 *   <lang>:mine                JSON {names, files}: the student's own code while a solution is shown
 *   done                       ISO time when every check first passed (any language)
 */

export type LabStatus = 'done' | 'started' | 'new';

/** The verdicts of the last finished Check in one language. */
export interface LastCheck {
  at: string;
  passed: number;
  failed: number;
  skipped: number;
  results: { id: string; name: string; role: string; status: 'passed' | 'failed' | 'skipped' }[];
}

export const labKey = (lab: string, ...parts: string[]): string => ['socklab', lab, ...parts].join(':');

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null; // disabled (privacy settings): nothing persists, nothing breaks
  }
}

export function read(key: string): string | null {
  try {
    return storage()?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

/** Writes (or removes, for null); false when the browser refused (quota, disabled). */
export function write(key: string, value: string | null): boolean {
  try {
    const s = storage();
    if (!s) return false;
    if (value === null) s.removeItem(key);
    else s.setItem(key, value);
    return true;
  } catch {
    return false;
  }
}

/** done: every check passed once; started: edited code or ran Check; new: neither. */
export function labStatus(lab: string): LabStatus {
  if (read(labKey(lab, 'done'))) return 'done';
  const s = storage();
  if (!s) return 'new';
  const prefix = labKey(lab, '');
  try {
    for (let i = 0; i < s.length; i++) {
      const k = s.key(i);
      if (k?.startsWith(prefix) && (k.includes(':file:') || k.endsWith(':checks'))) return 'started';
    }
  } catch {
    /* storage went away: treat as new */
  }
  return 'new';
}
