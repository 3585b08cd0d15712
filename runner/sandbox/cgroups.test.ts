/**
 * The files the per-session cgroups write, on a temp dir laid out like each
 * cgroup version's file system (this machine runs v1, so the v2 path is
 * proven here; sandbox.test.ts proves the limits on the real v1 kernel).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { resolveLimits } from '../limits.ts';
import { setupCgroups } from './cgroups.ts';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function fakeRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'socklab-cgroup-test-'));
  roots.push(root);
  return root;
}

const read = (file: string) => readFileSync(file, 'utf8');

/** A fake cgroup v1 root with the memory, pids and cpu hierarchies, each holding `inside` (a folder path) and a cgroup.procs. */
function v1Root(inside = ''): string {
  const root = fakeRoot();
  for (const c of ['memory', 'pids', 'cpu']) {
    mkdirSync(join(root, c, inside), { recursive: true });
    writeFileSync(join(root, c, 'cgroup.procs'), '');
  }
  return root;
}
const limits = resolveLimits({ sessionMemoryBytes: 300 * 1024 * 1024, sessionTcpMemoryBytes: 20 * 1024 * 1024, sessionTasks: 77, sessionsCpuWeight: 25, runnerCpuWeight: 700, checkCpuWeight: 12, sessionsMemoryBytes: 2000 * 1024 * 1024, sessionsTasks: 900 });

describe('per-session cgroups: cgroup v2', () => {
  it("moves the runner into a leaf, enables the controllers, and writes each session's memory.max, swap and pids.max", async () => {
    const root = fakeRoot();
    const group = join(root, 'user.slice/runner.scope');
    mkdirSync(group, { recursive: true });
    writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    writeFileSync(join(group, 'cgroup.controllers'), 'cpu memory pids\n');
    writeFileSync(join(group, 'cgroup.procs'), '4242\n4343\n');
    const setup = setupCgroups({ fsRoot: root, selfCgroup: '0::/user.slice/runner.scope\n', name: 'socklab-test' });
    if (!setup.ok) throw new Error(setup.why);
    expect(setup.cgroups.version).toBe(2);
    // The runner's processes left its group for a leaf (no internal processes in v2).
    expect(read(join(group, 'socklab-runner/cgroup.procs'))).toBe('4343');
    expect(read(join(group, 'cgroup.subtree_control'))).toBe('+memory +pids +cpu');
    const base = join(group, 'socklab-test');
    expect(read(join(base, 'cgroup.subtree_control'))).toBe('+memory +pids +cpu');

    // The forker, started before the first session, joins the relays' leaf once it is made.
    setup.cgroups.holdRelays(5151);
    expect(existsSync(join(group, 'socklab-relays'))).toBe(false);
    const s1 = await setup.cgroups.create(limits);
    const s2 = await setup.cgroups.create(limits);
    const dir = join(base, 's1');
    expect(read(join(base, 'cpu.weight'))).toBe('25');
    // The runner's leaf weighs what the runner's process does, and so does the relays' beside it.
    expect(read(join(group, 'socklab-runner/cpu.weight'))).toBe('700');
    expect(read(join(group, 'socklab-relays/cpu.weight'))).toBe('700');
    expect(read(join(group, 'socklab-relays/cgroup.procs'))).toBe('5151');
    // All sessions together are bounded too.
    expect(read(join(base, 'memory.max'))).toBe(String(2000 * 1024 * 1024));
    expect(read(join(base, 'pids.max'))).toBe('900');
    expect(read(join(dir, 'memory.max'))).toBe(String(300 * 1024 * 1024));
    expect(read(join(dir, 'memory.swap.max'))).toBe('0');
    expect(read(join(dir, 'pids.max'))).toBe('77');
    expect(s1.joinFiles).toEqual([join(dir, 'cgroup.procs')]);
    expect(s2.joinFiles).toEqual([join(base, 's2', 'cgroup.procs')]);
    // The prefix joins, then becomes the command: the pid written is the command's.
    const argv = [...s1.prefix(), 'sh', '-c', 'echo $$'];
    const run = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(read(join(dir, 'cgroup.procs')).trim()).toBe(run.stdout.trim());
  });

  it("a session on standby weighs 1 among the sessions, and 100 once its standby ends; a Check's sandbox weighs checkCpuWeight", async () => {
    const root = fakeRoot();
    writeFileSync(join(root, 'cgroup.controllers'), 'cpu memory pids\n');
    writeFileSync(join(root, 'cgroup.procs'), '');
    const setup = setupCgroups({ fsRoot: root, selfCgroup: '0::/\n', name: 'socklab-test' });
    if (!setup.ok) throw new Error(setup.why);
    const session = await setup.cgroups.create(limits, { standby: true });
    const weight = join(root, 'socklab-test/s1/cpu.weight');
    expect(read(weight)).toBe('1');
    session.setStandby(false);
    expect(read(weight)).toBe('100');
    // A Check's sandbox steps aside for the sessions: 12 against their 100.
    const check = await setup.cgroups.create(limits, { check: true });
    expect(check.joinFiles).toEqual([join(root, 'socklab-test/s2/cgroup.procs')]);
    expect(read(join(root, 'socklab-test/s2/cpu.weight'))).toBe('12');
    check.setStandby(false);
    expect(read(join(root, 'socklab-test/s2/cpu.weight'))).toBe('12');
  });

  it('at the root of a cgroup namespace, leaves the runner where it is', () => {
    const root = fakeRoot();
    writeFileSync(join(root, 'cgroup.controllers'), 'cpu memory pids\n');
    writeFileSync(join(root, 'cgroup.procs'), '1\n');
    const setup = setupCgroups({ fsRoot: root, selfCgroup: '0::/\n', name: 'socklab-test' });
    expect(setup.ok).toBe(true);
    expect(existsSync(join(root, 'socklab-runner'))).toBe(false);
    expect(read(join(root, 'cgroup.subtree_control'))).toBe('+memory +pids +cpu');
  });

  it('says why when the memory or pids controller is not delegated', () => {
    const root = fakeRoot();
    const group = join(root, 'user.slice');
    mkdirSync(group, { recursive: true });
    writeFileSync(join(root, 'cgroup.controllers'), 'cpu memory pids\n');
    writeFileSync(join(group, 'cgroup.controllers'), 'cpu\n');
    const setup = setupCgroups({ fsRoot: root, selfCgroup: '0::/user.slice\n', name: 'socklab-test' });
    expect(setup.ok).toBe(false);
    if (!setup.ok) expect(setup.why).toMatch(/does not offer memory, pids.*Delegate=yes/);
  });

  it('says why when there are no cgroups at all', () => {
    const setup = setupCgroups({ fsRoot: fakeRoot(), selfCgroup: '', name: 'socklab-test' });
    expect(setup).toEqual({ ok: false, why: expect.stringMatching(/no cgroup/) });
  });
});

