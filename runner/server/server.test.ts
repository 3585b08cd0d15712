/**
 * The runner end to end over its WebSocket: a real Runner with the real
 * sandbox, served on 127.0.0.1, driven by the test client as a page would
 * drive it; plus the `socklab` CLI as a child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Language, type ServerMessage, type StudentFile } from '../../protocol/messages.ts';
import type { Runner } from '../runner.ts';
import { descendantsOf, freePort, listProcs, readProc, stillRunning, TestClient, type ProcEntry } from '../../test/support/test-client.ts';
import { startRunner, type InProcessRunner } from '../../test/support/in-process-runner.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const SOLUTION = join(ROOT, 'labs/02-tcp-echo/solution/python');
const SANDBOX_UID_BASE = 200_000;
const isRoot = process.getuid?.() === 0;

function readFolder(dir: string): StudentFile[] {
  return readdirSync(dir).map((name) => ({ name, content: readFileSync(join(dir, name), 'utf8') }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(25);
  }
}

/** Runs a command to completion; resolves with its status and output. */
function runCommand(args: string[], input?: string, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, SOCKLAB_DEBUG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} timed out; stdout: ${stdout}; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

/** A flooding "server": binds the lab's port (so it counts as listening), then prints like `yes` for ever. */
const FLOOD_SERVER = `import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('', 12000))
s.listen(1)
line = b'y' * 79 + b'\\n'
block = line * 256
out = sys.stdout.buffer
while True:
    out.write(block)
    out.flush()
`;

/** Serves a runner whose only lab offers python alone, for as long as `body` runs. */
async function withPythonOnlyLab(body: (url: string) => Promise<void>): Promise<void> {
  const labs = mkdtempSync(join(tmpdir(), 'socklab-labs-'));
  const dir = join(labs, '01-only-python');
  for (const kind of ['starter', 'solution']) {
    mkdirSync(join(dir, kind, 'python'), { recursive: true });
    writeFileSync(join(dir, kind, 'python', 'server.py'), "print('hi')\n");
  }
  writeFileSync(
    join(dir, 'lab.mdx'),
    ['---', 'id: only-python', 'title: Only Python', 'order: 1', 'summary: A fixture lab.', 'languages: [python]', 'processes:', '  - role: server', '---', '', 'Fixture.', ''].join('\n'),
  );
  const served = await startRunner({ labsDir: labs });
  try {
    await body(served.url);
  } finally {
    await served.close();
    rmSync(labs, { recursive: true, force: true });
  }
}

