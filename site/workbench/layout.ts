/**
 * The lab page's layout around the workbench (loaded up front with
 * loader.ts, tiny; the CSS is site/styles/workbench-layout.css):
 *  - wide screens: the toggle folds the workbench beside the lesson into a
 *    strip and back (remembered in this browser, for every lab);
 *  - phones: the tabs Lesson / Code / Terminals choose what the screen
 *    shows (arrow keys move between them). Opening Code or Terminals loads
 *    the workbench (so does the lesson's skip link); a Run or Check
 *    pressed in Code shows the terminals.
 * The state lives on <html> (data-wb-side, data-wb-view) for the CSS.
 * Its words come server-rendered in the page's language (the toggle's
 * data-hide, data-hide-title, data-show), so this script carries no catalog.
 */
import { SIDE_KEY } from './side.ts';

const html = document.documentElement;

function remember(value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(SIDE_KEY);
    else localStorage.setItem(SIDE_KEY, value);
  } catch {
    /* storage disabled: the choice lasts for this page only */
  }
}

function remembered(): string | null {
  try {
    return localStorage.getItem(SIDE_KEY);
  } catch {
    return null;
  }
}

function setSide(toggle: HTMLButtonElement, hidden: boolean): void {
  if (hidden) html.dataset.wbSide = 'hidden';
  else delete html.dataset.wbSide;
  toggle.setAttribute('aria-expanded', String(!hidden));
  toggle.title = hidden ? '' : (toggle.dataset.hideTitle ?? '');
  const label = toggle.querySelector('[data-wb-side-label]');
  if (label) label.textContent = (hidden ? toggle.dataset.show : toggle.dataset.hide) ?? '';
  toggle.firstElementChild!.textContent = hidden ? '⇤' : '⇥';
}

type View = 'lesson' | 'code' | 'terminals';

function setView(root: HTMLElement, tabs: HTMLElement[], view: View): void {
  if (view === 'lesson') delete html.dataset.wbView;
  else {
    html.dataset.wbView = view;
    root.dispatchEvent(new Event('socklab:load'));
  }
  for (const tab of tabs) {
    const on = tab.dataset.wbView === view;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
  }
}

const root = document.querySelector<HTMLElement>('[data-socklab-workbench]');
const toggle = root?.querySelector<HTMLButtonElement>('[data-wb-side-toggle]');
const bar = document.querySelector<HTMLElement>('[data-wb-views]');
if (root && toggle && bar) {
  setSide(toggle, remembered() === 'hidden');
  toggle.addEventListener('click', () => {
    const hide = html.dataset.wbSide !== 'hidden';
    setSide(toggle, hide);
    remember(hide ? 'hidden' : null);
  });

  const tabs = [...bar.querySelectorAll<HTMLElement>('[role=tab]')];
  bar.addEventListener('click', (e) => {
    const tab = (e.target as HTMLElement).closest<HTMLElement>('[role=tab]');
    if (tab) setView(root, tabs, tab.dataset.wbView as View);
  });
  bar.addEventListener('keydown', (e) => {
    const i = tabs.indexOf(document.activeElement as HTMLElement);
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (i < 0 || !step) return;
    e.preventDefault();
    const next = tabs[(i + step + tabs.length) % tabs.length]!;
    setView(root, tabs, next.dataset.wbView as View);
    next.focus();
  });
  // On a phone the skip link opens the Code tab (the workbench is not on the lesson's screen).
  document.querySelector('.wb-skip')?.addEventListener('click', (e) => {
    if (getComputedStyle(bar).display === 'none') return;
    e.preventDefault();
    setView(root, tabs, 'code');
    tabs.find((t) => t.dataset.wbView === 'code')?.focus();
  });
  // main.ts tells when the student ran or checked: on a phone, show the outcome.
  root.addEventListener('socklab:ran', () => {
    if (html.dataset.wbView === 'code' && getComputedStyle(bar).display !== 'none') setView(root, tabs, 'terminals');
  });
}
