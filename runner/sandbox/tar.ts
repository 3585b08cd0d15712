/**
 * A minimal ustar writer and reader: the runner hands the student's files
 * to the session's holder, which writes them inside the sandbox (holder.c
 * write_files; regular files only, as packTar makes them), and takes files
 * out with `tar -c`, so the work happens from the sandbox's own view and a
 * symlink the student planted can never send it elsewhere.
 */
import { spawn } from 'node:child_process';
import { SandboxError } from './types.ts';

const BLOCK = 512;

/** Packs flat files (names already validated) into a ustar archive. */
export function packTar(files: { name: string; content: string | Uint8Array }[], mtime = Math.floor(Date.now() / 1000)): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    const body = typeof f.content === 'string' ? Buffer.from(f.content, 'utf8') : Buffer.from(f.content);
    const header = Buffer.alloc(BLOCK, 0);
    header.write(f.name, 0, 100, 'utf8');
    header.write('0000644\0', 100, 'ascii'); // mode
    header.write('0000000\0', 108, 'ascii'); // uid
    header.write('0000000\0', 116, 'ascii'); // gid
    header.write(body.length.toString(8).padStart(11, '0') + '\0', 124, 'ascii');
    header.write(mtime.toString(8).padStart(11, '0') + '\0', 136, 'ascii');
    header.write('        ', 148, 'ascii'); // checksum placeholder: spaces
    header.write('0', 156, 'ascii'); // regular file
    header.write('ustar\x0000', 257, 'binary');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
    parts.push(header, body, Buffer.alloc((BLOCK - (body.length % BLOCK)) % BLOCK, 0));
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(parts);
}

/**
 * The regular files of a ustar archive that `tar -c` wrote, with their
 * names as stored (a leading "./" taken off); folders, links and anything
 * else are left out, and so is everything after a header that does not
 * add up (the archive came out of a sandbox: it is read, never trusted).
 */
export function unpackTar(archive: Buffer): { name: string; content: Buffer }[] {
  const out: { name: string; content: Buffer }[] = [];
  for (let at = 0; at + BLOCK <= archive.length; ) {
    const header = archive.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const field = (from: number, len: number) => header.subarray(from, from + len).toString('latin1').replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    if (!Number.isSafeInteger(size) || size < 0 || at + BLOCK + size > archive.length) break;
    const prefix = field(345, 155);
    const name = (prefix ? `${prefix}/` : '') + field(0, 100);
    const type = field(156, 1);
    if (type === '0' || type === '') out.push({ name: name.replace(/^\.\//, ''), content: Buffer.from(archive.subarray(at + BLOCK, at + BLOCK + size)) });
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return out;
}

/**
 * Runs `argv`, a `tar -c -f -`, and unpacks what it writes (unpackTar);
 * past `maxBytes` it is killed and this rejects with SandboxError.
 */
export function readTarOf(argv: string[], maxBytes: number): Promise<{ name: string; content: Buffer }[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    const parts: Buffer[] = [];
    let size = 0;
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      size += d.length;
      if (size > maxBytes) child.kill('SIGKILL');
      else parts.push(d);
    });
    child.stderr!.on('data', (d: Buffer) => { err += d.toString().slice(0, 2000); });
    child.once('error', (e) => reject(new SandboxError(`could not read files: ${e.message}`)));
    child.once('close', (code) => {
      if (size > maxBytes) reject(new SandboxError(`could not read files: more than ${maxBytes} bytes`));
      else if (code === 0) resolve(unpackTar(Buffer.concat(parts)));
      else reject(new SandboxError(`could not read files: ${err.trim() || `tar exited ${code}`}`));
    });
  });
}

/** Whether `path` names a place inside the work dir: relative, and never through "..". */
export function isWorkPath(path: string): boolean {
  return !path.startsWith('/') && !path.split('/').includes('..');
}
