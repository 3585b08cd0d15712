import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { acceptsGzip, compressible, gzipped } from './compressed.ts';

describe('gzipped site files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'socklab-gz-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads Accept-Encoding as browsers and proxies send it', () => {
    expect(acceptsGzip('gzip, deflate, br, zstd')).toBe(true);
    expect(acceptsGzip('br;q=1.0, gzip;q=0.5')).toBe(true);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('br, deflate')).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
    expect(acceptsGzip(['br', 'GZIP'])).toBe(true);
  });

  it('compresses text files of a size worth it, nothing else', () => {
    expect(compressible('/x/main.abc.js', 3_400_000)).toBe(true);
    expect(compressible('/x/index.html', 20_000)).toBe(true);
    expect(compressible('/x/tiny.js', 200)).toBe(false);
    expect(compressible('/x/codicon.ttf', 150_000)).toBe(false);
    expect(compressible('/x/a.png', 150_000)).toBe(false);
  });

  it('gives the file gzipped, the same copy while it is unchanged, a new one once it changes', async () => {
    const file = join(dir, 'a.js');
    writeFileSync(file, 'let x = 1;\n'.repeat(500));
    const first = await gzipped(file, statSync(file));
    expect(gunzipSync(first).toString()).toBe('let x = 1;\n'.repeat(500));
    expect(first.length).toBeLessThan(500);
    expect(await gzipped(file, statSync(file))).toBe(first);
    writeFileSync(file, 'let y = 2;\n'.repeat(600));
    expect(gunzipSync(await gzipped(file, statSync(file))).toString()).toBe('let y = 2;\n'.repeat(600));
  });

  it('fails for a file that is gone, and tries afresh next time', async () => {
    const file = join(dir, 'b.js');
    writeFileSync(file, 'b'.repeat(2000));
    const stat = statSync(file);
    rmSync(file);
    await expect(gzipped(file, stat)).rejects.toThrow();
    writeFileSync(file, 'c'.repeat(2000));
    expect(gunzipSync(await gzipped(file, statSync(file))).toString()).toBe('c'.repeat(2000));
  });
});
