/**
 * The grader's words in every language: a set of messages is English
 * templates and their Korean translations, typed like the course's catalog
 * (protocol/i18n/catalog.ts): the Korean set has exactly English's keys,
 * each holding English's `{parameters}`. The harness has one set
 * (messages.ts), each lab its own (labs/NN-id/messages.ts).
 */
import { localeOf, type Locale, type ParamsOf, type WithParams } from '../../protocol/i18n/catalog.ts';

export type { Locale } from '../../protocol/i18n/catalog.ts';

/** English templates by key: the source of a set of messages. */
export type Templates = Readonly<Record<string, string>>;

/** What a translation of `E` must be: E's keys, each naming E's parameters. */
export type Translation<E extends Templates> = { readonly [K in keyof E]: WithParams<ParamsOf<E[K] & string>> };

/** A set of messages in every language of the course. */
export interface Messages<E extends Templates = Templates> {
  readonly en: E;
  readonly ko: Translation<E>;
}

/** The arguments after the key: none for a template without parameters, else its parameters' values. */
export type ParamArgs<S extends string> = [ParamsOf<S>] extends [never] ? [] : [{ readonly [P in ParamsOf<S>]: string | number }];

/** Reads messages of `E` in one language. */
export type Say<E extends Templates> = <K extends keyof E & string>(key: K, ...params: ParamArgs<E[K] & string>) => string;

/**
 * A set of messages: `ko`, written in place, must have exactly `en`'s keys
 * (an extra key is an excess property, a missing one a type error), each
 * with the same parameters (grader-messages.test.ts checks both ways).
 */
export function defineMessages<const E extends Templates>(en: E, ko: Translation<E>): Messages<E> {
  return { en, ko };
}

/** `template` with each `{name}` replaced by its value (unknown names stay as they are). */
export function fill(template: string, params: Readonly<Record<string, string | number>> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** The messages of `set` in `locale`. */
export function sayer<E extends Templates>(set: Messages<E>, locale: Locale): Say<E> {
  const templates = set[locale] as Templates;
  return (key, ...[params]) => fill(templates[key] ?? key, params as Record<string, string | number> | undefined);
}

/**
 * The language of the system's messages, as POSIX reads it: LC_ALL, then
 * LC_MESSAGES, then LANG (the first one set); "ko_KR.UTF-8" is Korean,
 * anything unknown ("C", "POSIX", "fr_FR") English.
 */
export function systemLocale(env: Readonly<Record<string, string | undefined>> = process.env): Locale {
  const tag = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v !== undefined && v !== '');
  return localeOf(tag);
}
