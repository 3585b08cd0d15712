/** The grader's Chromiums that a test's process started, found in /proc (by their socklab-chromium-* profiles). */
import { readdirSync, readFileSync } from 'node:fs';

/** pid, parent and process group of every live process. */
export function procs(): { pid: number; ppid: number; pgrp: number }[] {
  const out: { pid: number; ppid: number; pgrp: number }[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z') continue; // dead, waiting to be reaped
      out.push({ pid: Number(name), ppid: Number(ppid), pgrp: Number(pgrp) });
    } catch {
      /* gone */
    }
  }
  return out;
}

/** This process's grader Chromiums: each browser's pid and profile folder. */
export function graderChromiums(): { pid: number; profile: string }[] {
  const out: { pid: number; profile: string }[] = [];
  for (const { pid, ppid } of procs()) {
    if (ppid !== process.pid) continue;
    try {
      const profile = /--user-data-dir=(\S*socklab-chromium-[^\0]*)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1];
      if (profile) out.push({ pid, profile });
    } catch {
      /* gone */
    }
  }
  return out;
}
