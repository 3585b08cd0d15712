/** A modal yes/no question (native <dialog>: focus trapped, Escape cancels). */
import { h } from './dom.ts';
import { say } from './words.ts';

export function createConfirm(host: HTMLElement): (title: string, text: string, confirmLabel: string) => Promise<boolean> {
  const titleEl = h('h3', { class: 'wb-dialog-title', id: `wb-dialog-title-${Math.random().toString(36).slice(2, 8)}` });
  const textEl = h('p', { class: 'wb-dialog-text' });
  const ok = h('button', { type: 'button', class: 'wb-btn wb-btn-primary', value: 'ok' });
  const cancel = h('button', { type: 'button', class: 'wb-btn', value: 'cancel' }, say('dialog.cancel'));
  const dialog = h('dialog', { class: 'wb-dialog', 'aria-labelledby': titleEl.id }, titleEl, textEl, h('div', { class: 'wb-dialog-buttons' }, cancel, ok));
  host.append(dialog);
  let answer: ((yes: boolean) => void) | null = null;
  const finish = (yes: boolean) => {
    const a = answer;
    answer = null;
    if (dialog.open) dialog.close();
    a?.(yes);
  };
  ok.addEventListener('click', () => finish(true));
  cancel.addEventListener('click', () => finish(false));
  dialog.addEventListener('close', () => finish(false));
  return (title, text, confirmLabel) => {
    finish(false);
    titleEl.textContent = title;
    textEl.textContent = text;
    ok.textContent = confirmLabel;
    const back = document.activeElement as HTMLElement | null;
    dialog.showModal();
    cancel.focus();
    return new Promise<boolean>((resolve) => {
      answer = (yes) => {
        back?.focus?.();
        resolve(yes);
      };
    });
  };
}
