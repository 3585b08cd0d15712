/**
 * The message catalogs of the workbench and the course's pages, one per
 * language, and `t()` to read them. English (en.ts) is the source: its keys
 * and `{parameters}` define `Catalog`, which every other language must
 * satisfy. DOM-free and Node-free, so the page, the runner and the grader
 * can all import it.
 *
 * The page's language is its `<html lang>`: `localeOf(document.documentElement.lang)`.
 */
import { en } from './en.ts';
import { ko } from './ko.ts';

/** A message's name, e.g. "toolbar.run". */
export type MessageKey = keyof typeof en;

/** The `{name}`s of a message template. */
export type ParamsOf<S extends string> = S extends `${string}{${infer P}}${infer Rest}` ? P | ParamsOf<Rest> : never;

type Intersect<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** A template that holds every one of the parameters `P` (also the typing of the grader's catalogs, runner/grader/i18n.ts). */
export type WithParams<P extends string> = [P] extends [never] ? string : Intersect<P extends unknown ? `${string}{${P}}${string}` : never>;

/** What a language's catalog must be: en's keys, each naming en's parameters. */
export type Catalog = { readonly [K in MessageKey]: WithParams<ParamsOf<(typeof en)[K]>> };

/** Every catalog, by language tag. */
export const CATALOGS = { en, ko } as const satisfies Record<string, Catalog>;

/** A language of the course; every page, lesson and message exists in each (English first, the source). */
export type Locale = keyof typeof CATALOGS;
export const LOCALES = Object.keys(CATALOGS) as Locale[];
/** The language the course is written in: its pages at /, the others at /<locale>/. */
export const SOURCE_LOCALE = 'en' satisfies Locale;

/** The parameters a message takes: `{}` when none. */
export type Params<K extends MessageKey> = { readonly [P in ParamsOf<(typeof en)[K]>]: string | number };

/** The locale of a language tag ("ko", "ko-KR", "en-US"); English when unknown. */
export function localeOf(lang: string | undefined | null): Locale {
  const base = (lang ?? '').toLowerCase().split(/[-_]/)[0];
  return (LOCALES as string[]).includes(base ?? '') ? (base as Locale) : 'en';
}

/** A message in `locale` with its `{parameters}` filled in. */
export function t<K extends MessageKey>(locale: Locale, key: K, ...[params]: ParamsOf<(typeof en)[K]> extends never ? [] : [Params<K>]): string {
  return parts(locale, key)
    .map((p) => (typeof p === 'string' ? p : String((params as Record<string, string | number>)[p.param])))
    .join('');
}

/**
 * A message split at its parameters, for a page that puts an element where a
 * parameter is (`{command}` as a <code>): text pieces and `{ param }` holes.
 */
export function parts(locale: Locale, key: MessageKey): (string | { param: string })[] {
  const template: string = CATALOGS[locale][key];
  return template.split(/(\{\w+\})/).flatMap((piece): (string | { param: string })[] => {
    if (piece === '') return [];
    const m = /^\{(\w+)\}$/.exec(piece);
    return m ? [{ param: m[1]! }] : [piece];
  });
}
