/**
 * How long each check has taken when it passed, in this runner process:
 * what orders the turns of the next Check of the same lab (check-turns.ts),
 * so that the longest chain of checks (a check and those that wait on it,
 * however deep) starts first instead of being left to end the Check alone.
 * A first Check of a lab, with nothing known yet, runs in the lab's order.
 * Only the order of the turns depends on it, never a verdict.
 */
import type { CheckDef } from './api.ts';

/** The weight of the newest duration in the running average (a slow run on a busy machine moves it only so far). */
const NEWEST_WEIGHT = 0.3;

const durationKey = (lab: string, lang: string, id: string) => `${lab}\0${lang}\0${id}`;

export class CheckDurations {
  private readonly ms = new Map<string, number>();

  /** Records that check `id` of `lab` in `lang` passed in `ms`. */
  record(lab: string, lang: string, id: string, ms: number): void {
    const key = durationKey(lab, lang, id);
    const before = this.ms.get(key);
    this.ms.set(key, before === undefined ? ms : before + NEWEST_WEIGHT * (ms - before));
  }

  /** The expected duration of check `id` (its running average), or 0 when it has not passed yet here. */
  expected(lab: string, lang: string, id: string): number {
    return this.ms.get(durationKey(lab, lang, id)) ?? 0;
  }

  /**
   * Each check's chain in ms: its expected duration and the longest chain
   * of the checks that depend on it directly.
   */
  chains(lab: string, lang: string, plan: readonly CheckDef[]): Map<string, number> {
    const out = new Map<string, number>();
    // A check depends only on earlier ones (loadChecks): from the last, every dependant is known first.
    for (let i = plan.length - 1; i >= 0; i--) {
      const c = plan[i]!;
      let after = 0;
      for (const d of plan.slice(i + 1)) if (d.dependsOn?.includes(c.id)) after = Math.max(after, out.get(d.id) ?? 0);
      out.set(c.id, this.expected(lab, lang, c.id) + after);
    }
    return out;
  }
}

/** The runner's: every Check of this process learns from the ones before. */
export const checkDurations = new CheckDurations();
