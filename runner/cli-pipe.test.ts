/**
 * `socklab grade --reporter json | tool`: the whole report reaches the tool.
 * A pipe holds 64 KiB; the rest waits in the process until the reader
 * takes it, so a CLI that exits as soon as it has written cuts the report
 * off there. The reader here is slow on purpose (it waits a second after
 * the first bytes), and the report is made large (over 200 KiB) by a
 * correct server that prints a lot: each check's output is in the report.
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;
const SOLUTION = join(ROOT, 'labs/02-tcp-echo/solution/python');

const scratch = mkdtempSync(join(tmpdir(), 'socklab-pipe-'));
chmodSync(scratch, 0o755);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Reads stdin to stdout, but only from a second after the first bytes arrive (a busy `jq`). */
const SLOW_READER = `process.stdin.once('readable', () => setTimeout(() => process.stdin.pipe(process.stdout), 1000));`;

it('the JSON report piped to a slow reader arrives whole and parses', async () => {
  // The reference server, printing ~8000 characters at start; JSON escapes
  // each \\x01 as \\u0001 and each quote as \\", so ~25 KiB a check.
  const server = readFileSync(join(SOLUTION, 'server.py'), 'utf8');
  writeFileSync(join(scratch, 'server.py'), `import sys\nsys.stdout.write('\\x01' * 2600 + '"' * 5000 + '\\n')\nsys.stdout.flush()\n${server}`);
  copyFileSync(join(SOLUTION, 'client.py'), join(scratch, 'client.py'));

  const pipeline = `"${process.execPath}" bin/socklab.js grade tcp-echo "${scratch}" --only server --reporter json | "${process.execPath}" -e "${SLOW_READER}"`;
  const child = spawn('sh', ['-c', pipeline], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let err = '';
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(timer);

  const text = Buffer.concat(out).toString('utf8');
  expect(err).toBe('');
  expect(code).toBe(0); // the reader's exit code; the report says the grade
  expect(text.length).toBeGreaterThan(200 * 1024);
  const report = JSON.parse(text) as { lab: string; failed: number; passed: number; results: { outputs: { text: string }[] }[] };
  expect(report.lab).toBe('tcp-echo');
  expect(report.failed).toBe(0);
  expect(report.passed).toBeGreaterThanOrEqual(8);
  expect(report.results.every((r) => r.outputs.some((o) => o.text.includes('"'.repeat(5000))))).toBe(true);
}, 120_000);
