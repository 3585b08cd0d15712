/**
 * The grader against hostile programs (issue 8): output that once made the
 * stack-trace search backtrack for seconds on the runner's only thread, a
 * client that floods the grader's sockets, and escape sequences aimed at
 * the terminal of whoever runs `socklab grade`. Each is graded for real in
 * the sandbox, in bounded time, and contained.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gradeFiles } from './engine.ts';
import { MAX_KEPT_OUTPUT } from './harness/program.ts';
import { MAX_LISTENER_CONNECTIONS } from './harness/tcp.ts';
import { MAX_INBOX_DATAGRAMS } from './harness/udp.ts';
import { crashHint, errorLine, hasStackTrace } from './hints.ts';
import { graderSay } from './messages.ts';
import { prettyResult } from './reporters.ts';
import { loadLab } from '../labs/load.ts';
import { resolveLimits } from '../limits.ts';
import { chooseBackend } from '../sandbox/index.ts';

const API = new URL('./api.ts', import.meta.url).pathname;
const backend = chooseBackend('bwrap');
const limits = resolveLimits();

const scratch: string[] = [];
afterAll(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A one-role lab (a server on 7000/tcp, or a client of the grader's 7000/tcp and 7001/udp) with `checks` as its checks.ts. */
function makeLab(role: 'server' | 'client', checks: string) {
  const root = mkdtempSync(join(tmpdir(), 'socklab-hostile-'));
  scratch.push(root);
  const dir = join(root, 'labs', '07-fixture');
  for (const kind of ['starter', 'solution']) {
    mkdirSync(join(dir, kind, 'python'), { recursive: true });
    writeFileSync(join(dir, kind, 'python', `${role}.py`), 'print("hi")\n');
  }
  const process = role === 'server' ? '  - role: server\n    ready: { port: 7000, protocol: tcp }\n' : '  - role: client\n';
  writeFileSync(
    join(dir, 'lab.mdx'),
    `---\nid: fixture\ntitle: Fixture\norder: 7\nsummary: A lab for the grader's hostile tests.\nlanguages: [python]\nports: [{ port: 7000, protocol: tcp }, { port: 7001, protocol: udp }]\nprocesses:\n${process}---\nText.\n`,
  );
  writeFileSync(join(dir, 'checks.ts'), `import { defineChecks } from ${JSON.stringify(API)};\n${checks}`);
  return loadLab(dir, join(root, 'labs'));
}

/** Runs `fn` while measuring the event loop's worst delay (a timer that should fire every 10 ms). */
async function withLag<T>(fn: () => Promise<T>): Promise<{ value: T; lagMs: number }> {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 10);
    last = now;
  }, 10);
  try {
    return { value: await fn(), lagMs: worst };
  } finally {
    clearInterval(timer);
  }
}

describe('stack-trace detection', () => {
  it('takes linear time on whitespace, long lines and fake frames', () => {
    const hostile = ['\n'.repeat(1_600_000), ' '.repeat(1_600_000), `${' '.repeat(500_000)}at ${'('.repeat(200_000)}`, `   at ${'a:1'.repeat(300_000)})\n`.repeat(4)];
    for (const text of hostile) {
      const t0 = performance.now();
      expect(hasStackTrace(text)).toBe(false);
      errorLine(text);
      // Linear: well under a second here (quadratic took about an hour on the first); the bound leaves room for a loaded machine.
      expect(performance.now() - t0).toBeLessThan(2000);
    }
  });

  it('finds Python, Java and Node traces and names their error', () => {
    const python = 'ready\nTraceback (most recent call last):\n  File "/work/server.py", line 3, in <module>\n    s.recv(1)\nOSError: [Errno 107] Transport endpoint is not connected\n';
    const java = 'Exception in thread "main" java.net.SocketException: Connection reset\n\tat java.base/sun.nio.ch.NioSocketImpl.implRead(NioSocketImpl.java:318)\n\tat Server.main(Server.java:12)\n';
    const node = 'file:///work/server.js:4\n    x.y();\n      ^\n\nTypeError: Cannot read properties of undefined (reading \'y\')\n    at Socket.<anonymous> (file:///work/server.js:4:7)\n    at node:internal/streams:1:2\n\nNode.js v20.19.0\n';
    expect(errorLine(python)).toBe('OSError: [Errno 107] Transport endpoint is not connected');
    expect(errorLine(java)).toBe('java.net.SocketException: Connection reset');
    expect(errorLine(node)).toBe("TypeError: Cannot read properties of undefined (reading 'y')");
    // On a terminal, Node colours the frames of its own modules.
    const coloured = "file:///work/server.js:4\n\nSyntaxError: Unexpected token 'o', \"not json\" is not valid JSON\n    at JSON.parse (<anonymous>)\n\x1b[90m    at WebSocket.emit (node:events:524:28)\x1b[39m\n\nNode.js v20.19.0\n";
    expect(errorLine(coloured)).toBe("SyntaxError: Unexpected token 'o', \"not json\" is not valid JSON");
    expect(hasStackTrace('   at the end of the day (not a frame)\n')).toBe(false);
  });

  it("names readline as the way a socket's error came, when an Interface re-emitted it (the socket had a listener of its own)", () => {
    const say = graderSay('en');
    const readline = "node:events:502\n      throw er; // Unhandled 'error' event\n      ^\n\nError: read ECONNRESET\n    at TCP.onStreamRead (node:internal/stream_base_commons:218:20)\nEmitted 'error' event on Interface instance at:\n    at Socket.onerror (node:internal/readline/interface:242:10)\n    at Socket.emit (node:events:536:35)\n\nNode.js v20.20.2\n";
    expect(crashHint(say, errorLine(readline), readline)).toBe(say('hint.crash.readline', { create: 'readline.createInterface({ input: socket })', listen: "rl.on('error', () => {})" }));
    // The same error, thrown by the socket itself: the usual hint.
    const socket = readline.replace("Emitted 'error' event on Interface instance at:\n    at Socket.onerror (node:internal/readline/interface:242:10)\n", "Emitted 'error' event on Socket instance at:\n");
    expect(crashHint(say, errorLine(socket), socket)).toBe(say('hint.crash.reset', { catch: say('hint.catchPerClient') }));
  });
});

