/**
 * The runner as a replica, one at a time: probes and metrics, admission
 * (503 + Retry-After above capacity), ownership (close codes for a session
 * held elsewhere or by another connection), its pod's deletion cost kept
 * through a stand-in Kubernetes API, the drain in process, and
 * `socklab serve` on SIGTERM (drains) and a second SIGTERM (stops at once,
 * nothing left).
 */
import type { Server } from 'node:http';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../protocol/constants.ts';
import type { StudentFile } from '../../protocol/messages.ts';
import { Runner } from '../runner.ts';
import { serve } from './http.ts';
import { Replica } from './replica.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
import { TestClient } from '../../test/support/test-client.ts';
import { KubeApiStandIn } from '../../test/support/kube-api.ts';
import { DELETION_COST_ANNOTATION, PodDeletionCost } from './pod-deletion-cost.ts';
import { get, scrape, sleep, startReplica, tinySite, type ReplicaProc } from '../../test/support/replicas.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const SOLUTION: StudentFile[] = ((dir) => readdirSync(dir).map((name) => ({ name, content: readFileSync(join(dir, name), 'utf8') })))(join(ROOT, 'labs/02-tcp-echo/solution/python'));

/** What HAProxy's agent check reads from a replica's agent port. */
function agentSays(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = netConnect(port, '127.0.0.1');
    let text = '';
    s.on('data', (d) => (text += d.toString()));
    s.on('error', reject);
    s.on('close', () => resolve(text));
  });
}

/** The raw answer to a WebSocket upgrade request (status line and headers). */
function upgradeAnswer(port: number, path = '/ws'): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = netConnect(port, '127.0.0.1');
    let text = '';
    s.on('data', (d) => {
      text += d.toString();
      if (text.includes('\r\n\r\n')) {
        s.destroy();
        resolve(text);
      }
    });
    s.on('error', reject);
    s.on('close', () => resolve(text));
    s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  });
}

const closeCode = (c: TestClient) => Promise.race([c.closed.then((x) => x.code), sleep(10_000).then(() => 'still open')]);

