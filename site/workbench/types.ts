/**
 * What a lab page embeds for its workbench (as JSON, at build time): the
 * lab's run plan and the starter and solution files of every language. The
 * page carries everything the editor needs, so it works with no runner.
 *
 * Browser-safe: types only (the lab's and the protocol's zod schemas are
 * never bundled into the page).
 */
import type { LabFrontmatter } from '../../protocol/lab.ts';
import type { Language, StudentFile } from '../../protocol/messages.ts';
import type { RecorderLimits } from '../../protocol/recorder.ts';

export interface WorkbenchLanguage {
  id: Language;
  /** "Python", "JavaScript", "Java". */
  label: string;
  /** Monaco's language id. */
  monaco: string;
  /** role -> the file holding its program (server -> server.py). */
  roleFiles: Record<string, string>;
  /** starter/<lang>/ in tab order: role files in plan order, then the rest. */
  starter: StudentFile[];
  /** solution/<lang>/, same order; empty unless the lab's policy is `always` (the runner serves it otherwise). */
  solution: StudentFile[];
}

export interface WorkbenchData extends Pick<LabFrontmatter, 'id' | 'title' | 'processes' | 'ports' | 'network' | 'preview'> {
  /** First one is the default. */
  languages: WorkbenchLanguage[];
  /** When Show solution may show the reference solution (the lab's `solution` field): never, after-pass, always. */
  solutionPolicy: LabFrontmatter['solution'];
  /** How big "Share this run" lets a recording grow (runner/limits.ts RECORDING_LIMITS). */
  recording: RecorderLimits;
}