describe('runner over WebSocket', () => {
  let served: InProcessRunner;
  let runner: Runner;
  let url: string;
  let port: number;
  const clients: TestClient[] = [];

  const connect = async (opts?: Parameters<typeof TestClient.connect>[1]) => {
    const c = await TestClient.connect(url, opts);
    clients.push(c);
    await c.waitFor((m) => m.type === 'hello');
    return c;
  };

  const open = async (c: TestClient, lab = 'tcp-echo', lang: 'python' = 'python') => {
    const from = c.messages.length;
    c.send({ type: 'open', lab, lang });
    const opened = await c.waitFor<Extract<ServerMessage, { type: 'opened' }>>((m) => m.type === 'opened' || m.type === 'error', 15_000, from);
    expect(opened).toMatchObject({ type: 'opened', lab });
    return opened.session;
  };

  /** Opens a session, sends the solution, runs it; resolves once the server listens and the client runs. */
  const runSolution = async (c: TestClient) => {
    const session = await open(c);
    const from = c.messages.length;
    c.send({ type: 'files', files: readFolder(SOLUTION) });
    await c.waitFor((m) => m.type === 'files', 5000, from);
    c.send({ type: 'run' });
    const srv = await c.waitForProc((p) => p.name === 'server' && p.state === 'listening', 15_000, from);
    const cli = await c.waitForProc((p) => p.name === 'client 1' && p.state === 'running', 15_000, from);
    return { session, server: srv, client: cli };
  };

  beforeAll(async () => {
    served = await startRunner();
    ({ runner, port, url } = served);
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await eventually(() => runner.sessionCount === 0, 10_000, 'every session ended');
  });

  afterAll(async () => {
    await served?.close();
  });

  it('runs the tcp-echo solution: server listens, the client echoes HELLO and exits 0', async () => {
    const c = await connect();
    expect(c.messages[0]).toMatchObject({ type: 'hello', protocol: 1 });
    const { client } = await runSolution(c);
    c.send({ type: 'input', proc: client.id, data: 'hello\r' });
    await c.waitForOutput(client.id, /HELLO/);
    const exited = await c.waitForProc((p) => p.id === client.id && p.state === 'exited', 10_000);
    expect(exited.exitCode).toBe(0);
    await c.waitForOutput('server', /Replied to hello/);
    expect(c.invalid).toEqual([]);
  });

  it('Run starts its program in a launcher started ahead while the student read, in a new session and at the next Run', async () => {
    const c = await connect();
    await open(c);
    // How long before the program its launcher (pid 1 of its namespace) was started, in clock ticks (100 a second).
    const age = "def start(p): return int(open('/proc/%s/stat' % p).read().rsplit(')', 1)[1].split()[19])\nprint('AHEAD', start('self') - start(1), flush=True)\n";
    c.send({ type: 'files', files: [{ name: 'server.py', content: age }] });
    await sleep(600);
    let from = c.messages.length;
    c.send({ type: 'run', clients: 0 });
    let exited = await c.waitForProc((p) => p.name === 'server' && p.state === 'exited', 15_000, from);
    expect(exited.exitCode).toBe(0);
    // Started a few ms before the program, it would be 0-1 ticks.
    expect(Number(/^AHEAD (\d+)\r\n$/.exec(c.text(exited.id))?.[1])).toBeGreaterThanOrEqual(30);
    await sleep(1600); // the next one starts 1 s after a Run
    from = c.messages.length;
    c.send({ type: 'run', clients: 0 });
    exited = await c.waitForProc((p) => p.name === 'server' && p.state === 'exited', 15_000, from);
    expect(Number(/^AHEAD (\d+)\r\n$/.exec(c.text(exited.id))?.[1])).toBeGreaterThanOrEqual(20);
  });

  it('a folder a program left where a student\'s file goes is replaced at the next Run, not an internal error', async () => {
    const c = await connect();
    await open(c);
    let from = c.messages.length;
    const vandal = "import os, time\nos.remove('client.py')\nos.makedirs('client.py/sub')\nprint('done', flush=True)\ntime.sleep(60)\n";
    c.send({ type: 'files', files: [{ name: 'server.py', content: vandal }, { name: 'client.py', content: 'print(1)\n' }] });
    c.send({ type: 'run', clients: 0 });
    await c.waitForOutput('server', /done/, 15_000);
    from = c.messages.length;
    c.send({ type: 'files', files: readFolder(SOLUTION) });
    c.send({ type: 'run' });
    await c.waitForProc((p) => p.name === 'server' && p.state === 'listening', 15_000, from);
    const client = await c.waitForProc((p) => p.name === 'client 1' && p.state === 'running', 15_000, from);
    c.send({ type: 'input', proc: client.id, data: 'back\r' });
    await c.waitForOutput(client.id, /BACK/);
    expect(c.messages.slice(from).filter((m) => m.type === 'error')).toEqual([]);
  }, 60_000);

  it('drops the lab\'s packets in the same pattern every Run while the loss switch is on, and never when off', async () => {
    const c = await connect();
    await open(c, 'udp-echo');
    let from = c.messages.length;
    c.send({ type: 'files', files: readFolder(join(ROOT, 'labs/01-udp-echo/solution/python')) });
    c.send({ type: 'network', loss: true });
    expect(await c.waitFor((m) => m.type === 'network', 10_000, from)).toEqual({ type: 'network', loss: 30 });
    // 30% drops packets 3, 6 and 9 of every 10, counted from each Run, both
    // directions together: client 1's request and reply are packets 0 and 1,
    // client 2's are 2 and 3, so client 2's reply is lost, every time.
    for (let round = 0; round < 2; round++) {
      from = c.messages.length;
      c.send({ type: 'run' });
      await c.waitForProc((p) => p.name === 'server' && p.state === 'listening', 15_000, from);
      const first = await c.waitForProc((p) => p.name === 'client 1' && p.state === 'running', 15_000, from);
      c.send({ type: 'input', proc: first.id, data: `hello ${round}\r` });
      expect(await c.waitForProc((p) => p.id === first.id && p.state === 'exited', 10_000, from)).toMatchObject({ exitCode: 0 });
      expect(c.text(first.id)).toContain(`HELLO ${round}`);
      c.send({ type: 'addClient' });
      const second = await c.waitForProc((p) => p.name === 'client 2' && p.state === 'running', 15_000, from);
      c.send({ type: 'input', proc: second.id, data: 'again\r' });
      expect(await c.waitForProc((p) => p.id === second.id && p.state === 'exited', 10_000, from)).toMatchObject({ exitCode: 1 });
      expect(c.text(second.id)).toContain('timed out');
    }
    from = c.messages.length;
    c.send({ type: 'network', loss: false });
    expect(await c.waitFor((m) => m.type === 'network', 10_000, from)).toEqual({ type: 'network', loss: 0 });
    c.send({ type: 'addClient' });
    const third = await c.waitForProc((p) => p.name === 'client 3' && p.state === 'running', 15_000, from);
    c.send({ type: 'input', proc: third.id, data: 'no loss\r' });
    expect(await c.waitForProc((p) => p.id === third.id && p.state === 'exited', 10_000, from)).toMatchObject({ exitCode: 0 });
    expect(c.text(third.id)).toContain('NO LOSS');
    expect(c.invalid).toEqual([]);
  }, 90_000);

  it('streams the socket table with each socket\'s owner, and a Check with the same verdicts as socklab grade', async () => {
    const c = await connect();
    const { server: srv } = await runSolution(c);
    let from = c.messages.length;
    c.send({ type: 'inspect', on: true });
    const listening = await c.waitFor<Extract<ServerMessage, { type: 'sockets' }>>(
      (m) => m.type === 'sockets' && m.sockets.some((s) => s.state === 'LISTEN' && s.local.endsWith(':12000')),
      5000,
      from,
    );
    expect(listening.sockets.find((s) => s.state === 'LISTEN' && s.local.endsWith(':12000'))).toMatchObject({ protocol: 'tcp', proc: srv.id, sendQueue: 0, recvQueue: 0 });
    c.send({ type: 'inspect', on: false });

    from = c.messages.length;
    c.send({ type: 'check' });
    const started = await c.waitFor<Extract<ServerMessage, { type: 'checkStarted' }>>((m) => m.type === 'checkStarted', 10_000, from);
    const done = await c.waitFor<Extract<ServerMessage, { type: 'checkDone' }>>((m) => m.type === 'checkDone', 120_000, from);
    const results = c.messages.slice(from).filter((m): m is Extract<ServerMessage, { type: 'checkResult' }> => m.type === 'checkResult');
    expect(results.map((r) => r.result.id)).toEqual(started.checks.map((ch) => ch.id));
    expect(done).toMatchObject({ failed: 0, skipped: 0, passed: started.checks.length });
  }, 150_000);

  it('answers every bad message with a stable error code and keeps going', async () => {
    const c = await connect();
    // `request`: the message the error answers, named once it parsed (a page with a Run and a Check in flight tells whose it is).
    const expectError = async (send: () => void, code: string, request?: string) => {
      const from = c.messages.length;
      send();
      const err = await c.waitFor((m) => m.type === 'error', 15_000, from);
      expect(err).toMatchObject({ type: 'error', code });
      expect((err as { request?: string }).request).toBe(request);
      expect((err as { message: string }).message).not.toMatch(/\n\s+at /);
    };
    await expectError(() => c.sendRaw('{"type": "open",'), 'bad_json');
    await expectError(() => c.sendRaw(JSON.stringify({ type: 'frobnicate' })), 'bad_message');
    await expectError(() => c.sendRaw(JSON.stringify({ type: 'run', extra: 1 })), 'bad_message');
    await expectError(() => c.sendRaw(Buffer.from([1, 2, 3]), true), 'binary_not_expected');
    await expectError(() => c.send({ type: 'run' }), 'no_session', 'run');
    await expectError(() => c.send({ type: 'open', lab: 'no-such-lab', lang: 'python' }), 'unknown_lab', 'open');
    // A lab with programs and a language it does not offer. Labs gain
    // languages over time; when every lab offers every language, a
    // python-only fixture lab served by a second runner stands in.
    const notOffered = runner.labs
      .filter((l) => l.meta.processes.length > 0)
      .flatMap((l) => Language.options.filter((lang) => !l.meta.languages.includes(lang)).map((lang) => ({ lab: l.meta.id, lang })))[0];
    if (notOffered && !process.env.SOCKLAB_TEST_FIXTURE_LAB) {
      await expectError(() => c.send({ type: 'open', ...notOffered }), 'language_not_offered', 'open');
    } else {
      await withPythonOnlyLab(async (fixtureUrl) => {
        const f = await TestClient.connect(fixtureUrl);
        clients.push(f);
        f.send({ type: 'open', lab: 'only-python', lang: 'java' });
        expect(await f.waitFor((m) => m.type === 'error' || m.type === 'opened', 10_000)).toMatchObject({ type: 'error', code: 'language_not_offered', request: 'open' });
        await f.close();
      });
    }

    await open(c);
    await expectError(() => c.send({ type: 'files', files: [{ name: '../x', content: 'x' }] }), 'bad_message');
    await expectError(() => c.send({ type: 'files', files: [{ name: 'a/b', content: 'x' }] }), 'bad_message');
    await expectError(() => c.send({ type: 'files', files: [{ name: 'server.py', content: 'x'.repeat(runner.limits.maxFileBytes + 1) }] }), 'files_too_large', 'files');
    await expectError(() => c.send({ type: 'files', files: [{ name: 'server.py', content: 'x'.repeat(runner.limits.maxMessageBytes) }] }), 'message_too_large');
    await expectError(() => c.send({ type: 'input', proc: 99, data: 'x' }), 'unknown_process', 'input');
    await expectError(() => c.send({ type: 'open', lab: 'tcp-echo', lang: 'python' }), 'session_exists', 'open');

    // The socket is still open and the session still works.
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    const from = c.messages.length;
    c.send({ type: 'files', files: readFolder(SOLUTION) });
    expect(await c.waitFor((m) => m.type === 'files', 5000, from)).toEqual({ type: 'files', written: ['client.py', 'server.py'] });
    c.send({ type: 'run', clients: 0 });
    await c.waitForProc((p) => p.name === 'server' && p.state === 'listening', 15_000, from);

    // And the runner still serves others.
    const other = await connect();
    await open(other);
    expect(c.invalid).toEqual([]);
  });

  it('refuses an upgrade from a foreign origin with 403, accepts same-origin and no origin', async () => {
    await expect(TestClient.connect(url, { ws: { origin: 'http://evil.example' } })).rejects.toMatchObject({ statusCode: 403 });
    await expect(TestClient.connect(url, { ws: { origin: `http://localhost.evil.example:${port}` } })).rejects.toMatchObject({ statusCode: 403 });
    const same = await connect({ ws: { origin: `http://127.0.0.1:${port}` } });
    expect(same.messages[0]?.type).toBe('hello');
    const none = await connect();
    expect(none.messages[0]?.type).toBe('hello');
  });

  it('refuses a page on another domain that resolves to this machine (DNS rebinding), and survives a malformed upgrade', async () => {
    // Same-origin by the headers, but the name is not this server's.
    await expect(TestClient.connect(url, { ws: { headers: { Host: `rebind.example:${port}` }, origin: `http://rebind.example:${port}` } })).rejects.toMatchObject({ statusCode: 403 });
    const raw = (request: string) =>
      new Promise<string>((resolve) => {
        const sock = netConnect(port, '127.0.0.1', () => sock.write(request));
        let got = '';
        sock.on('data', (d) => (got += d.toString()));
        sock.on('close', () => resolve(got));
        sock.on('error', () => resolve(got));
        setTimeout(() => sock.destroy(), 2000);
      });
    await raw('GET http://[ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    const after = await connect();
    expect(after.messages[0]?.type).toBe('hello');
  });

  it('keeps the per-address limit when many sessions open at once', async () => {
    const cs = await Promise.all(Array.from({ length: 12 }, () => connect()));
    for (const c of cs) c.send({ type: 'open', lab: 'tcp-echo', lang: 'python' });
    const outcomes = await Promise.all(cs.map((c) => c.waitFor((m) => m.type === 'opened' || m.type === 'error', 20_000)));
    const opened = outcomes.filter((m) => m.type === 'opened').length;
    expect(opened).toBe(runner.limits.maxSessionsPerClient);
    expect(outcomes.filter((m) => m.type === 'error' && m.code === 'too_many_sessions')).toHaveLength(12 - opened);
    await Promise.all(cs.map((c) => c.close()));
    await eventually(() => runner.sessionCount === 0, 10_000, 'sessions closed');
  }, 60_000);

  it('restarts raced five times leave one copy of the process, and input a program never reads is dropped', async () => {
    const c = await connect();
    const { session, client } = await runSolution(c);
    const from = c.messages.length;
    for (let i = 0; i < 5; i++) c.send({ type: 'restart', proc: client.id });
    await c.waitForProc((p) => p.id === client.id && p.state === 'running', 15_000, from);
    await new Promise((r) => setTimeout(r, 1500));
    const netns = readProc(runner.session(session)!.sandbox.pid)!.netns;
    const pythons = listProcs().filter((p) => p.netns === netns && p.name === 'python3' && p.state !== 'Z');
    expect(pythons.map((p) => p.name)).toHaveLength(2); // the server and one client
    // The client reads one line; flood its terminal without newlines: the runner drops the excess instead of queueing it.
    const notices = () => c.messages.filter((m) => m.type === 'notice' && m.code === 'input_dropped').length;
    for (let i = 0; i < 8; i++) c.send({ type: 'input', proc: client.id, data: 'x'.repeat(60_000) });
    await eventually(() => notices() > 0, 10_000, 'an input_dropped notice');
  }, 60_000);

  it('ends every process of the session when the WebSocket closes', async () => {
    const c = await connect();
    const { session: id } = await runSolution(c);
    const session = runner.session(id);
    expect(session).toBeDefined();
    const holder = readProc(session!.sandbox.pid);
    expect(holder).not.toBeNull();
    // Everything in the session's network namespace: the holder, the programs, their launchers.
    const inSession = listProcs().filter((p) => p.netns && p.netns === holder!.netns);
    expect(inSession.length).toBeGreaterThanOrEqual(3);
    if (isRoot) for (const p of inSession) expect(p.uid).toBeGreaterThanOrEqual(SANDBOX_UID_BASE);

    await c.close();
    await eventually(() => !stillRunning(holder!), 5000, `the sandbox holder ${holder!.pid} ended`);
    await eventually(() => inSession.every((p) => !stillRunning(p)), 5000, 'every process of the session ended');
    await eventually(() => runner.sessionCount === 0, 5000, 'the runner forgot the session');
    expect(listProcs().filter((p) => p.netns === holder!.netns)).toEqual([]);
  });

  it('pauses a flooding program while the client does not acknowledge, and resumes on ack', async () => {
    const { flowHighWatermark, flowLowWatermark, outputBatchBytes } = runner.limits;
    const c = await connect({ ack: 'never', keepOutput: false });
    await open(c);
    const from = c.messages.length;
    c.send({ type: 'files', files: [{ name: 'server.py', content: FLOOD_SERVER }] });
    c.send({ type: 'run', clients: 0 });
    const srv = await c.waitForProc((p) => p.name === 'server' && p.state !== 'starting', 15_000, from);
    await c.until(() => c.bytes(srv.id) >= flowHighWatermark, 10_000, 'output up to the high watermark');
    await sleep(300);
    const stalled = c.bytes(srv.id);
    await sleep(700);
    expect(c.bytes(srv.id)).toBe(stalled);
    // About the high watermark plus what was already read or batched.
    expect(stalled).toBeLessThanOrEqual(flowHighWatermark + 2 * outputBatchBytes);

    // Acknowledging part of it (still above the low watermark) does not resume...
    c.ack(srv.id, stalled - flowLowWatermark - 1024);
    await sleep(300);
    expect(c.bytes(srv.id)).toBe(stalled);
    // ...acknowledging below it does.
    c.ackAll();
    await c.until(() => c.bytes(srv.id) > stalled, 5000, 'output resumed after the ack');
    // With acks flowing as xterm sends them, output keeps coming.
    c.ackMode = 'auto';
    c.ackAll();
    await c.until(() => c.bytes(srv.id) > stalled + 8 * flowHighWatermark, 15_000, 'output flowing with acks');
    const proc = c.procs.get(srv.id)!;
    expect(proc.state).not.toBe('exited');
  });
});

describe('the socklab runner process', () => {
  let child: ChildProcess | null = null;
  let siteDir = '';
  let leftovers: ProcEntry[] = [];

  afterAll(() => {
    child?.kill('SIGKILL');
    for (const p of leftovers) if (stillRunning(p)) process.kill(p.pid, 'SIGKILL');
    if (siteDir) rmSync(siteDir, { recursive: true, force: true });
  });

  it('leaves no sandbox process behind when it is killed with SIGKILL', async () => {
    siteDir = mkdtempSync(join(tmpdir(), 'socklab-site-'));
    // `serve --site` wants a built site; one page is enough.
    writeFileSync(join(siteDir, 'index.html'), '<!doctype html><title>socklab</title>\n');
    const port = await freePort();
    child = spawn(join(ROOT, 'bin/socklab.js'), ['serve', '--port', String(port), '--site', siteDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await eventually(() => log.includes('the course is at') || child!.exitCode !== null, 20_000, 'the runner started');
    expect(log).toContain('the course is at');
    // Started as the script itself (as npm start and the container start it), the runner is node with its
    // first line's flags: no process of its own between (a SIGKILL reaches the runner), and V8's old generation floor.
    const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline).toContain('--initial-old-space-size=128');
    expect(cmdline.some((a) => a.endsWith('bin/socklab.js'))).toBe(true);

    const c = await TestClient.connect(`http://127.0.0.1:${port}`);
    c.send({ type: 'open', lab: 'tcp-echo', lang: 'python' });
    await c.waitFor((m) => m.type === 'opened', 15_000);
    c.send({ type: 'files', files: readFolder(SOLUTION) });
    c.send({ type: 'run' });
    await c.waitForProc((p) => p.name === 'server' && p.state === 'listening', 15_000);
    await c.waitForProc((p) => p.name === 'client 1' && p.state === 'running', 15_000);
    await c.waitForOutput('server', /ready to receive/);

    // The client's pty child may not have reached its program yet: wait for both Pythons.
    await eventually(() => descendantsOf(child!.pid!).filter((p) => p.name.startsWith('python')).length >= 2, 10_000, 'both programs running');
    const ours = readProc(process.pid)!;
    const session = descendantsOf(child.pid!);
    leftovers = session;
    const sessionNetns = new Set(session.map((p) => p.netns).filter((ns) => ns && ns !== ours.netns));
    expect(sessionNetns.size).toBeGreaterThanOrEqual(1);
    const uids = new Set(session.map((p) => p.uid));
    if (isRoot) {
      const sandboxUids = [...uids].filter((u) => u >= SANDBOX_UID_BASE);
      expect(sandboxUids.length).toBeGreaterThanOrEqual(1);
      // Only the sandbox's uid owns the session's processes.
      for (const p of session) if (sessionNetns.has(p.netns)) expect(p.uid).toBeGreaterThanOrEqual(SANDBOX_UID_BASE);
    }
    // Processes of this session: its uid inside its namespaces (another runner may reuse the uid elsewhere).
    const belongs = (p: ProcEntry) => p.state !== 'Z' && (sessionNetns.has(p.netns) && (!isRoot || p.uid >= SANDBOX_UID_BASE));

    child.kill('SIGKILL');
    await new Promise((r) => (child!.exitCode !== null || child!.signalCode !== null ? r(null) : child!.once('exit', r)));
    await eventually(() => session.every((p) => !stillRunning(p)) && !listProcs().some(belongs), 10_000, 'every sandbox process ended');
    expect(listProcs().filter(belongs)).toEqual([]);
    await c.closed;
  });

  it('socklab run prints the client\'s reply and exits 0', async () => {
    const r = await runCommand(['bin/socklab.js', 'run', 'tcp-echo', 'labs/02-tcp-echo/solution/python'], 'hello\n');
    expect(r.stdout).toContain('[client 1] HELLO');
    expect(r.code).toBe(0);
  });

  it('socklab with an unknown command exits 2 with a message and no stack trace', async () => {
    const r = await runCommand(['bin/socklab.js', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command "nope"/);
    expect(r.stderr + r.stdout).not.toMatch(/\n\s+at /);
  });

  it('socklab says what is wrong with a flag: a number out of range or not one, an unknown option, each with the way to help', async () => {
    const runs = [
      [['serve', '--port', 'abc'], /^socklab: --port: expected a whole number from 1 to 65535, got "abc"$/m],
      [['serve', '--port', '70000'], /^socklab: --port: expected a whole number from 1 to 65535, got "70000"$/m],
      [['serve', '--capacity', '1.5'], /^socklab: --capacity: expected a whole number from 1 to 100000, got "1.5"$/m],
      [['grade', 'tcp-echo', '.', '--jobs', '2'], /^socklab: unknown option --jobs \(try socklab grade --help\)$/m],
      [['run', 'tcp-echo', '.', '--port'], /^socklab: unknown option --port \(try socklab run --help\)$/m],
    ] as const;
    const results = await Promise.all(runs.map(([args]) => runCommand(['bin/socklab.js', ...args])));
    for (const [i, [args, message]] of runs.entries()) {
      const r = results[i]!;
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr + r.stdout).not.toMatch(/\n\s+at /);
    }
  }, 60_000);

  it('socklab --version prints its version and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v', 'version']) {
      const r = await runCommand(['bin/socklab.js', flag]);
      expect(r.stdout, flag).toBe(`socklab ${version}\n`);
      expect(r.code, flag).toBe(0);
    }
  });

  it('socklab <command> --help prints that command\'s usage and exits 0', async () => {
    const commands = ['serve', 'run', 'grade', 'validate', 'new', 'schema', 'init', 'build'];
    // -h is --help in one place (cli.ts) for every command; serve reads it a second time (detect.ts: no site build for its usage).
    const runs = [...commands.map((command) => ({ command, flag: '--help' })), { command: 'serve', flag: '-h' }, { command: 'grade', flag: '-h' }];
    const results = await Promise.all(runs.map(({ command, flag }) => runCommand(['bin/socklab.js', command, flag])));
    for (const [i, { command, flag }] of runs.entries()) {
      const r = results[i]!;
      expect(r.code, `${command} ${flag}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^  socklab ${command}\\b`, 'm'));
      for (const other of commands.filter((c) => c !== command)) expect(r.stdout).not.toMatch(new RegExp(`^  socklab ${other}\\b`, 'm'));
    }
  }, 90_000);

  it('socklab validate exits 0', async () => {
    const r = await runCommand(['bin/socklab.js', 'validate']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/labs valid/);
  });
});

