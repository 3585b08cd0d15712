/**
 * The workbench's controls: the language menu, Run, Stop, Add client,
 * Check, Expand, the file actions (Reset, Show solution), and the line of
 * keyboard help. Only builds them and calls back; main.ts decides what the
 * buttons do.
 */
import type { Language } from '../../protocol/constants.ts';
import { h } from './dom.ts';
import type { DisposableStore } from './disposable.ts';
import { strings } from './strings.ts';
import type { WorkbenchData } from './types.ts';

export const isMac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

export type Action = 'run' | 'stop' | 'check' | 'addClient' | 'reset' | 'solution';

export interface ToolbarEvents extends Record<Action, () => void> {
  language(id: Language): void;
}

export interface Toolbar {
  el: HTMLElement;
  /** Reset and Show solution, for the file bar. */
  fileActions: HTMLElement;
  help: HTMLElement;
  langSelect: HTMLSelectElement;
  buttons: Record<Action | 'expand', HTMLButtonElement>;
}

/** Builds the controls; their listeners live as long as `store`. */
export function createToolbar(data: WorkbenchData, lang: Language, store: DisposableStore, events: ToolbarEvents): Toolbar {
  const langSelect = h('select', { class: 'wb-select', 'aria-label': 'Language' });
  for (const l of data.languages) langSelect.append(h('option', { value: l.id, selected: l.id === lang }, l.label));
  store.listen(langSelect, 'change', () => events.language(langSelect.value as Language));

  const runKey = isMac ? '⌘↵' : 'Ctrl+Enter';
  const btn = (label: string, cls: string, title: string, icon: string) =>
    h('button', { type: 'button', class: `wb-btn ${cls}`, title }, h('span', { class: 'wb-icon', 'aria-hidden': 'true' }, icon), label);
  const buttons = {
    run: btn('Run', 'wb-btn-primary', `Run your programs (${runKey})`, '▶'),
    stop: btn('Stop', '', 'Stop every program', '■'),
    check: btn('Check', 'wb-btn-check', 'Grade your code with the lab’s checks', '✓'),
    addClient: btn('Add client', '', 'Start one more client', '+'),
    reset: btn('Reset to starter', 'wb-btn-file', 'Replace your code with the starter code', '↺'),
    solution: btn('Show solution', 'wb-btn-file', 'Replace your code with the reference solution', '◐'),
    expand: btn('Expand', 'wb-btn-quiet', 'Use the whole window for the workbench', '⤢'),
  };
  const addable = data.processes.find((p) => p.addable);
  if (addable) buttons.addClient.lastChild!.textContent = `Add ${addable.role}`;
  else buttons.addClient.hidden = true;
  buttons.run.setAttribute('aria-keyshortcuts', isMac ? 'Meta+Enter' : 'Control+Enter');
  for (const action of ['run', 'stop', 'check', 'addClient', 'reset', 'solution'] as const) store.listen(buttons[action], 'click', () => events[action]());

  const el = h(
    'div',
    { class: 'wb-toolbar', role: 'group', 'aria-label': 'Workbench controls' },
    h('label', { class: 'wb-lang' }, h('span', { class: 'wb-lang-label' }, 'Language'), langSelect),
    h('span', { class: 'wb-toolbar-group' }, buttons.run, buttons.stop, buttons.addClient, buttons.check),
    h('span', { class: 'wb-toolbar-group wb-toolbar-end' }, buttons.expand),
  );
  const fileActions = h('span', { class: 'wb-file-actions', role: 'group', 'aria-label': 'File actions' }, buttons.reset, buttons.solution);
  const help = h(
    'p',
    { class: 'wb-help' },
    h('strong', {}, 'Keyboard: '),
    h('kbd', {}, runKey),
    ' runs, from anywhere in the workbench. In the editor Tab indents; press ',
    h('kbd', {}, isMac ? '⌃⇧M' : 'Ctrl+M'),
    ' to make Tab move the focus instead. In a terminal, keys go to your program (',
    h('kbd', {}, 'Ctrl+C'),
    ' too); press ',
    h('kbd', {}, 'Esc'),
    strings.helpAfterEsc,
  );
  return { el, fileActions, help, langSelect, buttons };
}
