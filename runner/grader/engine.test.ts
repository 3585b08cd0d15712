/**
 * The grader engine on a small lab of its own (written to a temp folder):
 * a hang fails at the check's deadline and never hangs the grader, teardown
 * always runs, a failed dependency skips, a stack trace fails, a
 * transcript shows what was sent, expected and received; lines are read
 * whole across chunks, as text or as bytes; independent checks
 * run side by side, a dependant early (stopped and skipped when its
 * dependency fails), reported in the lab's order.
 */
import { mkdirSync, mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gradeFiles, loadChecks, ChecksError } from './engine.ts';
import { loadLab } from '../labs/load.ts';
import { resolveLimits } from '../limits.ts';
import { chooseBackend } from '../sandbox/index.ts';
import { junitReport, prettyResult } from './reporters.ts';
import { DYING_EXIT_MS } from './harness/program.ts';

const API = new URL('./api.ts', import.meta.url).pathname;
const backend = chooseBackend('bwrap');

const scratch: string[] = [];
afterAll(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A Java server of the fixture: the upper-case echo on port 7000. */
const JAVA_SOLUTION =
  'import java.net.*;\npublic class Server { public static void main(String[] a) throws Exception { ServerSocket s = new ServerSocket(7000); while (true) { Socket c = s.accept(); byte[] b = new byte[100]; int n = c.getInputStream().read(b); c.getOutputStream().write(new String(b, 0, Math.max(n, 0)).toUpperCase().getBytes()); c.close(); } } }\n';

function makeLab(checks: string, languages: string[] = ['python']) {
  const root = mkdtempSync(join(tmpdir(), 'socklab-engine-'));
  scratch.push(root);
  const dir = join(root, 'labs', '07-fixture');
  for (const kind of ['starter', 'solution']) {
    mkdirSync(join(dir, kind, 'python'), { recursive: true });
    writeFileSync(join(dir, kind, 'python', 'server.py'), 'import socket\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(("",7000))\ns.listen()\nwhile True:\n    c,_=s.accept()\n    c.sendall(c.recv(100).upper())\n    c.close()\n');
    if (languages.includes('java')) {
      mkdirSync(join(dir, kind, 'java'), { recursive: true });
      writeFileSync(join(dir, kind, 'java', 'Server.java'), JAVA_SOLUTION);
    }
  }
  writeFileSync(
    join(dir, 'lab.mdx'),
    `---\nid: fixture\ntitle: Fixture\norder: 7\nsummary: A lab for the engine tests.\nlanguages: [${languages.join(', ')}]\nports: [{ port: 7000, protocol: tcp }]\nprocesses:\n  - role: server\n    ready: { port: 7000, protocol: tcp }\n---\nText.\n`,
  );
  writeFileSync(join(dir, 'checks.ts'), `import { defineChecks } from ${JSON.stringify(API)};\n${checks}`);
  return { lab: loadLab(dir, join(root, 'labs')) };
}

/** checks.ts of one check: "hello" sent, "HELLO" expected back (`wait`: expectLine's options, as source). */
const UPPER_CASE_CHECK = (wait = '') => `
export default defineChecks([
  { id: 'echo', name: 'answers in upper case', role: 'server', async run(h) {
      await h.start('server');
      const c = await h.connect(7000);
      await c.sendLine('hello');
      await c.expectLine('HELLO'${wait});
  } },
]);`;

const serverFile = (code: string) => [{ name: 'server.py', content: code }];
const SOLUTION = 'import socket\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(("",7000))\ns.listen()\nwhile True:\n    c,_=s.accept()\n    c.sendall(c.recv(100).upper())\n    c.close()\n';

describe('grader engine', () => {
  it('fails a hanging check at its deadline, runs teardown, skips dependants, and goes on', async () => {
    const markerDir = mkdtempSync(join(tmpdir(), 'socklab-teardown-'));
    scratch.push(markerDir);
    const marker = join(markerDir, 'ran');
    const { lab } = makeLab(`
import { writeFileSync } from 'node:fs';
export default defineChecks([
  { id: 'hangs', name: 'waits for ever', role: 'server', timeoutMs: 1500, async run(h) {
      h.teardown(() => writeFileSync(${JSON.stringify(marker)}, 'ran'));
      await h.start('server');
      const c = await h.connect(7000);
      await c.readLine({ timeoutMs: 60_000 });
  } },
  { id: 'after', name: 'needs the first', role: 'server', dependsOn: ['hangs'], async run() {} },
  { id: 'echo', name: 'answers in upper case', role: 'server', async run(h) {
      await h.start('server');
      const c = await h.connect(7000);
      await c.send('abc\\n');
      await c.expectLine('ABC');
  } },
]);`);
    const t0 = Date.now();
    const report = await gradeFiles({ lab, lang: 'python', files: serverFile(SOLUTION), backend, limits: resolveLimits() });
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(report.results.map((r) => [r.id, r.status])).toEqual([['hangs', 'failed'], ['after', 'skipped'], ['echo', 'passed']]);
    expect(report.results[0]!.message).toMatch(/did not finish within 1\.5 s/);
    expect(existsSync(marker) && readFileSync(marker, 'utf8')).toBe('ran');
  }, 30_000);

  it('shows what was sent, expected and received, and the first differing byte', async () => {
    const { lab } = makeLab(UPPER_CASE_CHECK());
    const lower = SOLUTION.replace('.upper()', '');
    const report = await gradeFiles({ lab, lang: 'python', files: serverFile(lower), backend, limits: resolveLimits() });
    const r = report.results[0]!;
    expect(r.status).toBe('failed');
    expect(r.expected).toBe('"HELLO\\n"');
    expect(r.received).toBe('"hello\\n"');
    expect(r.message).toBe('tcp#1: the reply is not what was expected (at byte 0: "H" expected, "h" received)');
    const text = prettyResult(r);
    expect(text).toMatch(/grader\s+\[tcp#1\] sent "hello\\n"/);
    expect(text).toMatch(/program \[tcp#1\] sent "hello\\n"/);
    expect(junitReport(report)).toMatch(/<failure message="tcp#1: the reply is not what was expected/);
  }, 30_000);

  it('names a crash, its moment and its error before the refused connection it caused', async () => {
    const { lab } = makeLab(`
export default defineChecks([
  { id: 'echo', name: 'answers', role: 'server', async run(h) {
      await h.start('server', { waitReady: false });
      await h.sleep(500);
      await h.connect(7000);
  } },
]);`);
    const report = await gradeFiles({ lab, lang: 'python', files: serverFile('raise RuntimeError("boom")\n'), backend, limits: resolveLimits() });
    const r = report.results[0]!;
    expect(r.status).toBe('failed');
    // The cause first, with its moment and error; the symptom after it.
    expect(r.message).toMatch(/^your server crashed with code 1, \d+\.\d\d s into the check\. Its error: RuntimeError: boom\. Then: could not connect to port 7000: connection refused$/);
    expect(r.hint).toMatch(/stopped on an error/);
    expect(r.outputs[0]!.text).toMatch(/Traceback/);
  }, 30_000);

  it('names the command a program started with as the lesson does ("java Server.java"), not the JVM with its tuning flags', async () => {
    const { lab } = makeLab(UPPER_CASE_CHECK(), ['python', 'java']);
    const report = await gradeFiles({ lab, lang: 'java', files: [{ name: 'Server.java', content: JAVA_SOLUTION }], backend, limits: resolveLimits() });
    expect(report.results[0]!.status).toBe('passed');
    // A passed check keeps its transcript; before: "started: java -Xms16m -Xmx256m ... -cp . Server".
    expect(report.results[0]!.transcript[0]!.text).toBe('started: java Server.java');
  }, 60_000);

  it('names code the language refused as such (the file, the line, the error), not as a server that stopped serving', async () => {
    const { lab } = makeLab(UPPER_CASE_CHECK());
    const report = await gradeFiles({ lab, lang: 'python', files: serverFile('import socket\n    s = socket.socket()\n'), backend, limits: resolveLimits() });
    const r = report.results[0]!;
    expect(r.status).toBe('failed');
    // Before: "your server exited with code 1 before it listened on port 7000/tcp", and the hint blamed a client.
    expect(r.message).toBe('your server did not start: its code has an error at server.py, line 2. Its error: IndentationError: unexpected indent');
    expect(r.hint).toMatch(/^Your program never ran: the language stopped at a mistake in the code itself/);
  }, 30_000);

  it("shows what a program printed without its terminal colours (Node colours its errors on a terminal), everything else kept", async () => {
    const { lab } = makeLab(UPPER_CASE_CHECK());
    const coloured = 'import sys\nprint("\\x1b[90m    at serve (server.py:1)\\x1b[39m and \\x1b[1;31mbold red\\x1b[0m", flush=True)\nsys.exit(3)\n';
    const report = await gradeFiles({ lab, lang: 'python', files: serverFile(coloured), backend, limits: resolveLimits() });
    const text = report.results[0]!.outputs[0]!.text;
    expect(text).toContain('    at serve (server.py:1) and bold red');
    expect(text).not.toContain('\x1b');
  }, 30_000);

  it('expectSurvives names a crash after what caused it, though the probe was refused before the exit came', async () => {
    const { lab } = makeLab(`
export default defineChecks([
  { id: 'survives', name: 'survives', role: 'server', async run(h) {
      const server = await h.start('server');
      const c = await h.connect(7000);
      await c.sendLine('bad');
      await c.expectEnd();
      await server.expectSurvives('after a bad line', async () => {
        await h.connect(7000);
      });
  } },
]);`);
    // Closes its listener, then the connection, on "bad" (the probe after that end is refused), then takes 0.5 s to exit.
    const dying = 'import socket,time,os\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(("",7000))\ns.listen()\nc,_=s.accept()\nc.recv(100)\ns.close()\nc.close()\ntime.sleep(0.5)\nraise SystemExit(4)\n';
    const report = await gradeFiles({ lab, lang: 'python', files: serverFile(dying), backend, limits: resolveLimits() });
    const r = report.results[0]!;
    expect(r.status).toBe('failed');
    expect(r.message).toMatch(/^your server exited with code 4 after a bad line, \d+\.\d\d s into the check/);
    expect(r.message).not.toMatch(/Then:/);
  }, 30_000);

  it('names the crash of a server that closed its port and takes most of a second to report its exit (a dying node on loaded cores)', async () => {
    const { lab } = makeLab(UPPER_CASE_CHECK());
    // Closes its listener and the connection on the first line, then takes 0.7 s (past the 0.3 s any failure waits) to crash.
    const dying = 'import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(("",7000))\ns.listen()\nc,_=s.accept()\nc.recv(100)\ns.close()\nc.close()\ntime.sleep(0.7)\nraise RuntimeError("boom")\n';
    const report = await gradeFiles({ lab, lang: 'python', files: serverFile(dying), backend, limits: resolveLimits() });
    const r = report.results[0]!;
    expect(r.status).toBe('failed');
    expect(r.message).toMatch(/^your server crashed with code 1, \d+\.\d\d s into the check, just after the grader's step .*\. Its error: RuntimeError: boom\. Then: /);
  }, 30_000);

  it('names a server that does not accept though it listens on IPv4 and on IPv6 apart: the socket list puts the IPv4 listener first, as /proc does', async () => {
    const { lab } = makeLab(UPPER_CASE_CHECK(', { timeoutMs: 1500 }'));
    // Its IPv4 listener (the one 127.0.0.1 reaches) made first: sock_diag lists the IPv6-only one before it.
    const apart = 'import socket,time\ns=socket.socket()\ns.bind(("0.0.0.0",7000))\ns.listen()\ns6=socket.socket(socket.AF_INET6)\ns6.setsockopt(socket.IPPROTO_IPV6,socket.IPV6_V6ONLY,1)\ns6.bind(("::",7000))\ns6.listen()\nwhile True:\n    time.sleep(1)\n';
    const report = await gradeFiles({ lab, lang: 'python', files: serverFile(apart), backend, limits: resolveLimits() });
    expect(report.results[0]!.message).toMatch(/^your server is listening on port 7000 but has not accepted a connection: 1 client waits/);
  }, 30_000);

  it('gives no dying wait to a server that closed its port and waits for input for ever: its failure is no slower', async () => {
    const { lab } = makeLab(`
export default defineChecks([
  { id: 'second', name: 'takes a second client', role: 'server', async run(h) {
      await h.start('server');
      const first = await h.connect(7000);
      await first.sendLine('hello');
      await first.expectLine('HELLO');
      try {
        await h.connect(7000);
      } finally {
        (globalThis as unknown as { __failedAt: number }).__failedAt = performance.now();
      }
  } },
]);`);
    // Serves its first client alone: the listener is closed once it is accepted, and the server reads that client for ever.
    const single = 'import socket\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(("",7000))\ns.listen()\nc,_=s.accept()\ns.close()\nwhile True:\n    c.sendall(c.recv(100).upper())\n';
    let reportedAt = 0;
    const report = await gradeFiles({ lab, lang: 'python', files: serverFile(single), backend, limits: resolveLimits(), onResult: () => void (reportedAt = performance.now()) });
    expect(report.results[0]!.status).toBe('failed');
    // The cause is looked for (0.3 s at most, less for a program seen waiting for input) and the programs stopped; not DYING_EXIT_MS more.
    expect(reportedAt - (globalThis as unknown as { __failedAt: number }).__failedAt).toBeLessThan(DYING_EXIT_MS);
  }, 30_000);

  it('sends the pieces of a line once the program has read the one before, not after a fixed pause', async () => {
    const { lab } = makeLab(`
export default defineChecks([
  { id: 'pieces', name: 'waits for the whole line', role: 'server', timeoutMs: 30_000, async run(h) {
      await h.start('server');
      const c = await h.connect(7000);
      await c.sendPieces(['ab', 'c\\n'], 20_000);
  } },
]);`);
    // The fixture's server answers its first recv() and closes: it must get "ab" alone, and the
    // grader must see the close as soon as it happened, well within the 20 s cap.
    const report = await gradeFiles({ lab, lang: 'python', files: serverFile(SOLUTION), backend, limits: resolveLimits() });
    const r = report.results[0]!;
    expect(r.status).toBe('failed');
    expect(r.message).toBe('tcp#1: the program closed the connection after receiving only "ab"');
    expect(r.received).toBe('"AB"');
    expect(r.durationMs).toBeLessThan(15_000);
  }, 40_000);

  it('reads lines split across chunks and chunks of several lines, as text or as bytes, without their "\\r\\n"', async () => {
    const { lab } = makeLab(`
export default defineChecks([
  { id: 'lines', name: 'reads every line whole', role: 'server', async run(h) {
      await h.start('server');
      const c = await h.connect(7000);
      await c.sendLine('go');
      const got = [await c.readLine(), Buffer.from((await c.readLine({ bytes: true }))!).toString('latin1'), await c.readLine(), await c.expectLine('de\\xe9'), await c.readLine({ bytes: true }), await c.readLine()];
      h.note(JSON.stringify(got.map((g) => (g instanceof Uint8Array ? [...g] : g))));
      h.fail('shown');
  } },
]);`);
    // Each write arrives alone (a pause between): a line ends in a later chunk, and a chunk holds the ends of several.
    const server = 'import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(("",7000))\ns.listen()\nc,_=s.accept()\nc.setsockopt(socket.IPPROTO_TCP,socket.TCP_NODELAY,1)\nc.recv(100)\nfor p in [b"a", b"b", b"c\\r", b"\\nx\\ny", b"\\nde\\xc3", b"\\xa9\\n\\xff\\r\\n"]:\n    c.sendall(p)\n    time.sleep(0.05)\nc.close()\ntime.sleep(5)\n';
    const report = await gradeFiles({ lab, lang: 'python', files: serverFile(server), backend, limits: resolveLimits() });
    const r = report.results[0]!;
    expect(r.message).toBe('shown');
    expect(r.transcript.map((e) => e.text)).toContain(JSON.stringify(['abc', 'x', 'y', 'de\u00e9', [0xff], null]));
  }, 30_000);

  it('after a reset, waits until the program has closed its end (or exited), not only until it sleeps', async () => {
    const { lab } = makeLab(`
export default defineChecks([
  { id: 'reset', name: 'waits for the reset to be dealt with', role: 'server', async run(h) {
      await h.start('server');
      const c = await h.connect(7000);
      await c.sendLine('hi');
      await c.waitTaken(2000);
      const t = Date.now();
      c.reset();
      const taken = await c.waitTaken(5000);
      const ms = Date.now() - t;
      if (!taken || ms < 500) h.fail('waitTaken: ' + taken + ' after ' + ms + ' ms');
  } },
]);`);
    // Asleep (not on a CPU) with the reset end still open for 0.6 s, as a program dying of the reset is while its threads are joined.
    const holder = 'import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(("",7000))\ns.listen()\nc,_=s.accept()\ntry:\n    while c.recv(100): pass\nexcept ConnectionResetError:\n    time.sleep(0.6)\n    c.close()\ntime.sleep(60)\n';
    const report = await gradeFiles({ lab, lang: 'python', files: serverFile(holder), backend, limits: resolveLimits() });
    const r = report.results[0]!;
    expect([r.status, r.message]).toEqual(['passed', undefined]);
  }, 30_000);

  it('waitIdle ends once the program waits, not while it is on a CPU or asleep in sleep(), and says false for one that exits', async () => {
    const { lab } = makeLab(`
export default defineChecks([
  { id: 'idle', name: 'waits', role: 'server', async run(h) {
      const server = await h.start('server');
      if (!(await server.waitIdle(5000))) h.fail('a server in accept() is not seen waiting');
      // A server busy 0.3 s (on a CPU, or asleep in sleep()) is not waiting until it has answered.
      const busy = async (word, what) => {
        const c = await h.connect(7000);
        await c.send(word + '\\n');
        await h.sleep(50);
        const t = Date.now();
        const idle = await server.waitIdle(5000);
        const ms = Date.now() - t;
        if (!idle || ms < 150) h.fail('waitIdle: ' + idle + ' after ' + ms + ' ms of a 300 ms ' + what);
        await c.expectLine(word.toUpperCase());
      };
      await busy('spin', 'spin');
      await busy('nap', 'sleep');
      const d = await h.connect(7000);
      await d.send('exit\\n');
      if (await server.waitIdle(5000)) h.fail('a server that exits is seen waiting');
      if (!server.exited) h.fail('waitIdle ended before the exit');
  } },
]);`);
    // Spins 0.3 s on "spin" and sleeps 0.3 s on "nap" before it answers; exits on "exit".
    const spinner = 'import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(("",7000))\ns.listen()\nwhile True:\n    c,_=s.accept()\n    d=c.recv(100)\n    if d.startswith(b"exit"): raise SystemExit(3)\n    t=time.time()\n    if d.startswith(b"nap"): time.sleep(0.3)\n    while time.time()-t<0.3: pass\n    c.sendall(d.upper())\n    c.close()\n';
    const report = await gradeFiles({ lab, lang: 'python', files: serverFile(spinner), backend, limits: resolveLimits() });
    // A server that exits fails its check whatever the check says: here with that exit alone, none of the check's own failures.
    const r = report.results[0]!;
    expect(r.status).toBe('failed');
    expect(r.message).toMatch(/^your server exited with code 3, [\d.]+ s into the check, just after the grader's step \[tcp#3\] sent "exit\\n"$/);
  }, 30_000);

  it('a wait for a reply ends once the server has spent a second of CPU without accepting the connection, never while it only sleeps', async () => {
    const { lab } = makeLab(`
export default defineChecks([
  { id: 'stuck', name: 'stuck', role: 'server', async run(h) {
      await h.start('server');
      const a = await h.connect(7000);
      await a.send('nap\\n');
      const b = await h.connect(7000);
      await b.send('b\\n');
      await a.expectLine('NAP');
      await b.expectLine('B', { timeoutMs: 60000 }); // queued through a 1.5 s nap that used no CPU: still served
      const c = await h.connect(7000);
      await c.send('spin\\n');
      const d = await h.connect(7000);
      await d.send('d\\n');
      await d.expectLine('D', { timeoutMs: 60000 }); // the test's own 30 s limit fails this if it waits out the minute
  } },
]);`);
    // Serves one client at a time: sleeps 1.5 s on "nap", spins for ever on "spin".
    const server = 'import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(("",7000))\ns.listen()\nwhile True:\n    c,_=s.accept()\n    d=c.recv(100)\n    if d.startswith(b"nap"): time.sleep(1.5)\n    while d.startswith(b"spin"): pass\n    c.sendall(d.upper())\n    c.close()\n';
    const report = await gradeFiles({ lab, lang: 'python', files: serverFile(server), backend, limits: resolveLimits() });
    const r = report.results[0]!;
    expect(r.status).toBe('failed');
    expect(r.message).toMatch(/^your server is listening on port 7000 but has not accepted a connection.*Then: expected "D\\n" on tcp#4, but nothing came, as the server never accepted it$/);
  }, 30_000);

  it("waitIdle's forever holds once every thread waits with no timeout of its own, never while a short poll loops; close's until ends its wait for the end", async () => {
    const { lab } = makeLab(`
export default defineChecks([
  { id: 'still', name: 'still', role: 'server', async run(h) {
      const server = await h.start('server');
      const c = await h.connect(7000);
      h.note('in recv: ' + (await server.waitIdle(5000, { forever: true })));
      await c.sendLine('poll');
      h.note('polling: ' + (await server.waitIdle(500, { forever: true })));
      const t0 = Date.now();
      await c.close({ until: h.sleep(50) });
      h.note('closed before its end: ' + (Date.now() - t0 < 900));
  } },
]);`);
    // Waits in recv() with no timeout; after a line, in a select() that times out every 2 ms, for ever (never closing).
    const server = 'import socket,select\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(("",7000))\ns.listen()\nc,_=s.accept()\nc.recv(100)\nwhile True: select.select([],[],[],0.002)\n';
    const report = await gradeFiles({ lab, lang: 'python', files: serverFile(server), backend, limits: resolveLimits() });
    const r = report.results[0]!;
    expect(r.status).toBe('passed');
    expect(r.transcript.filter((e) => e.who === 'note' && e.text.includes(': ')).map((e) => e.text).slice(-3)).toEqual(['in recv: true', 'polling: false', 'closed before its end: true']);
  }, 30_000);

  it("waitBlocked and waitIdle's forever end once a poll's own timeout cannot end within the window, never while it may; blockedIn holds out for none", async () => {
    const { lab } = makeLab(`
export default defineChecks([
  { id: 'polls', name: 'polls', role: 'server', async run(h) {
      const server = await h.start('server');
      const c = await h.connect(7000);
      await c.sendLine('long');
      let t0 = Date.now();
      h.note('long poll, window: ' + (await server.waitBlocked(5000)) + ' ' + (Date.now() - t0 < 4000));
      h.note('long poll, for ever: ' + (await server.blockedIn()));
      h.note('long poll, idle in the window: ' + (await server.waitIdle(5000, { forever: true })));
      await c.sendLine('short');
      t0 = Date.now();
      h.note('short polls, window: ' + (await server.waitBlocked(2500)) + ' ' + (Date.now() - t0 >= 2500));
      h.note('short polls, idle in the window: ' + (await server.waitIdle(300, { forever: true })));
  } },
]);`);
    // After a line, polls for a minute at a time (as Node's event loop does for its HTTP server's 30 s timer); after another, for 0.3 s at a time.
    const server = 'import socket,select\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(("",7000))\ns.listen()\nc,_=s.accept()\nc.recv(100)\np=select.poll()\np.register(c,select.POLLIN)\nwhile not p.poll(60000): pass\nc.recv(100)\nwhile True: p.poll(300)\n';
    const report = await gradeFiles({ lab, lang: 'python', files: serverFile(server), backend, limits: resolveLimits() });
    const r = report.results[0]!;
    expect(r.status).toBe('passed');
    expect(r.transcript.filter((e) => e.who === 'note' && e.text.includes(': ')).map((e) => e.text).slice(-5)).toEqual([
      'long poll, window: poll() true',
      'long poll, for ever: undefined',
      'long poll, idle in the window: true',
      'short polls, window: undefined true',
      'short polls, idle in the window: false',
    ]);
  }, 30_000);

  it('a wait given untilBlocked ends once the server waits for input with no timeout, not while a receive timeout runs, and says where', async () => {
    const { lab } = makeLab(`
export default defineChecks([
  { id: 'blocked', name: 'blocked', role: 'server', async run(h) {
      await h.start('server');
      const c = await h.connect(7000);
      await c.sendLine('hi');
      await c.expectLine('LATE', { timeoutMs: 60000, untilBlocked: true }); // a receive timeout (SO_RCVTIMEO) is not for ever
      await c.expectLine('HI', { timeoutMs: 60000, untilBlocked: true }); // the test's own 30 s limit fails this if it waits out the minute
  } },
]);`);
    // Reads the line, answers "LATE" once a 1 s receive timeout (SO_RCVTIMEO) ends, then waits for more with none: it never answers "HI".
    const server = 'import socket,struct\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(("",7000))\ns.listen()\nc,_=s.accept()\nc.setsockopt(socket.SOL_SOCKET,socket.SO_RCVTIMEO,struct.pack("ll",1,0))\nc.recv(100)\ntry: c.recv(100)\nexcept OSError: c.sendall(b"LATE\\n")\nc.setsockopt(socket.SOL_SOCKET,socket.SO_RCVTIMEO,struct.pack("ll",0,0))\nc.recv(100)\n';
    const report = await gradeFiles({ lab, lang: 'python', files: serverFile(server), backend, limits: resolveLimits() });
    expect(report.results[0]!.message).toBe('expected "HI\\n" on tcp#1, but nothing came, as your server waits in recv() with no timeout: nothing more will come');
  }, 30_000);

  it('runs independent checks side by side, a dependant early (counted once its dependency passed), an alone check alone, and reports in the lab\'s order', async () => {
    const { lab } = makeLab(`
const spans = (globalThis.__spans ??= {});
const timed = (id, ms) => async (h) => { const s = performance.now(); await h.sleep(ms); spans[id] = [s, performance.now()]; };
export default defineChecks([
  { id: 'slow', name: 'slow', role: 'server', run: timed('slow', 1500) },
  { id: 'fast', name: 'fast', role: 'server', run: timed('fast', 50) },
  { id: 'after-slow', name: 'after slow', role: 'server', dependsOn: ['slow'], run: timed('after-slow', 50) },
  { id: 'solo', name: 'solo', role: 'server', alone: true, run: timed('solo', 300) },
  { id: 'last', name: 'last', role: 'server', run: timed('last', 50) },
]);`);
    const reported: string[] = [];
    const started: string[] = [];
    const report = await gradeFiles({ lab, lang: 'python', files: serverFile(SOLUTION), backend, limits: resolveLimits({ checksAtOnce: 2 }), onStart: (c) => started.push(c.id), onResult: (r) => reported.push(r.id) });
    const order = ['slow', 'fast', 'after-slow', 'solo', 'last'];
    expect(report.results.map((r) => [r.id, r.status])).toEqual(order.map((id) => [id, 'passed']));
    expect(reported).toEqual(order);
    expect([...started].sort()).toEqual([...order].sort());
    const spans = (globalThis as unknown as { __spans: Record<string, [number, number]> }).__spans;
    expect(spans.fast![1]).toBeLessThan(spans.slow![1]); // ran beside the slow one
    // Started before its dependency ended: a chain runs side by side, each link counted once the one before passed.
    expect(spans['after-slow']![0]).toBeLessThan(spans.slow![1]);
    for (const id of order.filter((i) => i !== 'solo')) {
      const [s, e] = spans[id]!;
      expect(e <= spans.solo![0] || s >= spans.solo![1], `${id} overlaps the alone check`).toBe(true);
    }
    // Asked for one check, the engine runs it and what it depends on, nothing else.
    const one = await gradeFiles({ lab, lang: 'python', files: serverFile(SOLUTION), backend, limits: resolveLimits({ checksAtOnce: 2 }), checks: ['after-slow'] });
    expect(one.results.map((r) => [r.id, r.status])).toEqual([['slow', 'passed'], ['after-slow', 'passed']]);
  }, 30_000);

  it('stops a dependant that started early once its dependency fails, reports it skipped, and never starts an alone one early', async () => {
    const { lab } = makeLab(`
const runs = (globalThis.__runs ??= []);
export default defineChecks([
  { id: 'fails', name: 'fails', role: 'server', async run(h) { await h.sleep(600); h.fail('no'); } },
  { id: 'early', name: 'early', role: 'server', dependsOn: ['fails'], async run(h) { runs.push('early'); await h.start('server'); await h.sleep(10_000); runs.push('early ended'); } },
  { id: 'solo', name: 'solo', role: 'server', alone: true, dependsOn: ['fails'], async run() { runs.push('solo'); } },
]);`);
    const started: string[] = [];
    const t0 = Date.now();
    const report = await gradeFiles({ lab, lang: 'python', files: serverFile(SOLUTION), backend, limits: resolveLimits({ checksAtOnce: 2 }), onStart: (c) => started.push(c.id) });
    expect(Date.now() - t0).toBeLessThan(8_000); // not the early one's 10 s
    expect(report.results.map((r) => [r.id, r.status, r.message])).toEqual([
      ['fails', 'failed', 'no'],
      ['early', 'skipped', expect.stringMatching(/fails/)],
      ['solo', 'skipped', expect.stringMatching(/fails/)],
    ]);
    expect(started).toEqual(['fails']); // a skipped check is never reported as started
    expect((globalThis as unknown as { __runs: string[] }).__runs).toEqual(['early']);
  }, 30_000);

  it('aborted, reports the checks that ended before it (though a stopped one comes first in the lab), never the stopped ones nor a skip for one', async () => {
    const { lab } = makeLab(`
export default defineChecks([
  { id: 'slow', name: 'slow', role: 'server', async run(h) { await h.sleep(20_000); } },
  { id: 'fast', name: 'fast', role: 'server', async run() {} },
  { id: 'third', name: 'third', role: 'server', async run(h) { await h.sleep(20_000); } },
  { id: 'after-slow', name: 'after slow', role: 'server', dependsOn: ['slow'], alone: true, async run() {} },
]);`);
    const stop = new AbortController();
    const reported: string[] = [];
    const t0 = Date.now();
    const report = await gradeFiles({
      lab,
      lang: 'python',
      files: serverFile(SOLUTION),
      backend,
      limits: resolveLimits({ checksAtOnce: 2 }),
      signal: stop.signal,
      // "third" takes the turn "fast" left: fast has ended, its result held behind slow's, which the abort drops.
      onStart: (c) => void (c.id === 'third' && setTimeout(() => stop.abort(), 100)),
      onResult: (r) => void reported.push(r.id),
    });
    expect(Date.now() - t0).toBeLessThan(15_000); // not the sleeps' 20 s
    expect(report.stopped).toBe(true);
    expect(report.results.map((r) => [r.id, r.status])).toEqual([['fast', 'passed']]);
    expect(reported).toEqual(['fast']);
  }, 30_000);

  it('leaves no listener on its signal once over: a session\'s signal outlives its many Checks', async () => {
    const { lab } = makeLab(`export default defineChecks([{ id: 'quick', name: 'ends at once', role: 'server', async run() {} }]);`);
    const stop = new AbortController();
    const report = await gradeFiles({ lab, lang: 'python', files: serverFile(SOLUTION), backend, limits: resolveLimits(), signal: stop.signal });
    expect(report.passed).toBe(1);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  }, 30_000);

  it('waits for its abort with one listener however many checks it has (Node warns past 10: a log line per Check)', async () => {
    const checks = Array.from({ length: 12 }, (_, i) => `{ id: 'c${i}', name: 'ends at once', role: 'server', async run() {} }`);
    const { lab } = makeLab(`export default defineChecks([${checks.join(', ')}]);`);
    const warnings: string[] = [];
    const onWarning = (w: Error) => void warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const report = await gradeFiles({ lab, lang: 'python', files: serverFile(SOLUTION), backend, limits: resolveLimits() });
      expect(report.passed).toBe(12);
      await new Promise((resolve) => setImmediate(resolve)); // a warning is emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
  }, 30_000);

  it('rejects a checks.ts that names an unknown role, with the lab folder', async () => {
    const { lab } = makeLab(`export default defineChecks([{ id: 'x', name: 'x', role: 'client', async run() {} }]);`);
    await expect(loadChecks(lab)).rejects.toThrow(ChecksError);
    await expect(loadChecks(lab)).rejects.toThrow(/07-fixture\/checks.ts: check "x" grades role "client"/);
  });

  it.each(['-1', '2.5', "'3'", 'NaN'])('rejects points: %s with its file:line and the code checks_points; whole points >= 0 pass', async (bad) => {
    const { lab } = makeLab(`export default defineChecks([
  { id: 'free', name: 'counts nothing', role: 'server', points: 0, async run() {} },
  { id: 'plain', name: 'counts one', role: 'server', async run() {} },
  {
    id: 'worth',
    name: 'counts some',
    role: 'server',
    points: ${bad},
    async run() {},
  },
]);`);
    // makeLab's checks.ts: line 1 imports, line 2 opens the list; "points:" of "worth" is on line 9.
    const err = await loadChecks(lab).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksError);
    expect((err as ChecksError).code).toBe('checks_points');
    expect((err as ChecksError).message).toMatch(/^07-fixture\/checks.ts:9: check "worth" has points .*; points are a whole number >= 0 .*\[checks_points\]$/);
    const ok = makeLab(`export default defineChecks([{ id: 'free', name: 'n', role: 'server', points: 0, async run() {} }, { id: 'more', name: 'm', role: 'server', points: 3, async run() {} }]);`);
    expect((await loadChecks(ok.lab)).checks.map((c) => c.points)).toEqual([0, 3]);
  });
});
