/**
 * Three runner replicas (`socklab serve` processes) behind a real HAProxy
 * running deploy/haproxy.cfg (only its listening address, server lines and
 * check intervals replaced), all on loopback. Students arrive as a browser
 * does: the page (the proxy's cookie rides on it), then the WebSocket with
 * that cookie. Which replica holds whom is read from each replica's own
 * /metrics, never from the proxy's word.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../protocol/constants.ts';
import type { StudentFile } from '../protocol/messages.ts';
import { freePort, TestClient } from './support/test-client.ts';
import { get, scrape, sleep, startReplica, tinySite, type ReplicaProc } from './support/replicas.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const COOKIE = 'SOCKLAB_REPLICA';
/** HAProxy's binary: on PATH, or in sbin (not on a normal user's PATH on Debian). */
const HAPROXY = ['haproxy', '/usr/sbin/haproxy', '/usr/local/sbin/haproxy'].find((bin) => !spawnSync(bin, ['-v']).error);
const SOLUTION: StudentFile[] = ((dir) => readdirSync(dir).map((name) => ({ name, content: readFileSync(join(dir, name), 'utf8') })))(join(ROOT, 'labs/02-tcp-echo/solution/python'));

/** deploy/haproxy.cfg, made to listen on `port` and balance over `replicas`; throws when the file lost a line the test relies on. */
function haproxyConfig(port: number, statsSocket: string, replicas: ReplicaProc[]): string {
  let cfg = readFileSync(join(ROOT, 'deploy/haproxy.cfg'), 'utf8');
  const replace = (pattern: RegExp, by: string) => {
    if (!pattern.test(cfg)) throw new Error(`deploy/haproxy.cfg has no line matching ${pattern}`);
    cfg = cfg.replace(pattern, by);
  };
  replace(/^ {4}bind :80$/m, `    bind 127.0.0.1:${port}`);
  replace(/stats socket \S+/, `stats socket ${statsSocket}`);
  replace(/check inter 2s fall 2 rise 2 agent-check agent-inter 2s/, 'check inter 300ms fall 1 rise 1 agent-check agent-inter 300ms');
  replace(/^ {4}server .*\n/gm, '');
  return cfg + replicas.map((r) => `    server ${r.name} 127.0.0.1:${r.port} cookie ${r.name} agent-port ${r.agentPort}\n`).join('');
}

/** HAProxy's view of each server of the backend: name -> status (UP, DOWN, DRAIN, ...). */
function serverStatus(statsSocket: string): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const s = netConnect(statsSocket);
    let text = '';
    s.on('data', (d) => (text += d.toString()));
    s.on('error', reject);
    s.on('end', () => {
      const [header, ...rows] = text.trim().split('\n');
      const cols = header!.replace(/^# /, '').split(',');
      const [px, sv, st] = ['pxname', 'svname', 'status'].map((c) => cols.indexOf(c));
      resolve(new Map(rows.map((r) => r.split(',')).filter((r) => r[px!] === 'runners' && r[sv!] !== 'BACKEND').map((r) => [r[sv!]!, r[st!]!])));
    });
    s.end('show stat\n');
  });
}

