/**
 * The workbench's words, in the page's language (its `<html lang>`: /ko/
 * pages are Korean), from the message catalogs in protocol/i18n. The
 * language of a page never changes while it is open, so it is read once.
 */
import { CATALOGS, localeOf, parts, t, type MessageKey, type Params, type ParamsOf } from '../../protocol/i18n/catalog.ts';
import type { en } from '../../protocol/i18n/en.ts';

/** The page's language. */
export const locale = localeOf(typeof document === 'undefined' ? undefined : document.documentElement.lang);

/** A message in the page's language, its `{parameters}` filled in. */
export function say<K extends MessageKey>(key: K, ...params: ParamsOf<(typeof en)[K]> extends never ? [] : [Params<K>]): string {
  return (t as (l: typeof locale, k: K, p?: Params<K>) => string)(locale, key, params[0]);
}

/** A message whose parameters are elements (a <kbd>, a <code>) or text, for `h()`'s children. */
export function sayWith(key: MessageKey, fill: Record<string, Node | string>): (Node | string)[] {
  return parts(locale, key).map((p) => (typeof p === 'string' ? p : (fill[p.param] ?? `{${p.param}}`)));
}

/**
 * What the runner said, in the page's language: the catalog's text for its
 * stable code (`notice.<code>`, `error.<code>`, `warning.<code>`), or the runner's own words
 * (English) for a code this page does not know. `name` names the program a
 * notice is about.
 */
export function runnerSays(kind: 'notice' | 'error' | 'warning', code: string, message: string, name = ''): string {
  const key = `${kind}.${code}`;
  if (!Object.prototype.hasOwnProperty.call(CATALOGS.en, key)) return message;
  if (!name && CATALOGS.en[key as MessageKey].includes('{name}')) return message;
  return (t as (l: typeof locale, k: string, p: Record<string, string>) => string)(locale, key, { name });
}

/**
 * A program's name as the page shows it: "server" → "서버", "client 2" →
 * "클라이언트 2" on a Korean page. The runner names programs by their role's
 * English word (that name is the protocol's key: data-pane, a packet's
 * owner), so only what the student reads is translated; a lab's own role (a
 * "peer") is shown as the lab named it.
 */
export function procLabel(name: string, lang: typeof locale = locale): string {
  const m = /^(server|client)( \d+)?$/.exec(name);
  if (!m) return name;
  return t(lang, m[1] === 'server' ? 'checks.roleServer' : 'checks.roleClient') + (m[2] ?? '');
}
