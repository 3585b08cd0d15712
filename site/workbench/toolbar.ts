/**
 * The workbench's controls: the language menu, Run, Stop, Add client,
 * Check, the lab's network switch (when its frontmatter offers `network.loss`),
 * Expand, the file actions (Reset, Show solution), and the line of keyboard
 * help. Only builds them and calls back; main.ts decides what the
 * buttons do.
 */
import type { Language } from '../../protocol/constants.ts';
import { h } from './dom.ts';
import type { DisposableStore } from './disposable.ts';
import { say, sayWith } from './words.ts';
import type { WorkbenchData } from './types.ts';

export const isMac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

export type Action = 'run' | 'stop' | 'check' | 'addClient' | 'reset' | 'solution' | 'share';

export interface ToolbarEvents extends Record<Action, () => void> {
  language(id: Language): void;
  /** The loss switch was flipped. */
  network(loss: boolean): void;
}

export interface Toolbar {
  el: HTMLElement;
  /** Reset and Show solution, for the file bar. */
  fileActions: HTMLElement;
  help: HTMLElement;
  langSelect: HTMLSelectElement;
  /** The loss switch (a checkbox with role="switch"), when the lab offers one. */
  loss: HTMLInputElement | null;
  /** The "Packets in Check" switch: off by default, read when Check is pressed. */
  checkWire: HTMLInputElement;
  buttons: Record<Action | 'expand', HTMLButtonElement>;
}

/**
 * Greys Show solution out until a Check passes every check (the
 * `after-pass` policy). aria-disabled, not disabled: the button still takes
 * focus and a click, so its title is seen and a press says why (main.ts).
 */
export function lockSolution(button: HTMLButtonElement, locked: boolean): void {
  button.setAttribute('aria-disabled', locked ? 'true' : 'false');
  button.title = say(locked ? 'toolbar.solutionLocked' : 'toolbar.solutionTitle');
}

/** Builds the controls; their listeners live as long as `store`. */
export function createToolbar(data: WorkbenchData, lang: Language, store: DisposableStore, events: ToolbarEvents): Toolbar {
  const langSelect = h('select', { class: 'wb-select', 'aria-label': say('toolbar.language') });
  for (const l of data.languages) langSelect.append(h('option', { value: l.id, selected: l.id === lang }, l.label));
  store.listen(langSelect, 'change', () => events.language(langSelect.value as Language));

  const runKey = isMac ? '⌘↵' : 'Ctrl+Enter';
  const btn = (label: string, cls: string, title: string, icon: string) =>
    h('button', { type: 'button', class: `wb-btn ${cls}`, title }, h('span', { class: 'wb-icon', 'aria-hidden': 'true' }, icon), label);
  const buttons = {
    run: btn(say('toolbar.run'), 'wb-btn-primary', say('toolbar.runTitle', { key: runKey }), '▶'),
    stop: btn(say('toolbar.stop'), '', say('toolbar.stopTitle'), '■'),
    check: btn(say('toolbar.check'), 'wb-btn-check', say('toolbar.checkTitle'), '✓'),
    addClient: btn(say('toolbar.addClient'), '', say('toolbar.addClientTitle'), '+'),
    reset: btn(say('toolbar.reset'), 'wb-btn-file', say('toolbar.resetTitle'), '↺'),
    solution: btn(say('toolbar.solution'), 'wb-btn-file', say('toolbar.solutionTitle'), '◐'),
    share: btn(say('toolbar.share'), 'wb-btn-quiet', say('toolbar.shareTitle'), '⇪'),
    expand: btn(say('toolbar.expand'), 'wb-btn-quiet', say('toolbar.expandTitle'), '⤢'),
  };
  const addable = data.processes.find((p) => p.addable);
  // "client" has a word in each language; a lab's own role (a "peer") is shown by its name.
  if (addable && addable.role !== 'client') buttons.addClient.lastChild!.textContent = say('toolbar.addRole', { role: addable.role });
  else if (!addable) buttons.addClient.hidden = true;
  // A course that keeps the solution from students shows no button for it; `after-pass` opens it after a passing Check (main.ts).
  if (data.solutionPolicy === 'never') buttons.solution.hidden = true;
  else if (data.solutionPolicy === 'after-pass') lockSolution(buttons.solution, true);
  buttons.run.setAttribute('aria-keyshortcuts', isMac ? 'Meta+Enter' : 'Control+Enter');
  for (const action of ['run', 'stop', 'check', 'addClient', 'reset', 'solution', 'share'] as const) store.listen(buttons[action], 'click', () => events[action]());

  const offered = data.network?.loss;
  const loss = offered ? h('input', { type: 'checkbox', role: 'switch', class: 'wb-switch-input' }) : null;
  if (loss) store.listen(loss, 'change', () => events.network(loss.checked));
  const lossSwitch =
    offered && loss
      ? h('label', { class: 'wb-switch', title: say('network.lossTitle', { percent: offered.percent, port: `${offered.port}/${offered.protocol}` }) }, loss, h('span', {}, say('network.loss', { percent: offered.percent })))
      : null;

  const checkWire = h('input', { type: 'checkbox', role: 'switch', class: 'wb-switch-input' });
  const checkWireSwitch = h('label', { class: 'wb-switch wb-check-wire-switch', title: say('toolbar.checkWireTitle') }, checkWire, h('span', {}, say('toolbar.checkWire')));

  const el = h(
    'div',
    { class: 'wb-toolbar', role: 'group', 'aria-label': say('toolbar.label') },
    h('label', { class: 'wb-lang' }, h('span', { class: 'wb-lang-label' }, say('toolbar.language')), langSelect),
    h('span', { class: 'wb-toolbar-group' }, buttons.run, buttons.stop, buttons.addClient, buttons.check),
    checkWireSwitch,
    lossSwitch,
    h('span', { class: 'wb-toolbar-group wb-toolbar-end' }, buttons.share, buttons.expand),
  );
  const fileActions = h('span', { class: 'wb-file-actions', role: 'group', 'aria-label': say('toolbar.fileActions') }, buttons.reset, buttons.solution);
  const help = h(
    'p',
    { class: 'wb-help' },
    h('strong', {}, say('toolbar.keyboardTitle')),
    ...sayWith('toolbar.keyboardHelpPanes', {
      runKey: h('kbd', {}, runKey),
      tabKey: h('kbd', {}, isMac ? '⌃⇧M' : 'Ctrl+M'),
      ctrlC: h('kbd', {}, 'Ctrl+C'),
      esc: h('kbd', {}, 'Esc'),
    }),
  );
  return { el, fileActions, help, langSelect, loss, checkWire, buttons };
}
