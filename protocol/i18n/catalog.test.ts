/**
 * The catalogs agree: every language has exactly English's keys, each with
 * the same parameter names (the type check catches a missing key or a lost
 * parameter; this also catches a parameter a translation invented), and
 * `t()` fills them in.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOGS, LOCALES, localeOf, parts, t, type MessageKey } from './catalog.ts';

const paramNames = (template: string) => [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const keys = Object.keys(CATALOGS.en).sort() as MessageKey[];

describe('message catalogs', () => {
  it('offers English and Korean', () => {
    expect(LOCALES).toEqual(['en', 'ko']);
  });

  for (const locale of LOCALES) {
    it(`${locale} has exactly the English keys, each with English's parameters and some text`, () => {
      const catalog: Record<string, string> = CATALOGS[locale];
      expect(Object.keys(catalog).sort()).toEqual(keys);
      for (const key of keys) {
        expect(paramNames(catalog[key]!), `${locale} ${key}`).toEqual(paramNames(CATALOGS.en[key]));
        expect(catalog[key]!.replace(/\{\w+\}/g, '').trim().length, `${locale} ${key}`).toBeGreaterThan(0);
      }
    });
  }

  it('the Korean catalog is Korean: no message is left identical to the English, except codes and units', () => {
    const same = keys.filter((k) => CATALOGS.ko[k] === CATALOGS.en[k]);
    expect(same).toEqual(['checks.colMs']);
  });

  it('t() fills every parameter, in either language', () => {
    expect(t('en', 'state.exitedWithCode', { code: 1 })).toBe('exited with code 1');
    expect(t('ko', 'state.exitedWithCode', { code: 1 })).toBe('종료됨 (종료 코드 1)');
    expect(t('ko', 'state.listeningOn', { ports: '12000/tcp' })).toBe('12000/tcp 리슨 중');
    expect(t('en', 'toolbar.run')).toBe('Run');
  });

  it('parts() splits a message where the page puts an element', () => {
    expect(parts('en', 'status.startRunner')[0]).toBe('Run ');
    expect(parts('en', 'status.startRunner')[1]).toEqual({ param: 'command' });
    expect(parts('ko', 'status.startRunner')).toContainEqual({ param: 'command' });
  });

  it('is DOM-free and Node-free: the catalogs import only each other', () => {
    const dir = new URL('.', import.meta.url);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const imports = [...readFileSync(new URL(file, dir), 'utf8').matchAll(/^import .* from '([^']+)'/gm)].map((m) => m[1]);
      for (const from of imports) expect(from, file).toMatch(/^\.\/\w+\.ts$/);
    }
  });

  it('localeOf() reads <html lang> values, English when unknown', () => {
    expect(localeOf('ko')).toBe('ko');
    expect(localeOf('ko-KR')).toBe('ko');
    expect(localeOf('en')).toBe('en');
    expect(localeOf('fr')).toBe('en');
    expect(localeOf('')).toBe('en');
    expect(localeOf(undefined)).toBe('en');
  });

  it("lab 0's tour of the playground names each control by the label the workbench shows, in each language", () => {
    const lessons = { en: 'lab.mdx', ko: 'lab.ko.mdx' } as const;
    const controls: MessageKey[] = ['toolbar.run', 'toolbar.stop', 'toolbar.addClient', 'toolbar.check', 'toolbar.checkWire', 'toolbar.reset', 'toolbar.solution', 'inspector.title', 'wire.title'];
    for (const locale of LOCALES) {
      const lesson = readFileSync(new URL(`../../labs/00-sockets-and-layers/${lessons[locale]}`, import.meta.url), 'utf8');
      const tour = lesson.slice(lesson.lastIndexOf('\n## '));
      // In bold, as the lesson writes a control ("**Run**", or "**Check.**" heading an item).
      const bold = new Set([...tour.matchAll(/\*\*([^*]+?)\.?\*\*/g)].map((m) => m[1]!.replace(/\s+/g, ' ')));
      for (const key of controls) expect([...bold], `${locale} ${key}`).toContain(CATALOGS[locale][key].trim());
    }
  });
});
