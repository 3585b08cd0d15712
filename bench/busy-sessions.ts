/**
 * The other students of the loaded keystroke figure (bench/keys.ts), in a
 * process of their own so that reading their floods does not slow the
 * event loop of the client whose keystrokes are timed: COUNT sessions of a
 * runner, half flooding output (read and acknowledged as xterm does), half
 * spinning the CPU.
 *
 *   node bin/run-ts.js bench/busy-sessions.ts URL COUNT
 *
 * Prints "ready" once every program runs; each line "bytes" on stdin is
 * answered with the output bytes received so far; the end of stdin closes
 * every session and exits.
 */
import { createInterface } from 'node:readline';
import type { TestClient } from '../test/support/test-client.ts';
import { connect, openSession } from './serve.ts';

const FLOOD = "import sys\nline = b'x' * 79 + b'\\n'\nwhile True:\n    sys.stdout.buffer.write(line * 64)\n";
const SPIN = 'while True:\n    pass\n';

const [url, countArg] = process.argv.slice(2);
const count = Number(countArg);
if (!url || !Number.isInteger(count) || count < 1) {
  console.error('usage: busy-sessions.ts URL COUNT');
  process.exit(2);
}

const held: TestClient[] = [];
const closeAll = async () => {
  for (let i = 0; i < held.length; i += 10) await Promise.all(held.slice(i, i + 10).map((c) => c.close()));
};
const received = () => held.reduce((n, c) => n + [...c.output.values()].reduce((m, o) => m + o.bytes, 0), 0);

createInterface({ input: process.stdin })
  .on('line', (line) => line === 'bytes' && console.log(`bytes ${received()}`))
  .on('close', () => void closeAll().then(() => process.exit(0)));

try {
  for (let i = 0; i < count; i++) {
    // Fresh source addresses after the measuring process's own (the runner limits sessions per address).
    const c = await connect(url, { keepOutput: false });
    held.push(c);
    await openSession(c, [{ name: 'server.py', content: i % 2 ? SPIN : FLOOD }]);
    c.send({ type: 'run', clients: 0 });
    await c.waitForProc((p) => p.name === 'server' && p.state === 'running', 30_000);
  }
  console.log('ready');
} catch (err) {
  console.error(`busy sessions: ${(err as Error).message}`);
  await closeAll();
  process.exit(1);
}
