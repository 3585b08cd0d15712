/**
 * The workbench's lifecycle, after xterm.js's Disposable: whatever a part
 * starts (a listener, an observer, a timer, a child part) is added to its
 * store, and one `dispose()` ends it all, newest first. A part never
 * removes a global listener by hand, so none is forgotten.
 */

/** Something that holds a resource until it is disposed (Monaco's and xterm's IDisposable fit). */
export interface Disposable {
  dispose(): void;
}

/** A Disposable that runs `fn` once. */
export function toDisposable(fn: () => void): Disposable {
  let done = false;
  return {
    dispose: () => {
      if (done) return;
      done = true;
      fn();
    },
  };
}

type EventsOf<T> = T extends Window
  ? WindowEventMap
  : T extends Document
    ? DocumentEventMap
    : T extends HTMLElement
      ? HTMLElementEventMap
      : Record<string, Event>;

/** `addEventListener`, undone by disposing the result. */
export function listen<T extends EventTarget, K extends keyof EventsOf<T> & string>(
  target: T,
  type: K,
  fn: (event: EventsOf<T>[K]) => void,
  options?: boolean | AddEventListenerOptions,
): Disposable {
  const listener = fn as unknown as EventListener;
  target.addEventListener(type, listener, options);
  return toDisposable(() => target.removeEventListener(type, listener, options));
}

/** Disposables that end together. */
export class DisposableStore implements Disposable {
  private readonly items = new Set<Disposable>();
  private disposed = false;

  /** Keeps `d` until the store is disposed (disposes it at once if it already was). */
  add<D extends Disposable>(d: D): D {
    if (this.disposed) d.dispose();
    else this.items.add(d);
    return d;
  }

  /** Disposes `d` now and forgets it (an early end: a listener no longer needed). */
  drop(d: Disposable | null | undefined): void {
    if (d && this.items.delete(d)) d.dispose();
  }

  /** A listener that lasts as long as the store (see `listen`). */
  listen<T extends EventTarget, K extends keyof EventsOf<T> & string>(
    target: T,
    type: K,
    fn: (event: EventsOf<T>[K]) => void,
    options?: boolean | AddEventListenerOptions,
  ): Disposable {
    return this.add(listen(target, type, fn, options));
  }

  /** setTimeout, cleared on dispose. */
  timeout(fn: () => void, ms: number): Disposable {
    const d = toDisposable(() => clearTimeout(timer));
    const timer = setTimeout(() => {
      this.items.delete(d);
      fn();
    }, ms);
    return this.add(d);
  }

  /** setInterval, cleared on dispose. */
  interval(fn: () => void, ms: number): Disposable {
    const timer = setInterval(fn, ms);
    return this.add(toDisposable(() => clearInterval(timer)));
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Ends everything, newest first; one failure does not stop the rest. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const items = [...this.items].reverse();
    this.items.clear();
    for (const d of items) {
      try {
        d.dispose();
      } catch (err) {
        console.error('socklab: disposing a workbench part failed:', err);
      }
    }
  }
}
