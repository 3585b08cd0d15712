/**
 * Fresh sandboxes for the checks of one grade, made a few ahead of their
 * turn: a sandbox (its holder, namespaces, cgroups and socket agent) takes
 * a few hundred ms to start, which otherwise comes before every check's
 * first step. Made ahead, it starts while the checks before it wait on
 * their programs. Each sandbox still serves exactly one check and is never
 * reused: nothing of one check (or student) is left for the next.
 */
import type { Limits } from '../limits.ts';
import type { Backend, Sandbox } from '../sandbox/index.ts';

export class SandboxSupply {
  private readonly ready: Promise<Sandbox>[] = [];
  private made = 0;
  private closed = false;

  /**
   * @param needed the most sandboxes the grade can use (its planned checks): none is made beyond it.
   * @param ahead how many to keep made ahead (0: each is made when taken).
   */
  constructor(private readonly backend: Backend, private readonly limits: Limits, private readonly needed: number, private readonly ahead: number) {
    this.fill();
  }

  /**
   * A sandbox no check has used. `refill: false` makes none ahead while the
   * taker runs (an `alone` check measures time, which a starting sandbox
   * beside it would change). Rejects as `backend.create` does.
   */
  take(opts: { refill?: boolean } = {}): Promise<Sandbox> {
    const next = this.ready.shift() ?? this.make();
    if (opts.refill !== false) this.fill();
    return next;
  }

  /** Closes the sandboxes made ahead that no check took; call once the grade is over. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.ready.splice(0).map((p) => p.then((s) => s.close(), () => {})));
  }

  private make(): Promise<Sandbox> {
    this.made++;
    const made = this.backend.create(this.limits).then((s) => {
      s.prepareSockets();
      return s;
    });
    made.catch(() => {}); // its taker reports it; one never taken is only closed
    return made;
  }

  private fill(): void {
    while (!this.closed && this.ready.length < this.ahead && this.made < this.needed) this.ready.push(this.make());
  }
}
