/**
 * A minimal ustar writer: the runner hands the student's files to `tar -x`
 * running inside the sandbox, so the write happens from the sandbox's own
 * view and a symlink the student planted can never send it elsewhere.
 */

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