describe('sessions per student address', () => {
  it('refuses a second session from one address, and tells students apart by X-Forwarded-For only when told to trust the proxy', async () => {
    for (const trustProxy of [false, true]) {
      const served = await startRunner({ limits: { maxSessionsPerClient: 1 } }, { trustProxy });
      const { url } = served;
      const clients: TestClient[] = [];
      try {
        const outcome = async (forwardedFor: string) => {
          const c = await TestClient.connect(url, { ws: { headers: { 'X-Forwarded-For': forwardedFor } } });
          clients.push(c);
          c.send({ type: 'open', lab: 'tcp-echo', lang: 'python' });
          const m = await c.waitFor((x) => x.type === 'opened' || x.type === 'error', 15_000);
          return m.type === 'opened' ? 'opened' : m.type === 'error' ? m.code : m.type;
        };
        expect(await outcome('192.0.2.1')).toBe('opened');
        expect(await outcome('192.0.2.2'), `trustProxy ${trustProxy}`).toBe(trustProxy ? 'opened' : 'too_many_sessions');
        expect(await outcome('192.0.2.1'), `trustProxy ${trustProxy}`).toBe('too_many_sessions');
      } finally {
        await Promise.all(clients.map((c) => c.close()));
        await served.close();
      }
    }
  }, 60_000);
});