describe('per-session cgroups: cgroup v1', () => {
  it('writes memory (TCP buffers and swap included), pids and the CPU share of all sessions, below the runner\'s own groups', async () => {
    const root = v1Root('runner');
    const setup = setupCgroups({ fsRoot: root, selfCgroup: '9:pids:/runner\n4:memory:/runner\n1:cpu,cpuacct:/runner\n0::/\n', name: 'socklab-test' });
    if (!setup.ok) throw new Error(setup.why);
    expect(setup.cgroups.version).toBe(1);
    const session = await setup.cgroups.create(limits);
    const memory = join(root, 'memory/runner/socklab-test/s1');
    expect(read(join(memory, 'memory.limit_in_bytes'))).toBe(String(300 * 1024 * 1024));
    expect(read(join(memory, 'memory.memsw.limit_in_bytes'))).toBe(String(300 * 1024 * 1024));
    expect(read(join(memory, 'memory.kmem.tcp.limit_in_bytes'))).toBe(String(20 * 1024 * 1024));
    expect(read(join(root, 'pids/runner/socklab-test/s1/pids.max'))).toBe('77');
    // 25 on v2's scale of 100 is 256 on v1's 1024 (one runner thread at nice 0).
    expect(read(join(root, 'cpu/runner/socklab-test/cpu.shares'))).toBe('256');
    expect(read(join(root, 'memory/runner/socklab-test/memory.limit_in_bytes'))).toBe(String(2000 * 1024 * 1024));
    expect(read(join(root, 'pids/runner/socklab-test/pids.max'))).toBe('900');
    expect(session.joinFiles).toEqual(['memory', 'pids', 'cpu'].map((c) => join(root, c, 'runner/socklab-test/s1/tasks')));
    // The runner's process in a CPU group of its own beside the sessions': 700 is 7168.
    expect(read(join(root, 'cpu/runner/socklab-test-runner/cpu.shares'))).toBe('7168');
    expect(read(join(root, 'cpu/runner/socklab-test-runner/cgroup.procs'))).toBe(String(process.pid));
    // The relays' group beside it weighs the same; a forker started after the first session goes there at once.
    expect(read(join(root, 'cpu/runner/socklab-test-relays/cpu.shares'))).toBe('7168');
    setup.cgroups.holdRelays(5151);
    expect(read(join(root, 'cpu/runner/socklab-test-relays/cgroup.procs'))).toBe('5151');
    // A process of the runner's own, born in that group, goes back to the one the runner came from.
    setup.cgroups.leaveRunnerGroup(4242);
    expect(read(join(root, 'cpu/runner/cgroup.procs'))).toBe('4242');
  });

  it("where the runner's own CPU group cannot be made, sessions get theirs and the runner says so once", async () => {
    const root = v1Root();
    writeFileSync(join(root, 'cpu/socklab-test-runner'), 'in the way');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const setup = setupCgroups({ fsRoot: root, selfCgroup: '9:pids:/\n4:memory:/\n1:cpu:/\n', name: 'socklab-test' });
      if (!setup.ok) throw new Error(setup.why);
      expect((await setup.cgroups.create(limits)).joinFiles).toHaveLength(3);
      expect((await setup.cgroups.create(limits)).joinFiles).toHaveLength(3);
      expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(/^socklab: the runner keeps the CPU weight of the group it started in \(.*EEXIST/)]);
      setup.cgroups.leaveRunnerGroup(4242);
      expect(read(join(root, 'cpu/cgroup.procs'))).toBe('');
      // Nor a relays' group: the forker stays where it was born.
      setup.cgroups.holdRelays(5151);
      expect(existsSync(join(root, 'cpu/socklab-test-relays'))).toBe(false);
    } finally {
      warn.mockRestore();
    }
  });

  it("a session on standby weighs 2 shares among the sessions, and 1024 once its standby ends; a Check's sandbox weighs checkCpuWeight", async () => {
    const root = v1Root();
    const setup = setupCgroups({ fsRoot: root, selfCgroup: '9:pids:/\n4:memory:/\n1:cpu:/\n', name: 'socklab-test' });
    if (!setup.ok) throw new Error(setup.why);
    const session = await setup.cgroups.create(limits, { standby: true });
    const shares = join(root, 'cpu/socklab-test/s1/cpu.shares');
    expect(read(shares)).toBe('2');
    session.setStandby(false);
    expect(read(shares)).toBe('1024');
    // A session made for its taker is never on standby.
    await setup.cgroups.create(limits);
    expect(existsSync(join(root, 'cpu/socklab-test/s2/cpu.shares'))).toBe(false);
    // A Check's sandbox steps aside for the sessions: 12 on v2's scale is 123 shares against their 1024.
    const check = await setup.cgroups.create(limits, { check: true });
    expect(read(join(root, 'cpu/socklab-test/s3/cpu.shares'))).toBe('123');
    check.setStandby(true);
    expect(read(join(root, 'cpu/socklab-test/s3/cpu.shares'))).toBe('2');
    check.setStandby(false);
    expect(read(join(root, 'cpu/socklab-test/s3/cpu.shares'))).toBe('123');
    // Its group gone (the session ended), ending a standby is nothing to fail on.
    rmSync(join(root, 'cpu/socklab-test/s1'), { recursive: true });
    expect(() => session.setStandby(false)).not.toThrow();
  });

  it('a session group that cannot be made leaves nothing half made behind', async () => {
    const root = v1Root();
    const setup = setupCgroups({ fsRoot: root, selfCgroup: '9:pids:/\n4:memory:/\n1:cpu:/\n', name: 'socklab-test' });
    if (!setup.ok) throw new Error(setup.why);
    mkdirSync(join(root, 'cpu/socklab-test/s1'));
    await expect(setup.cgroups.create(limits)).rejects.toThrow(/EEXIST/);
    expect(existsSync(join(root, 'memory/socklab-test/s1'))).toBe(false);
  });

  it('removes groups left by a runner that died', () => {
    const root = v1Root('socklab-999999999/s3');
    mkdirSync(join(root, 'cpu/socklab-999999999-runner'));
    mkdirSync(join(root, 'cpu/socklab-999999999-relays'));
    // A runner started from inside that runner's CPU group made its whole tree below it.
    for (const g of ['socklab-888888888/s1', 'socklab-888888888/s2', 'socklab-888888888-runner', 'socklab-888888888-relays']) mkdirSync(join(root, 'cpu/socklab-999999999-runner', g), { recursive: true });
    const setup = setupCgroups({ fsRoot: root, selfCgroup: '9:pids:/\n4:memory:/\n1:cpu:/\n', name: 'socklab-test' });
    expect(setup.ok).toBe(true);
    for (const c of ['memory', 'pids', 'cpu']) expect(existsSync(join(root, c, 'socklab-999999999'))).toBe(false);
    expect(existsSync(join(root, 'cpu/socklab-999999999-runner'))).toBe(false);
    expect(existsSync(join(root, 'cpu/socklab-999999999-relays'))).toBe(false);
  });

  it('kills what a runner that died left in its groups (a bwrap waiting for ever for its dead child)', async () => {
    const root = v1Root('socklab-999999999/s3');
    const left = spawn('sleep', ['60'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => left.on('exit', (_code, signal) => resolve(signal)));
    try {
      writeFileSync(join(root, 'pids/socklab-999999999/s3/cgroup.procs'), `${left.pid}\n`);
      expect(setupCgroups({ fsRoot: root, selfCgroup: '9:pids:/\n4:memory:/\n1:cpu:/\n', name: 'socklab-test' }).ok).toBe(true);
      expect(await exited).toBe('SIGKILL');
      // The other hierarchies' groups, with nothing in them, are gone.
      expect(existsSync(join(root, 'memory/socklab-999999999'))).toBe(false);
    } finally {
      if (left.exitCode === null && left.signalCode === null) left.kill('SIGKILL');
    }
  });
});
