/**
 * The host's view of a program's processes, read from /proc: the process
 * tree under a pid, and which sockets each process holds (for the socket
 * inspector's "owner" column and the grader's CPU and memory readings).
 */
import { readdir, readFile, readlink } from 'node:fs/promises';

/** `pid` and every process below it (depth-first, parents first). */
export async function processTree(pid: number, depth = 0): Promise<number[]> {
  const out = [pid];
  if (depth > 32) return out;
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  for (const c of children.split(' ').filter(Boolean)) out.push(...(await processTree(Number(c), depth + 1)));
  return out;
}

/** The short name of a process ("python3"), or "" once it is gone. */
export async function processName(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
}

/** Inodes of the sockets a process holds open. */
export async function socketInodes(pid: number): Promise<number[]> {
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  const inodes: number[] = [];
  await Promise.all(
    fds.map(async (fd) => {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m) inodes.push(Number(m[1]));
    }),
  );
  return inodes;
}
