/**
 * What a lab page embeds for its workbench (as JSON, at build time): the
 * lab's run plan and the starter and solution files of every language. The
 * page carries everything the editor needs, so it works with no runner.
 *
 * Browser-safe: types only.
 */
import type { Language } from '../../protocol/messages.ts';

export interface WorkbenchPort {
  port: number;
  protocol: 'tcp' | 'udp';
}

export interface WorkbenchProcess {
  role: string;
  ready?: WorkbenchPort;
  instances: number;
  addable: boolean;
}

export interface WorkbenchFile {
  name: string;
  content: string;
}

export interface WorkbenchLanguage {
  id: Language;
  /** "Python", "JavaScript", "Java". */
  label: string;
  /** Monaco's language id. */
  monaco: string;
  /** role -> the file holding its program (server -> server.py). */
  roleFiles: Record<string, string>;
  /** starter/<lang>/ in tab order: role files in plan order, then the rest. */
  starter: WorkbenchFile[];
  /** solution/<lang>/, same order. */
  solution: WorkbenchFile[];
}

export interface WorkbenchData {
  id: string;
  title: string;
  /** First one is the default. */
  languages: WorkbenchLanguage[];
  /** The run plan in start order. */
  processes: WorkbenchProcess[];
  ports: WorkbenchPort[];
}
