/**
 * The sandboxes of one grade (one student's checks), made a few ahead of
 * their turn and made new between checks. A sandbox (its holder,
 * namespaces, cgroups and socket agent) takes a few hundred ms to start and
 * about 80 ms of CPU, most of a check's own cost on a class's machine; made
 * ahead, it starts while the checks before it wait on their programs.
 *
 * A check whose sandbox is given back (`giveBack`) leaves it to a later
 * check of the same grade once the sandbox is made new (Sandbox.reset: no
 * process, file or socket of the last check left, its TCP metrics
 * forgotten), and a sandbox that cannot be made new is closed and another
 * made: nothing of one check is left for the next. A supply belongs to one
 * grade, so a sandbox never passes from one student to another.
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
  /** Sandboxes made new after a check, waiting for the next one. */
  private readonly pool: Sandbox[] = [];
  /** Takers waiting for a sandbox being made new: null when it could not be (they make one). */
  private readonly waiting: ((sandbox: Sandbox | null) => void)[] = [];
  /** Sandboxes being made new. */
  private resetting = 0;
  /** Sandboxes given back and not yet made new or closed: the grade is over once they are. */
  private readonly givingBack = new Set<Promise<void>>();
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
   * A sandbox no check is using, prepared for `key`: one made ahead for it,
   * else one made new after an earlier check (waiting for one being made
   * new rather than starting another), else a new one. `refill: false`
   * makes none ahead while the taker runs (an `alone` check measures time,
   * which a sandbox starting beside it would change).
   */
  take(key: K, opts: { refill?: boolean } = {}): MadeSandbox {
    const i = this.made.findIndex((m) => m.key === key);
    let taken: MadeSandbox;
    if (i >= 0) taken = this.made.splice(i, 1)[0]!.made;
    else {
      const j = this.upcoming.indexOf(key);
      if (j >= 0) this.upcoming.splice(j, 1);
      taken = this.comingBack > 0 ? this.reuse(key) : this.make(key);
    }
    if (opts.refill !== false) this.fill();
    return taken;
  }

  /**
   * A check is over with `sandbox` (its programs stopped): made new for a
   * later check when `reusable` and a check without a sandbox is still to
   * come, else (or when it cannot be made new) closed. The
   * check need not wait: this runs beside the next one.
   */
  giveBack(sandbox: Sandbox, reusable: boolean): Promise<void> {
    // Every check still to come has its sandbox (or none is to come): nothing would take this one made new.
    const unwanted = this.upcoming.length === 0 && this.waiting.length === 0;
    if (this.closed || !reusable || !sandbox.reset || unwanted) return this.track(sandbox.close());
    this.resetting++;
    return this.track(sandbox
      .reset()
      .catch(() => false)
      .then(async (ok) => {
        this.resetting--;
        if (ok && !this.closed) {
          const taker = this.waiting.shift();
          if (taker) taker(sandbox);
          else this.pool.push(sandbox);
          return;
        }
        this.waiting.shift()?.(null);
        await sandbox.close();
        this.fill();
      }));
  }

  private track(done: Promise<void>): Promise<void> {
    this.givingBack.add(done);
    void done.finally(() => this.givingBack.delete(done)).catch(() => {});
    return done;
  }

  /** Closes the sandboxes no check took or will take; call once the grade is over. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.givingBack]);
    for (const taker of this.waiting.splice(0)) taker(null);
    await Promise.all([
      ...this.made.splice(0).map(({ made }) => made.sandbox.then((s) => s.close(), () => {})),
      ...this.pool.splice(0).map((s) => s.close()),
    ]);
  }

  private create(): Promise<Sandbox> {
    return this.backend.create(this.limits, { check: true }).then((s) => {
      s.prepareSockets();
      return s;
    });
  }

  private make(key: K): MadeSandbox {
    return this.prepared(this.create(), key);
  }

  /** One from the pool, or the next one made new (a new one if it cannot be). */
  private reuse(key: K): MadeSandbox {
    const pooled = this.pool.shift();
    const sandbox = pooled ? Promise.resolve(pooled) : new Promise<Sandbox | null>((resolve) => this.waiting.push(resolve)).then((s) => s ?? this.create());
    return this.prepared(sandbox, key);
  }

  private prepared(sandbox: Promise<Sandbox>, key: K): MadeSandbox {
    const ready = sandbox.then((s) => this.prepare(s, key));
    // Their taker reports a failure; one never taken is only closed.
    sandbox.catch(() => {});
    ready.catch(() => {});
    return { sandbox, ready };
  }

  /** Sandboxes made new (or being made new) that no waiting taker has claimed: a taker in the pool never waits beside one. */
  private get comingBack(): number {
    return this.pool.length + this.resetting - this.waiting.length;
  }

  /** Makes sandboxes ahead while fewer than `ahead` are ready or on their way (made new ones count) for the checks still to come. */
  private fill(): void {
    while (!this.closed && this.made.length + this.comingBack < this.ahead && this.upcoming.length > this.comingBack) {
      const key = this.upcoming.shift()!;
      this.made.push({ key, made: this.make(key) });
    }
  }
}
