/**
 * The echo probe in a process of its own, so that what the test process
 * itself is busy with (opening a thousand sockets, say) does not count as
 * the runner's delay. Run as `node bin/run-ts.js test/support/echo-probe-process.ts URL ADDRESS`:
 * prints "ready", then one echo time in ms per line, a key every 50 ms,
 * until its stdin closes. Not part of the runner.
 */
import { startEchoProbe } from './echo-probe.ts';

const [url, address] = process.argv.slice(2);
const probe = await startEchoProbe(url!, address);
process.stdout.write('ready\n');
let stopped = false;
process.stdin.on('end', () => (stopped = true));
process.stdin.resume();
while (!stopped) {
  process.stdout.write(`${(await probe.once()).toFixed(2)}\n`);
  await new Promise((r) => setTimeout(r, 50));
}
await probe.close();
process.exit(0);