describe('a runner replica in process', () => {
  let runner: Runner;
  let replica: Replica;
  let server: Server;
  let url = '';
  let port = 0;
  const clients: TestClient[] = [];
  const client = async (path = '/ws') => {
    const c = await TestClient.connect(`${url.replace('http', 'ws')}${path}`);
    clients.push(c);
    return c;
  };
  const open = async (c: TestClient) => {
    c.send({ type: 'open', lab: 'tcp-echo', lang: 'python' });
    return ((await c.waitFor((m) => m.type === 'opened', 15_000)) as { session: string }).session;
  };

  beforeAll(async () => {
    runner = new Runner({ limits: { maxSessions: 2 } });
    replica = new Replica(runner);
    server = await serve({ runner, replica, port: 0, host: '127.0.0.1' });
    port = (server.address() as AddressInfo).port;
    url = `http://127.0.0.1:${port}`;
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    // The runner sees the closes a moment later.
    for (let i = 0; i < 100 && (replica.connections > 0 || runner.sessionCount > 0); i++) await sleep(20);
  });
  afterAll(async () => {
    server.close();
    await runner.close();
  });

  it('answers /healthz and /readyz, and /metrics counts sessions, failures, output and Checks', async () => {
    expect(await get(`${url}/healthz`)).toMatchObject({ status: 200, body: 'ok\n' });
    expect(await get(`${url}/readyz`)).toMatchObject({ status: 200, body: 'ready\n' });
    const c = await client();
    c.send({ type: 'open', lab: 'no-such-lab', lang: 'python' });
    await c.waitForError('unknown_lab');
    await open(c);
    c.send({ type: 'files', files: SOLUTION });
    c.send({ type: 'run' });
    await c.waitForOutput('server', /ready to receive/, 15_000);
    const m = await scrape(url);
    expect(m.get('socklab_sessions_active')).toBe(1);
    expect(m.get('socklab_sessions_capacity')).toBe(2);
    expect(m.get('socklab_connections')).toBe(1);
    expect(m.get('socklab_draining')).toBe(0);
    expect(m.get('socklab_session_starts_total')).toBe(1);
    expect(m.get('socklab_session_failures_total{code="unknown_lab"}')).toBe(1);
    expect(m.get('socklab_sandboxes_live')).toBe(1);
    expect(m.get('socklab_processes_live')).toBeGreaterThanOrEqual(1);
    expect(m.get('socklab_terminal_bytes_total')).toBeGreaterThan(0);
    expect(m.get('socklab_checks_queued')).toBe(0);
    // The longest hold of the runner's event loop (this process's) since the last scrape, each scrape a new window.
    // Held inside a timer's callback, a turn of the loop like any other, then a moment for the
    // monitor's next sample (every 10 ms) to note it.
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        const held = performance.now();
        while (performance.now() - held < 150) {
          /* holds the event loop, as a synchronous fork would */
        }
        resolve();
      }, 20),
    );
    await new Promise((r) => setTimeout(r, 50));
    expect((await scrape(url)).get('socklab_event_loop_delay_max_seconds')).toBeGreaterThanOrEqual(0.14);
    expect((await scrape(url)).get('socklab_event_loop_delay_max_seconds')).toBeLessThan(0.14);
    // A collection holds the loop as well: short-lived objects by the million make young ones, counted with their time.
    let junk: { i: number }[] = [];
    for (let i = 0; i < 3e6; i++) {
      junk.push({ i });
      if (junk.length > 1000) junk = [];
    }
    await new Promise((r) => setTimeout(r, 20));
    const gc = await scrape(url);
    expect(gc.get('socklab_gc_total{kind="young"}')).toBeGreaterThan(0);
    expect(gc.get('socklab_gc_seconds_total{kind="young"}')).toBeGreaterThan(0);
    c.send({ type: 'check' });
    await c.waitFor((msg) => msg.type === 'checkDone', 25_000);
    const after = await scrape(url);
    expect(after.get('socklab_check_duration_seconds_count{outcome="graded"}')).toBe(1);
    expect(after.get('socklab_checks_running')).toBe(0);
  }, 30_000);

  it('shows /metrics only to a Host it serves (a page on a rebound DNS name reads no counts)', async () => {
    expect((await get(`${url}/metrics`, { Host: 'attacker.example' })).status).toBe(403);
    expect((await get(`${url}/metrics`)).status).toBe(200);
    // The probes carry nothing worth hiding and load balancers may send no Host at all.
    expect((await get(`${url}/readyz`, { Host: 'attacker.example' })).status).toBe(200);
  });

  it('refuses a newcomer above capacity with 503 and Retry-After, and /readyz says full', async () => {
    await client();
    await client();
    const answer = await upgradeAnswer(port);
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(answer).toContain(`Retry-After: ${DEFAULT_LIMITS.retryAfterSeconds}`);
    // The page reads the same wait from /readyz (a browser cannot see a refused upgrade's answer).
    expect(await get(`${url}/readyz`)).toMatchObject({ status: 503, body: 'full\n', headers: { 'retry-after': String(DEFAULT_LIMITS.retryAfterSeconds) } });
    await clients.pop()!.close();
    for (let i = 0; i < 100 && replica.connections > 1; i++) await sleep(20);
    expect((await get(`${url}/readyz`)).status).toBe(200);
    expect(await upgradeAnswer(port)).toMatch(/^HTTP\/1\.1 101 /);
  });

  it('closes a reconnect for a session it does not hold with session_lost, and one held by another page with session_in_use', async () => {
    expect(await closeCode(await client('/ws?resume=4f6c1f9e-0000-4000-8000-000000000000'))).toBe(CloseCode.session_lost);
    const owner = await client();
    const id = await open(owner);
    expect(await closeCode(await client(`/ws?resume=${id}`))).toBe(CloseCode.session_in_use);
    // The owner's session is untouched.
    owner.send({ type: 'files', files: SOLUTION });
    await owner.waitFor((m) => m.type === 'files');
  });

  it("keeps its pod's deletion cost at its open sessions through the Kubernetes API (a stand-in): merge patches, at most one an interval, the latest count winning; a refusal is said once, retried, and never in the sessions' way", async () => {
    const api = await KubeApiStandIn.start('token-1');
    const lines: string[] = [];
    const interval = 200;
    const keeper = new PodDeletionCost({
      pod: { apiBase: api.base, namespace: 'socklab', name: 'socklab-runner-5d8f7-x2k4q' },
      secretDir: api.secretDir,
      cost: () => runner.sessionCount,
      log: (line) => lines.push(line),
      timing: { lookMs: 20, minIntervalMs: interval, maxBackoffMs: 2 * interval },
    });
    const costOf = (r: { body: string }) => (JSON.parse(r.body) as { metadata: { annotations: Record<string, string> } }).metadata.annotations[DELETION_COST_ANNOTATION];
    try {
      // The first look writes the count (a restarted container may find its predecessor's cost); held, to see what comes after.
      api.holding = true;
      const first = await api.next();
      expect(first).toMatchObject({ method: 'PATCH', path: '/api/v1/namespaces/socklab/pods/socklab-runner-5d8f7-x2k4q' });
      expect(first.headers['content-type']).toBe('application/merge-patch+json');
      expect(first.headers.authorization).toBe('Bearer token-1');
      expect(JSON.parse(first.body)).toEqual({ metadata: { annotations: { [DELETION_COST_ANNOTATION]: '0' } } });
      // Two students arrive while that patch is on its way: the next patch says 2, none says 1, and it waits its interval.
      const [a, b] = [await client(), await client()];
      await Promise.all([open(a), open(b)]);
      const released = Date.now();
      api.release();
      const second = await api.next();
      expect(costOf(second)).toBe('2');
      expect(second.at - released).toBeGreaterThanOrEqual(interval - 20);
      // Settled: nothing more while the count stays.
      await sleep(2 * interval);
      expect(api.requests).toHaveLength(2);

      // The kubelet rotates the token; RBAC refuses: said once however often it is retried, with the Role to fix.
      api.setToken('token-2');
      api.status = 403;
      await b.close();
      const refused = await api.next();
      expect(costOf(refused)).toBe('1');
      expect(refused.headers.authorization).toBe('Bearer token-2');
      const retried = await api.next();
      expect(retried.at - refused.at).toBeGreaterThanOrEqual(interval - 20);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/HTTP 403: pods "x" is forbidden.*may not patch pod socklab\/socklab-runner-5d8f7-x2k4q.*rbac\.yaml.*Retrying with backoff/);
      // Meanwhile the runner serves as ever: a student's files are taken, a newcomer gets a session.
      a.send({ type: 'files', files: SOLUTION });
      await a.waitFor((m) => m.type === 'files');
      const c = await client();
      await open(c);
      // Back at the cost last written (2): nothing left to patch. Allowed again, the next change lands.
      api.status = 200;
      await c.close();
      let healed = await api.next();
      while (healed.status !== 200) healed = await api.next();
      expect(costOf(healed)).toBe('1');
      for (let i = 0; i < 50 && lines.length < 2; i++) await sleep(10);
      expect(lines.slice(1)).toEqual([expect.stringMatching(/works again \(cost 1\)/)]);
      expect(lines.filter((l) => /403/.test(l))).toHaveLength(1);
      // A token that could not even be a header is said, not sent, and the runner goes on.
      api.setToken('not\u0001a token');
      const asked = api.requests.length;
      await a.close();
      for (let i = 0; i < 100 && lines.length < 3; i++) await sleep(10);
      expect(lines[2]).toMatch(/token .* is empty or malformed/);
      expect(api.requests).toHaveLength(asked);
    } finally {
      keeper.close();
      await api.close();
    }
  }, 20_000);

  it('drains: pages with a session are told and go on, the others are sent away, newcomers refused; ends when the last session does', async () => {
    const withSession = await client();
    await open(withSession);
    const idle = await client();
    const drained = replica.drain(30_000);
    expect(await closeCode(idle)).toBe(CloseCode.runner_leaving);
    await withSession.waitFor((m) => m.type === 'notice' && m.code === 'runner_draining');
    expect(await get(`${url}/readyz`)).toMatchObject({ status: 503, body: 'draining\n' });
    expect(await upgradeAnswer(port)).toMatch(/^HTTP\/1\.1 503 /);
    expect((await scrape(url)).get('socklab_draining')).toBe(1);
    const noop = { output() {}, proc() {}, notice() {} };
    await expect(runner.open('tcp-echo', 'python', 'late', noop)).rejects.toThrow(/shutting down/);
    withSession.send({ type: 'files', files: SOLUTION });
    await withSession.waitFor((m) => m.type === 'files');
    await withSession.close();
    expect(await Promise.race([drained, sleep(10_000).then(() => 'still draining')])).toBe(0);
  });

  it('ends a drain at its deadline: the sessions still open are cut and their pages told to leave', async () => {
    // A replica of its own: the one above has drained for good.
    const runner2 = new Runner();
    const replica2 = new Replica(runner2);
    const server2 = await serve({ runner: runner2, replica: replica2, port: 0, host: '127.0.0.1' });
    try {
      const late = await TestClient.connect(`ws://127.0.0.1:${(server2.address() as AddressInfo).port}/ws`);
      clients.push(late);
      await open(late);
      expect(await replica2.drain(300)).toBe(1);
      expect(await closeCode(late)).toBe(CloseCode.runner_leaving);
    } finally {
      server2.close();
      await runner2.close();
    }
  });
});

