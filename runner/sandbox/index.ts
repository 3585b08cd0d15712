/**
 * Chooses the sandbox backend once per runner and creates sandboxes with it.
 */
import { spawnSync } from 'node:child_process';
import type { Limits } from '../limits.ts';
import { createBwrapSandbox } from './bwrap.ts';
import { createHostSandbox, HOST_WARNING } from './host.ts';
import { runnerCgroups } from './cgroups.ts';
import { dropTo, runningAsRoot, UID_BASE } from './uids.ts';
import type { Sandbox } from './types.ts';
import type { Standby } from './standby.ts';
import type { WarningCode } from '../../protocol/constants.ts';
import { t, type Locale } from '../../protocol/i18n/catalog.ts';

export type { LossRule, Sandbox, SpawnOptions, SpawnPlan } from './types.ts';
export { SandboxError } from './types.ts';

export type BackendChoice = 'auto' | 'bwrap' | 'host';

export interface Backend {
  name: 'bwrap' | 'host';
  /** Shown to every student when the sandbox is weaker than usual (English, for logs and the CLI). */
  warning?: string;
  /** The warning's stable code, so a page shows it in its own language. */
  warningCode?: WarningCode;
  /** Why (bubblewrap's own error), untranslated. */
  warningDetail?: string;
  /** Most sessions this backend can hold at once (host: one, ports are shared). */
  maxSessions: number;
  /** Its sandboxes can capture their packets (Sandbox.captureCommand): a network of their own (bwrap; not host). */
  capturesPackets?: boolean;
  /**
   * A new sandbox; with `standby`, on standby until that ends (standby.ts);
   * with `check`, a Check's, weighing less than a session's (bwrap with
   * cgroups; else neither changes anything).
   */
  create(limits: Limits, opts?: CreateOptions): Promise<Sandbox>;
}

export interface CreateOptions {
  standby?: Standby;
  /** A sandbox for a Check (a grade's checks, its Java compile), not for a session: limits.checkCpuWeight. */
  check?: boolean;
}

/** The backend's warning in `locale`'s words, bubblewrap's reason after them; '' when there is none. */
export function backendWarning(backend: Pick<Backend, 'warning' | 'warningCode' | 'warningDetail'>, locale: Locale): string {
  if (!backend.warningCode) return backend.warning ?? '';
  const words = t(locale, `warning.${backend.warningCode}`);
  return backend.warningDetail ? `${words} (${backend.warningDetail})` : words;
}

/** Why bubblewrap cannot run here, or null when it can. */
export function bwrapProblem(): string | null {
  // --cap-add as the holder uses it: a setuid bwrap refuses it to non-root users.
  const argv = [...dropTo(runningAsRoot ? UID_BASE - 1 : null), 'bwrap', '--unshare-user', '--unshare-net', '--unshare-pid', '--cap-add', 'CAP_NET_ADMIN', '--ro-bind', '/', '/', '--proc', '/proc', '--', '/bin/true'];
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? `${argv[0]} is not installed (Debian: apt-get install bubblewrap)` : r.error.message;
  if (r.status !== 0) return (r.stderr || `bwrap exited ${r.status}`).trim();
  return null;
}

/** Picks the backend: `auto` uses bwrap when it works and falls back to host. */
export function chooseBackend(choice: BackendChoice = 'auto'): Backend {
  if (choice !== 'host') {
    const problem = bwrapProblem();
    if (!problem) {
      runnerCgroups(); // set up now, so a runner without cgroups says so at start
      return { name: 'bwrap', maxSessions: Infinity, capturesPackets: true, create: createBwrapSandbox };
    }
    if (choice === 'bwrap') throw new Error(`the bwrap sandbox cannot run here: ${problem}`);
    return { name: 'host', warning: `${HOST_WARNING} (${problem})`, warningCode: 'no_sandbox', warningDetail: problem, maxSessions: 1, create: createHostSandbox };
  }
  return { name: 'host', warning: HOST_WARNING, warningCode: 'no_sandbox', maxSessions: 1, create: createHostSandbox };
}
