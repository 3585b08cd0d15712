/**
 * The expanded view: the workbench fills the window. It moves to <body>
 * while expanded (Starlight's layout makes stacking contexts a fixed element
 * inside the content column cannot escape), leaving a spacer of its height
 * so the lesson does not jump. Escape outside the editor and terminals
 * collapses it; that key listener exists only while expanded.
 */
import { h } from './dom.ts';
import { DisposableStore, type Disposable } from './disposable.ts';
import { say } from './words.ts';

export class Expander implements Disposable {
  private spacer: HTMLElement | null = null;
  private escape: Disposable | null = null;
  private readonly store = new DisposableStore();

  constructor(
    private readonly el: HTMLElement,
    /** Where the workbench lives when not expanded (scrolled to on collapse). */
    private readonly home: HTMLElement,
    private readonly button: HTMLButtonElement,
  ) {
    button.setAttribute('aria-pressed', 'false');
    this.store.listen(button, 'click', () => this.toggle());
  }

  get expanded(): boolean {
    return this.spacer !== null;
  }

  toggle(): void {
    this.set(!this.expanded);
    this.button.focus();
  }

  private set(on: boolean): void {
    if (on === this.expanded) return;
    if (on) {
      this.spacer = h('div', { class: 'wb-spacer', 'aria-hidden': 'true' });
      this.spacer.style.height = `${this.el.offsetHeight}px`;
      this.el.before(this.spacer);
      document.body.append(this.el);
      this.escape = this.store.listen(document, 'keydown', (e) => {
        if (e.key === 'Escape' && !(e.target as HTMLElement).closest('.wb-editor, .xterm, dialog')) this.toggle();
      });
    } else {
      this.store.drop(this.escape);
      this.escape = null;
      this.spacer!.replaceWith(this.el);
      this.spacer = null;
    }
    this.el.classList.toggle('wb-expanded', on);
    document.documentElement.classList.toggle('wb-no-scroll', on);
    this.button.setAttribute('aria-pressed', String(on));
    this.button.lastChild!.textContent = say(on ? 'toolbar.collapse' : 'toolbar.expand');
    if (!on) this.home.scrollIntoView({ block: 'start' });
  }

  /** Collapses (the page scrolls again), then removes the listeners. */
  dispose(): void {
    if (this.expanded) this.set(false);
    this.store.dispose();
  }
}
