/**
 * Fresh sandboxes for the checks of one grade, made a few ahead of their
 * turn: a sandbox (its holder, namespaces, cgroups and socket agent) takes
 * a few hundred ms to start and to get its files, which otherwise come
 * before every check's first step. Made ahead, it starts while the checks
 * before it wait on their programs. Each sandbox still serves exactly one
 * check and is never reused: nothing of one check (or student) is left for
 * the next.
 */
import type { Limits } from '../limits.ts';
import type { Backend, Sandbox } from '../sandbox/index.ts';

/** A sandbox being made: `sandbox` rejects as `backend.create` does, `ready` as the preparation does. */
export interface MadeSandbox {
  sandbox: Promise<Sandbox>;
  /** Resolves once the files of its kind of check are in it. */
  ready: Promise<void>;
}

export class SandboxSupply<K> {
  private readonly made: { key: K; made: MadeSandbox }[] = [];
  /** The kinds of the checks that have no sandbox yet, in the order they are expected to run. */
  private readonly upcoming: K[];
  private closed = false;

  /**
   * @param upcoming one key per check of the grade, in plan order: a check's kind (the files it needs); none is made beyond these.
   * @param ahead how many to keep made ahead (0: each is made when taken).
   * @param prepare puts the files of a kind of check into a new sandbox.
   */
  constructor(
    private readonly backend: Backend,
    private readonly limits: Limits,
    upcoming: K[],
    private readonly ahead: number,
    private readonly prepare: (sandbox: Sandbox, key: K) => Promise<void>,
  ) {
    this.upcoming = [...upcoming];
    this.fill();
  }

  /**
   * A sandbox no check has used, prepared for `key`. `refill: false` makes
   * none ahead while the taker runs (an `alone` check measures time, which
   * a sandbox starting beside it would change).
   */
  take(key: K, opts: { refill?: boolean } = {}): MadeSandbox {
    const i = this.made.findIndex((m) => m.key === key);
    let taken: MadeSandbox;
    if (i >= 0) taken = this.made.splice(i, 1)[0]!.made;
    else {
      const j = this.upcoming.indexOf(key);
      if (j >= 0) this.upcoming.splice(j, 1);
      taken = this.make(key);
    }
    if (opts.refill !== false) this.fill();
    return taken;
  }

  /** Closes the sandboxes made ahead that no check took; call once the grade is over. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.made.splice(0).map(({ made }) => made.sandbox.then((s) => s.close(), () => {})));
  }

  private make(key: K): MadeSandbox {
    const sandbox = this.backend.create(this.limits).then((s) => {
      s.prepareSockets();
      return s;
    });
    const ready = sandbox.then((s) => this.prepare(s, key));
    // Their taker reports a failure; one never taken is only closed.
    sandbox.catch(() => {});
    ready.catch(() => {});
    return { sandbox, ready };
  }

  private fill(): void {
    while (!this.closed && this.made.length < this.ahead && this.upcoming.length) {
      const key = this.upcoming.shift()!;
      this.made.push({ key, made: this.make(key) });
    }
  }
}
