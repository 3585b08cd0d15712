/**
 * The student's files: one document per file and language (doc.ts: plain
 * text until Monaco arrives, a Monaco model from then on), saved in
 * localStorage as they type (see progress.ts for the keys), and replaced
 * by the starter or the solution on request. Which file the editor shows
 * is tabs.ts's business.
 *
 * Two tabs of one lab stay in step: a save in one fires a `storage` event
 * in the other, whose model takes the new text as an undoable edit. When
 * the student was typing there too (a save still pending), their text is
 * kept and the other version is offered instead, so nothing is lost unseen.
 */
import type { StudentFile } from '../../protocol/messages.ts';
import { DisposableStore, type Disposable } from './disposable.ts';
import { FileDoc } from './doc.ts';
import type { monaco } from './editor.ts';
import { labKey, read, write } from './progress.ts';
import type { WorkbenchLanguage } from './types.ts';

const SAVE_DELAY_MS = 300;

export interface FilesEvents {
  /** A file of `lang` changed (typed, reset, solution shown). */
  edited(lang: WorkbenchLanguage): void;
  /** The browser refused to store a file. */
  saveFailed(): void;
  /** Another tab saved `name`: the model shows that version now (undo brings the old one back). */
  changedElsewhere(lang: WorkbenchLanguage, name: string): void;
  /** Another tab saved `name` while this one had unsaved edits: `load()` takes the other version. */
  conflict(lang: WorkbenchLanguage, name: string, load: () => void): void;
}

export class LabFiles implements Disposable {
  private readonly models = new Map<string, { name: string; lang: WorkbenchLanguage; model: FileDoc }>();
  /** Monaco, once it has arrived: every document gets its model (see doc.ts). */
  private monaco: typeof monaco | null = null;
  /** Pending saves by model key. */
  private readonly pending = new Map<string, Disposable>();
  private readonly store = new DisposableStore();

  constructor(
    private readonly lab: string,
    private readonly events: FilesEvents,
  ) {
    this.store.listen(window, 'storage', (e) => this.onStorage(e));
  }

  /** Another tab of this origin wrote localStorage. */
  private onStorage(e: StorageEvent): void {
    if (!e.key) return;
    for (const [key, file] of this.models) {
      if (e.key !== labKey(this.lab, file.lang.id, 'file', file.name) || file.model.isDisposed()) continue;
      const theirs = e.newValue ?? file.lang.starter.find((f) => f.name === file.name)?.content ?? '';
      if (file.model.getValue() === theirs) return;
      const load = () => {
        if (!file.model.isDisposed()) file.model.setText(theirs);
      };
      if (this.pending.has(key)) return this.events.conflict(file.lang, file.name, load);
      load();
      this.events.changedElsewhere(file.lang, file.name);
      return;
    }
  }

  /** The language's file names in tab order: the student's list if it differs from the starter's. */
  names(lang: WorkbenchLanguage): string[] {
    const stored = read(labKey(this.lab, lang.id, 'files'));
    if (stored) {
      try {
        const names = JSON.parse(stored) as unknown;
        if (Array.isArray(names) && names.every((n) => typeof n === 'string')) return names as string[];
      } catch {
        /* fall back to the starter's */
      }
    }
    return lang.starter.map((f) => f.name);
  }

  private setNames(lang: WorkbenchLanguage, names: string[]): void {
    const starter = lang.starter.map((f) => f.name);
    const same = names.length === starter.length && names.every((n, i) => n === starter[i]);
    write(labKey(this.lab, lang.id, 'files'), same ? null : JSON.stringify(names));
  }

  /** The document of one file: the saved text, or the starter's, on first use. */
  model(lang: WorkbenchLanguage, name: string): FileDoc {
    const key = `${lang.id}/${name}`;
    const known = this.models.get(key);
    if (known) return known.model;
    const saved = read(labKey(this.lab, lang.id, 'file', name));
    const starter = lang.starter.find((f) => f.name === name)?.content ?? '';
    const model = this.store.add(new FileDoc(saved ?? starter, lang.monaco, `file:///${this.lab}/${lang.id}/${name}`));
    this.store.add(
      model.onChange(() => {
        this.queueSave(key);
        this.events.edited(lang);
      }),
    );
    if (this.monaco) model.attach(this.monaco);
    this.models.set(key, { name, lang, model });
    return model;
  }

