import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EAGER_HINT, markEagerCompile } from './eager-compile.ts';

describe('the workbench bundle is marked for eager compilation', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('puts the hint first in each named script, once, and touches nothing else', async () => {
    dir = mkdtempSync(join(tmpdir(), 'socklab-eager-'));
    mkdirSync(join(dir, '_astro'));
    const files = { '_astro/main.x.js': 'const __vite__mapDeps=1;\nimport "./pane.y.js";', '_astro/pane.y.js': 'export const a = () => 1;', '_astro/editor.z.js': 'export {};', '_astro/main.x.css': '.a{}' };
    for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');

    expect(await markEagerCompile(dir, ['_astro/main.x.js', '_astro/pane.y.js', '_astro/main.x.css'])).toBe(2);
    expect(await markEagerCompile(dir, ['_astro/main.x.js', '_astro/pane.y.js'])).toBe(0); // a second build step adds nothing
    expect(read('_astro/main.x.js')).toBe(`${EAGER_HINT}\n${files['_astro/main.x.js']}`);
    expect(read('_astro/pane.y.js')).toBe(`${EAGER_HINT}\n${files['_astro/pane.y.js']}`);
    expect(read('_astro/editor.z.js')).toBe(files['_astro/editor.z.js']);
    expect(read('_astro/main.x.css')).toBe(files['_astro/main.x.css']);
  });
});