describe('socklab serve and SIGTERM', () => {
  let site = '';
  let r: ReplicaProc | undefined;
  beforeAll(() => {
    site = tinySite();
  });
  afterEach(() => r?.kill());
  afterAll(() => rmSync(site, { recursive: true, force: true }));

  it('drains on SIGTERM (the session goes on, /readyz 503), stops at once on a second one, and leaves no process', async () => {
    r = await startReplica({ name: 'r', siteDir: site, drainSeconds: 600 });
    const c = await TestClient.connect(r.url);
    c.send({ type: 'open', lab: 'tcp-echo', lang: 'python' });
    await c.waitFor((m) => m.type === 'opened', 15_000);
    c.send({ type: 'files', files: SOLUTION });
    c.send({ type: 'run' });
    await c.waitForOutput('server', /ready to receive/, 15_000);
    r.remember();
    expect(r.leftovers().length).toBeGreaterThan(0);
    expect(await agentSays(r.agentPort)).toBe('ready\n');

    r.child.kill('SIGTERM');
    await c.waitFor((m) => m.type === 'notice' && m.code === 'runner_draining', 10_000);
    expect((await get(`${r.url}/readyz`)).status).toBe(503);
    expect(await agentSays(r.agentPort)).toBe('drain\n');
    await sleep(500);
    expect(r.child.exitCode).toBe(null);
    const client = c.procByName('client 1')!;
    c.send({ type: 'input', proc: client.id, data: 'drained\n' });
    await c.waitForOutput('client 1', /DRAINED/, 10_000);
    expect(r.log()).toMatch(/draining 1 session for up to 600 s/);

    r.child.kill('SIGTERM');
    expect(await Promise.race([r.exited, sleep(10_000).then(() => 'still running')])).toBe(0);
    expect(await closeCode(c)).toBe(CloseCode.runner_leaving);
    for (let i = 0; i < 200 && r.leftovers().length; i++) await sleep(50);
    expect(r.leftovers()).toEqual([]);
  }, 30_000);

  it('refuses a bad --drain-seconds with exit code 2 and a message', async () => {
    await expect(startReplica({ name: 'bad', siteDir: site, drainSeconds: -1 })).rejects.toThrow(/--drain-seconds/);
  });
});