  /** Monaco has arrived: every document, now and later, gets its Monaco model. */
  attach(m: typeof monaco): void {
    this.monaco = m;
    for (const { model } of this.models.values()) model.attach(m);
  }

  /** The language's files as the editor holds them. */
  current(lang: WorkbenchLanguage): StudentFile[] {
    return this.names(lang).map((name) => ({ name, content: this.model(lang, name).getValue() }));
  }

  /** Gives the starter files back (their own names only; other files are forgotten). */
  resetToStarter(lang: WorkbenchLanguage): void {
    for (const n of this.names(lang)) if (!lang.starter.some((f) => f.name === n)) write(labKey(this.lab, lang.id, 'file', n), null);
    this.replace(lang, lang.starter, lang.starter.map((f) => f.name));
  }

  /**
   * Puts `solution` in, keeping any extra file the student has. The
   * student's own files are kept first (in localStorage, so a reload keeps
   * them too) for `restoreMine`: Ctrl+Z alone would lose them on reload.
   */
  showSolution(lang: WorkbenchLanguage, solution: StudentFile[]): void {
    const names = [...this.names(lang)];
    // A second Show solution keeps the copy of the student's code, not of the solution.
    if (!this.hasMine(lang)) write(labKey(this.lab, lang.id, 'mine'), JSON.stringify({ names, files: this.current(lang) }));
    for (const f of solution) if (!names.includes(f.name)) names.push(f.name);
    this.replace(lang, solution, names);
  }

  /** Whether the student's own code is kept aside (a solution was shown). */
  hasMine(lang: WorkbenchLanguage): boolean {
    return read(labKey(this.lab, lang.id, 'mine')) !== null;
  }

  /** Puts back the code the student had before the solution was shown; false when none is kept. */
  restoreMine(lang: WorkbenchLanguage): boolean {
    const raw = read(labKey(this.lab, lang.id, 'mine'));
    if (raw === null) return false;
    let kept: { names: string[]; files: StudentFile[] };
    try {
      kept = JSON.parse(raw) as { names: string[]; files: StudentFile[] };
      if (!Array.isArray(kept.names) || !Array.isArray(kept.files)) return false;
    } catch {
      return false;
    }
    for (const n of this.names(lang)) if (!kept.names.includes(n)) write(labKey(this.lab, lang.id, 'file', n), null);
    this.replace(lang, kept.files, kept.names);
    write(labKey(this.lab, lang.id, 'mine'), null);
    return true;
  }

  /** Replaces file contents as one undoable edit per file (Ctrl+Z brings the old code back). */
  private replace(lang: WorkbenchLanguage, files: StudentFile[], names: string[]): void {
    for (const f of files) {
      const model = this.model(lang, f.name);
      if (model.getValue() === f.content) continue;
      model.setText(f.content);
      this.save(`${lang.id}/${f.name}`);
    }
    this.setNames(lang, names);
  }

  private queueSave(key: string): void {
    this.store.drop(this.pending.get(key));
    this.pending.set(
      key,
      this.store.timeout(() => this.save(key), SAVE_DELAY_MS),
    );
  }

  private save(key: string): void {
    this.store.drop(this.pending.get(key));
    this.pending.delete(key);
    const file = this.models.get(key);
    if (!file || file.model.isDisposed()) return;
    const text = file.model.getValue();
    const starter = file.lang.starter.find((f) => f.name === file.name);
    if (!write(labKey(this.lab, file.lang.id, 'file', file.name), starter?.content === text ? null : text)) this.events.saveFailed();
  }

  /** Writes every pending save now (before a run, a language switch, the page going away). */
  saveAll(): void {
    for (const key of [...this.pending.keys()]) this.save(key);
  }

  /** Writes pending saves (nothing typed is dropped), then frees the models. */
  dispose(): void {
    this.saveAll();
    this.store.dispose();
  }
}
