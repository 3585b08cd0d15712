/**
 * The runner's threads ask the scheduler for its shortest slice (slice.c
 * says why): the weight of the runner's CPU group (cgroups.ts) decides its
 * share of the cores, the slice how soon it runs once a keystroke wakes it.
 * Run once when the runner serves, after its threads have started; the
 * programs it starts afterwards go back to the default themselves.
 */
import { execFile } from 'node:child_process';
import { ensureSlice } from './build-launcher.js';

/** The kernel's shortest slice (0.1 ms; the default is 0.7 ms times 1 + log2 of the cores). */
export const RUNNER_SLICE_NS = 100_000;

/** Gives every thread of this process the shortest slice; resolves with why it could not, or null. */
export function shortenRunnerSlice(): Promise<string | null> {
  return new Promise((resolve) => {
    try {
      execFile(ensureSlice(), [String(process.pid), String(RUNNER_SLICE_NS)], { timeout: 5000 }, (err, _out, stderr) => resolve(err ? stderr.trim() || err.message : null));
    } catch (err) {
      resolve((err as Error).message);
    }
  });
}
