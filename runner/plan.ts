/**
 * How the processes of a lab's run plan are named ("server", "client 1"),
 * the same for the runner and the page. Types only and no Node imports, so
 * the workbench's browser bundle imports it too.
 */

/** What naming needs of one plan entry (a lab's ProcessSpec, or the page's copy of it). */
export interface PlanEntry {
  role: string;
  instances: number;
  addable: boolean;
}

/** The name of the `n`th (from 1) process of a role: numbered when the role can have more than one. */
export function processName(entry: PlanEntry, n: number): string {
  return entry.addable || entry.instances > 1 ? `${entry.role} ${n}` : entry.role;
}

/**
 * Every process a Run starts, in start order, with its name. `clients`
 * replaces the instance count of the role named "client" (`socklab run`
 * and the protocol's `run` may ask for more or fewer clients).
 */
export function processNames<T extends PlanEntry>(plan: readonly T[], clients?: number): { name: string; role: string; spec: T }[] {
  const out: { name: string; role: string; spec: T }[] = [];
  for (const spec of plan) {
    const count = spec.role === 'client' && clients !== undefined ? clients : spec.instances;
    for (let n = 1; n <= count; n++) out.push({ name: processName(spec, n), role: spec.role, spec });
  }
  return out;
}
