/**
 * Gzipped copies of the site's text files (scripts, styles, pages), made
 * once per file version and kept in memory: the workbench's editor bundle
 * is about 3.4 MB of JavaScript and under 0.9 MB gzipped, which is what a
 * class on a school network waits for. Compressed off the event loop (zlib's
 * thread pool) so WebSocket traffic is not held up, and at most once at a
 * time per file. The site is a fixed folder (dist/), so the cache holds at
 * most one entry per file of it.
 */
import { readFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { extname } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';

const gzip = promisify(gzipCb);

/** Types worth compressing (fonts, images and wasm are compressed already or gain little). */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.txt', '.xml']);
/** Below this a response is one packet anyway. */
const MIN_BYTES = 1024;
/** Above this a file is streamed as it is (nothing the site builds is near it). */
const MAX_BYTES = 32 * 1024 * 1024;

const cache = new Map<string, { version: string; body: Promise<Buffer> }>();

/** Whether the request takes gzip (Accept-Encoding, a q of 0 refusing it). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  return value.split(',').some((part) => {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (name !== 'gzip' && name !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/** Whether `file` (of size `size`) is served gzipped to a client that takes it. */
export function compressible(file: string, size: number): boolean {
  return COMPRESSIBLE.has(extname(file).toLowerCase()) && size >= MIN_BYTES && size <= MAX_BYTES;
}

/** The gzipped body of `file` as it is now (`stat`: its stats); made on first use, then reused until the file changes. */
export function gzipped(file: string, stat: Stats): Promise<Buffer> {
  const version = `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
  const hit = cache.get(file);
  if (hit?.version === version) return hit.body;
  const body = readFile(file).then((raw) => gzip(raw, { level: 6 }));
  cache.set(file, { version, body });
  // A failed read is not kept: the next request tries again.
  body.catch(() => {
    if (cache.get(file)?.body === body) cache.delete(file);
  });
  return body;
}