describe('hostile programs', () => {
  it('grades a server that prints 120,000 newlines and exits in bounded time, the event loop responsive', async () => {
    const lab = makeLab('server', `export default defineChecks([{ id: 'x', name: 'x', role: 'server', async run(h) {
      const p = await h.start('server', { waitReady: false });
      await p.waitExit(10_000);
      p.expectRunning();
    } }]);`);
    const files = [{ name: 'server.py', content: 'import sys\nsys.stdout.write("\\n" * 120000)\nsys.stdout.flush()\nsys.exit(3)\n' }];
    const t0 = performance.now();
    const { value: report, lagMs } = await withLag(() => gradeFiles({ lab, lang: 'python', files, backend, limits }));
    expect(performance.now() - t0).toBeLessThan(20_000);
    // Before the fix, 120,000 newlines froze the event loop for 17.5 s.
    expect(lagMs).toBeLessThan(2000);
    expect(report.results[0]!.message).toMatch(/^your server exited with code 3/);
  }, 60_000);

  it('keeps a bounded part of a flood of output and still finds what comes after it, in time linear in the flood', async () => {
    // 10 MB in 64 KB lines: searched in quadratic time (each chunk copying
    // all the kept text) it took over 30 s; in linear time about 2.
    const lab = makeLab('server', `export default defineChecks([{ id: 'x', name: 'x', role: 'server', timeoutMs: 25_000, async run(h) {
      const p = await h.start('server', { waitReady: false });
      await p.expectOutput('START');
      await p.expectOutput('THE END', { timeoutMs: 20_000 });
      if (p.output.length > ${MAX_KEPT_OUTPUT}) h.fail('kept ' + p.output.length + ' characters');
      // printed counts the characters left out too (a "\\r\\n" split across two reads counts 2, hence no exact figure).
      h.fail('done: ' + p.output.slice(0, 5) + ' ' + /left out/.test(p.output) + ' ' + (p.printed >= 160 * 65537 && p.printed > p.output.length));
    } }]);`);
    const files = [{ name: 'server.py', content: 'import sys, time\nprint("START", flush=True)\nfor i in range(160):\n    sys.stdout.write("y" * 65536 + "\\n")\nprint("THE END", flush=True)\ntime.sleep(5)\n' }];
    const report = await gradeFiles({ lab, lang: 'python', files, backend, limits });
    expect(report.results[0]!.message).toBe('done: START true true');
  }, 60_000);

  it('names a server that spins the CPU as the cause of the missing reply', async () => {
    const lab = makeLab('server', `export default defineChecks([{ id: 'x', name: 'x', role: 'server', async run(h) {
      await h.start('server');
      const c = await h.connect(7000);
      await c.sendLine('hello');
      await c.expectLine('HELLO', { timeoutMs: 1500 });
    } }]);`);
    const files = [{ name: 'server.py', content: 'import socket\ns = socket.socket()\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.bind(("", 7000))\ns.listen()\nc, _ = s.accept()\nwhile True:\n    pass\n' }];
    const report = await gradeFiles({ lab, lang: 'python', files, backend, limits });
    const r = report.results[0]!;
    expect(r.message).toBe('your server uses the CPU without pause, stuck in a loop that never waits. Then: expected "HELLO\\n" on tcp#1, but nothing complete came within 1.5 s');
    expect(r.hint).toMatch(/uses the CPU without pause/);
    // A server that only waits is not called spinning.
    const waiting = [{ name: 'server.py', content: files[0]!.content.replace('while True:\n    pass\n', 'import time\nc.recv(100)\ntime.sleep(60)\n') }];
    const quiet = (await gradeFiles({ lab, lang: 'python', files: waiting, backend, limits })).results[0]!;
    expect(quiet.message).toBe('expected "HELLO\\n" on tcp#1, but nothing complete came within 1.5 s');
  }, 60_000);

  it('fails a client that floods the grader with datagrams, and holds only so many', async () => {
    const lab = makeLab('client', `export default defineChecks([{ id: 'x', name: 'x', role: 'client', async run(h) {
      const server = await h.udpServer(7001);
      await h.start('client');
      await server.expectDatagram('one', { timeoutMs: 5000 });
      await h.sleep(10_000);
    } }]);`);
    const files = [{ name: 'client.py', content: 'import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nwhile True:\n    s.sendto(b"one", ("127.0.0.1", 7001))\n' }];
    const t0 = performance.now();
    const report = await gradeFiles({ lab, lang: 'python', files, backend, limits });
    const r = report.results[0]!;
    expect(r.status).toBe('failed');
    expect(r.message).toBe(`more than ${MAX_INBOX_DATAGRAMS} datagrams arrived at grader udp :7001 that the grader did not ask for`);
    expect(r.hint).toMatch(/far more than the grader asked for/);
    expect(performance.now() - t0).toBeLessThan(8000);
  }, 60_000);

  it('fails a client that opens connection after connection to the grader', async () => {
    const lab = makeLab('client', `export default defineChecks([{ id: 'x', name: 'x', role: 'client', async run(h) {
      const server = await h.listen(7000);
      await h.start('client');
      await server.accept();
      await h.sleep(10_000);
    } }]);`);
    const files = [{ name: 'client.py', content: 'import socket, time\nheld = []\nfor i in range(300):\n    try:\n        held.append(socket.create_connection(("127.0.0.1", 7000), timeout=1))\n    except OSError:\n        pass\ntime.sleep(30)\n' }];
    const report = await gradeFiles({ lab, lang: 'python', files, backend, limits });
    const r = report.results[0]!;
    expect(r.status).toBe('failed');
    expect(r.message).toBe(`your program opened more than ${MAX_LISTENER_CONNECTIONS} connections to the grader's port 7000`);
  }, 60_000);

  it('prints escape sequences from program output inert: no OSC 52, title change, cursor move or CR redraw reaches the terminal', async () => {
    const lab = makeLab('server', `export default defineChecks([{ id: 'x', name: 'x', role: 'server', async run(h) {
      const p = await h.start('server', { waitReady: false });
      await p.expectOutput('never printed', { timeoutMs: 1500 });
    } }]);`);
    const evil = [
      '\\x1b]52;c;ZWNobyBwd25lZA==\\x07', // OSC 52: write the clipboard
      '\\x1b]0;all checks passed\\x07', // window title
      '\\x1b[2A\\x1b[2K  \\u2713 server: x', // cursor up, erase line, a fake tick
      'fake\\r  \\u2713 passed', // CR: redraw the line
      '\\x9b31m C1 CSI \\x9d0;title\\x9c', // C1 controls
    ];
    const files = [{ name: 'server.py', content: `import time\nfor line in [${evil.map((e) => `'${e}'`).join(', ')}]:\n    print(line, flush=True)\ntime.sleep(5)\n` }];
    const report = await gradeFiles({ lab, lang: 'python', files, backend, limits });
    const r = report.results[0]!;
    expect(r.outputs[0]!.text).toContain('\x1b]52;c;');
    const shown = prettyResult(r).replace(/\x1b\[(?:\d+)m/g, ''); // the reporter's own colours
    expect(shown).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(shown).toContain('\\x1b]52;c;ZWNobyBwd25lZA==\\x07');
    expect(shown).toContain('fake\\x0d');
  }, 60_000);
});