describe('three replicas behind HAProxy', () => {
  const replicas: ReplicaProc[] = [];
  const clients: TestClient[] = [];
  let haproxy: ChildProcess | undefined;
  let haproxyLog = '';
  let lb = '';
  let stats = '';
  const dirs: string[] = [];

  const byName = (name: string) => replicas.find((r) => r.name === name)!;
  /** Pages connected to each replica still running, by its own /metrics. */
  const load = async (): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    for (const r of replicas) if (r.child.exitCode === null && r.child.signalCode === null) out[r.name] = (await scrape(r.url)).get('socklab_connections') ?? NaN;
    return out;
  };
  const waitLoad = async (want: (l: Record<string, number>) => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    let last: Record<string, number> = {};
    while (Date.now() < deadline) {
      last = await load();
      if (want(last)) return last;
      await sleep(50);
    }
    throw new Error(`timed out waiting for ${what}; connections: ${JSON.stringify(last)}`);
  };
  const waitStatus = async (name: string, want: (status: string) => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    let status = '';
    while (Date.now() < deadline) {
      status = (await serverStatus(stats)).get(name) ?? '';
      if (want(status)) return status;
      await sleep(50);
    }
    throw new Error(`HAProxy never saw ${name} ${what} (status ${status}); haproxy: ${haproxyLog}`);
  };

  /** A student loads the page: resolves with the replica the proxy's cookie names. */
  const loadPage = async (cookie?: string): Promise<string> => {
    const r = await get(`${lb}/`, cookie ? { Cookie: `${COOKIE}=${cookie}` } : {});
    expect(r.status).toBe(200);
    const set = ([] as string[]).concat(r.headers['set-cookie'] ?? []).join('; ');
    const named = new RegExp(`${COOKIE}=(\\w+)`).exec(set)?.[1] ?? cookie;
    if (!named) throw new Error(`the proxy set no ${COOKIE} cookie: ${set}`);
    return named;
  };
  /** The page's WebSocket, with the cookie (and, for a reconnect, the session it had). */
  const connect = async (cookie: string, resume?: string): Promise<TestClient> => {
    // Refused for capacity (HAProxy's own 503 while its checks, 300 ms apart, briefly saw no replica
    // ready on a loaded machine), a page tries again after a while (site/workbench/link.ts): so does this one.
    for (let attempt = 0; ; attempt++) {
      try {
        const c = await TestClient.connect(`${lb.replace('http', 'ws')}/ws${resume ? `?resume=${resume}` : ''}`, { ws: { headers: { Cookie: `${COOKIE}=${cookie}` } } });
        clients.push(c);
        return c;
      } catch (err) {
        if (attempt === 3 || !/HTTP 503/.test(String(err))) throw err;
        console.log(`connect (cookie ${cookie}) refused with 503, again in 500 ms: ${JSON.stringify(await serverStatus(stats).then((m) => [...m], () => []))}`);
        await sleep(500);
      }
    }
  };
  const openSession = async (c: TestClient): Promise<string> => {
    const from = c.messages.length;
    c.send({ type: 'open', lab: 'tcp-echo', lang: 'python' });
    const opened = await c.waitFor((m) => m.type === 'opened', 15_000, from);
    return (opened as { session: string }).session;
  };
  /** A newcomer: page, socket, session. */
  const student = async (cookie?: string) => {
    const replica = await loadPage(cookie);
    const c = await connect(replica);
    return { replica, c, session: await openSession(c) };
  };
  /** The session still runs programs: the echo server answers the client. */
  const echoes = async (c: TestClient, word: string) => {
    c.send({ type: 'files', files: SOLUTION });
    c.send({ type: 'run' });
    const client = await c.waitForProc((p) => p.name === 'client 1' && p.state === 'running', 15_000);
    await c.waitForOutput('server', /ready to receive/, 15_000);
    c.send({ type: 'input', proc: client.id, data: `${word}\n` });
    await c.waitForOutput('client 1', new RegExp(word.toUpperCase()), 10_000);
  };

  beforeAll(async () => {
    if (!HAPROXY) {
      throw new Error('haproxy is not installed: this test runs three runners behind a real HAProxy. Install it (Debian: apt-get install haproxy) and run again.');
    }
    const site = tinySite();
    const work = mkdtempSync(join(tmpdir(), 'socklab-haproxy-'));
    dirs.push(site, work);
    // r1 fills up quickly; r2 and r3 have room.
    for (const [name, capacity] of [['r1', 3], ['r2', 8], ['r3', 8]] as const) replicas.push(await startReplica({ name, siteDir: site, capacity, drainSeconds: 30 }));
    const port = await freePort();
    stats = join(work, 'haproxy.sock');
    writeFileSync(join(work, 'haproxy.cfg'), haproxyConfig(port, stats, replicas));
    haproxy = spawn(HAPROXY, ['-db', '-f', join(work, 'haproxy.cfg')], { stdio: ['ignore', 'pipe', 'pipe'] });
    haproxy.stdout!.on('data', (d: Buffer) => (haproxyLog += d.toString()));
    haproxy.stderr!.on('data', (d: Buffer) => (haproxyLog += d.toString()));
    lb = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const up = await serverStatus(stats).catch(() => new Map<string, string>());
      if (['r1', 'r2', 'r3'].every((n) => up.get(n) === 'UP')) break;
      if (haproxy.exitCode !== null || Date.now() > deadline) throw new Error(`HAProxy did not bring the replicas up: ${JSON.stringify([...up])}\n${haproxyLog}`);
      await sleep(50);
    }
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    if (haproxy?.pid && haproxy.exitCode === null) process.kill(haproxy.pid, 'SIGKILL');
    for (const r of replicas) r.kill();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('spreads newcomers, keeps reloads on their replica, sends them elsewhere when it is full, drains, and survives a dead replica', async () => {
    // New sessions spread: each newcomer goes to the least loaded replica.
    const a = await student();
    const b = await student();
    const c = await student();
    expect(new Set([a.replica, b.replica, c.replica])).toEqual(new Set(['r1', 'r2', 'r3']));
    await waitLoad((l) => l.r1 === 1 && l.r2 === 1 && l.r3 === 1, 'one page per replica');
    for (const r of replicas) expect((await scrape(r.url)).get('socklab_sessions_active')).toBe(1);

    // A reload with the cookie lands on the same replica, although it is the busiest.
    const busy = b.replica;
    const others = ['r1', 'r2', 'r3'].filter((n) => n !== busy);
    const e = await connect(busy);
    await connect(busy);
    await waitLoad((l) => l[busy] === 3, `three pages on ${busy}`);
    let reloaded = e;
    for (let i = 0; i < 3; i++) {
      await reloaded.close();
      await waitLoad((l) => l[busy] === 2, 'the reload closed its page');
      expect(await loadPage(busy)).toBe(busy);
      reloaded = await connect(busy);
      const l = await waitLoad((l) => l[busy] === 3, `the reload back on ${busy}`);
      for (const o of others) expect(l[o]).toBe(1);
    }
    for (const x of clients.slice(3)) await x.close();
    await waitLoad((l) => l.r1 === 1 && l.r2 === 1 && l.r3 === 1, 'the extra pages gone');

    // A full replica sends newcomers elsewhere, even those whose cookie names it.
    const fillers = [await connect('r1'), await connect('r1')];
    await waitLoad((l) => l.r1 === 3, 'r1 full');
    expect((await get(`${byName('r1').url}/readyz`)).status).toBe(503);
    const before = await load();
    const late = await connect('r1');
    await openSession(late);
    const after = await waitLoad((l) => l.r2! + l.r3! === before.r2! + before.r3! + 1, 'the newcomer on r2 or r3');
    expect(after.r1).toBe(3);
    for (const x of [...fillers, late]) await x.close();
    await waitLoad((l) => l.r1 === 1 && l.r2 === 1 && l.r3 === 1, 'back to one page each');
    await waitStatus('r1', (s) => s === 'UP', 'up again');

    // A draining replica keeps its sessions and gets no new ones.
    const draining = byName(b.replica);
    draining.remember();
    draining.child.kill('SIGTERM');
    await b.c.waitFor((m) => m.type === 'notice' && m.code === 'runner_draining', 10_000);
    expect((await get(`${draining.url}/readyz`)).status).toBe(503);
    // Out of the pool once its health check fails (/readyz 503): its agent's `drain` alone comes sooner, and in
    // HAProxy's DRAIN a page load with its cookie still reaches it (the newcomer's replica below is the page's).
    await waitStatus(draining.name, (s) => s.startsWith('DOWN'), 'leave the pool');
    await echoes(b.c, 'still here');
    const newcomers = [await student(), await student(), await student(draining.name)];
    for (const n of newcomers) expect(n.replica).not.toBe(draining.name);
    const l = await load();
    expect(l[draining.name]).toBe(1);
    for (const n of newcomers) await n.c.close();
    // Its last session ends: the drain is over, the process ends, nothing is left.
    await b.c.close();
    expect(await Promise.race([draining.exited, sleep(15_000).then(() => 'still running')])).toBe(0);
    await retryUntil(() => draining.leftovers().length === 0, 10_000, `the drained replica left no process: ${JSON.stringify(draining.leftovers())}`);

    // A killed replica's student: the reconnect is told the session is lost, then a new one opens elsewhere.
    const dead = byName(c.replica);
    const survivor = ['r1', 'r2', 'r3'].find((n) => n !== dead.name && n !== draining.name)!;
    dead.remember();
    dead.kill();
    expect(await Promise.race([c.c.closed.then((x) => x.code), sleep(10_000).then(() => 'still open')])).toBe(1006);
    const retry = await connect(dead.name, c.session);
    expect(await Promise.race([retry.closed.then((x) => x.code), sleep(10_000).then(() => 'still open')])).toBe(CloseCode.session_lost);
    const again = await student(dead.name);
    expect(again.replica).toBe(survivor);
    await waitLoad((l) => l[survivor] === 2, `the lost student on ${survivor}`);
    await echoes(again.c, 'new home');
    await retryUntil(() => dead.leftovers().length === 0, 10_000, 'the killed replica left no process');
  }, 60_000);
});

async function retryUntil(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}
