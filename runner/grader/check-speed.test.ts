/**
 * What makes a Check fast without changing what it decides: sandboxes made
 * ahead are each used once and the unused ones closed; with none made ahead
 * one sandbox is made new between checks and closed after the last; class files come
 * out of a sandbox as plain files only; a Java program is compiled once
 * (in a sandbox), names the class `java Server.java` would run, and one
 * that does not compile runs as source.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { resolveLimits } from '../limits.ts';
import { chooseBackend, type Sandbox } from '../sandbox/index.ts';
import { packTar, unpackTar } from '../sandbox/tar.ts';
import { compileJava, compiledProgram } from './java-classes.ts';
import { SandboxSupply } from './sandbox-supply.ts';

const backend = chooseBackend('bwrap');
const limits = resolveLimits();
const opened: Sandbox[] = [];
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
});

describe('unpackTar', () => {
  it('reads back the regular files packTar wrote, text and binary', () => {
    const files = unpackTar(packTar([{ name: 'a.txt', content: 'héllo' }, { name: 'B$1.class', content: new Uint8Array([0xca, 0xfe, 0, 1]) }]));
    expect(files.map((f) => [f.name, [...f.content]])).toEqual([['a.txt', [...Buffer.from('héllo')]], ['B$1.class', [0xca, 0xfe, 0, 1]]]);
  });

  it('reads only inside the work dir', async () => {
    const s = await backend.create(limits);
    opened.push(s);
    await expect(s.readFiles('../etc', 1 << 20)).rejects.toThrow(/not a folder of the work dir/);
    await expect(s.readFiles('/etc', 1 << 20)).rejects.toThrow(/not a folder of the work dir/);
  });

  it('stops at a header whose size runs past the end, never reading beyond the archive', () => {
    const tar = packTar([{ name: 'x', content: 'abc' }]);
    tar.write('77777777777\0', 124, 'ascii');
    expect(unpackTar(tar)).toEqual([]);
  });
});

describe('SandboxSupply', () => {
  it('gives each taker a sandbox of its own with its kind of files, makes no more than needed, and closes the ones never taken', async () => {
    const create = backend.create;
    const made: Sandbox[] = [];
    const counting = { ...backend, create: (l: typeof limits) => create(l).then((s) => (made.push(s), s)) };
    const supply = new SandboxSupply(counting, limits, ['server', 'client', 'server'], 2, (s, role) => s.writeFiles([{ name: `${role}.txt`, content: role }]));
    // Taken out of plan order: the client's sandbox was made ahead all the same.
    const client = supply.take('client');
    const server = supply.take('server');
    const [a, b] = await Promise.all([client.sandbox, server.sandbox]);
    opened.push(a, b);
    await Promise.all([client.ready, server.ready]);
    expect(b.pid).not.toBe(a.pid);
    await supply.close();
    // Two made ahead at the start, one more when the first was taken, none past the three needed.
    expect(made.length).toBe(3);
    await made.find((s) => s !== a && s !== b)!.ended; // the one never taken: closed with the supply
    // The taken ones are their checks' own: still open, each with its own files only.
    expect((await a.readFiles('.', 1 << 20)).map((f) => f.name)).toEqual(['client.txt']);
    expect((await b.readFiles('.', 1 << 20)).map((f) => f.name)).toEqual(['server.txt']);
  }, 30_000);

  it('with none made ahead (a class), one sandbox serves the checks one after another, made new between them and closed after the last', async () => {
    const create = backend.create;
    const made: Sandbox[] = [];
    const counting = { ...backend, create: (l: typeof limits) => create(l).then((s) => (made.push(s), s)) };
    const supply = new SandboxSupply(counting, limits, ['server', 'client'], 0, (s, role) => s.writeFiles([{ name: `${role}.txt`, content: role }]));
    const first = supply.take('server');
    const a = await first.sandbox;
    opened.push(a);
    await first.ready;
    void supply.giveBack(a, true);
    const second = supply.take('client');
    expect(await second.sandbox).toBe(a);
    await second.ready;
    // Made new: the last check's files are gone, this one's are in.
    expect((await a.readFiles('.', 1 << 20)).map((f) => f.name)).toEqual(['client.txt']);
    // No check is left to take it: closed, not made new for nobody.
    await supply.giveBack(a, true);
    expect(await Promise.race([a.ended.then(() => 'closed'), new Promise((r) => setTimeout(r, 3000, 'still open'))])).toBe('closed');
    expect(made).toEqual([a]);
    await supply.close();
  }, 30_000);
});

describe('compileJava', () => {
  it('compiles each program once in a sandbox, runs the class java Server.java would, and leaves the rest to run as source', async () => {
    const first = { name: 'Server.java', content: 'class Launch { public static void main(String[] a) { System.out.println(Helper.up("hi")); } }\nclass Helper { static String up(String s) { return s.toUpperCase(); } }\npublic class Server {}\n' };
    const noMain = { name: 'Client.java', content: 'class Helper { }\npublic class Client { public static void main(String[] a) { } }\n' };
    const broken = { name: 'Client.java', content: 'public class Client { public static void main(String[] a) { int x = "no"; } }\n' };
    await compileJava(backend, limits, [first, noMain, broken]);
    // The first top-level class, as the source launcher picks it.
    expect(compiledProgram(first)?.main).toBe('Launch');
    expect(compiledProgram(first)?.classes.map((c) => c.name).sort()).toEqual(['Helper.class', 'Launch.class', 'Server.class']);
    expect(compiledProgram(noMain)).toBeUndefined();
    expect(compiledProgram(broken)).toBeUndefined();
    // Unchanged files are not compiled again: no sandbox is made for them.
    let made = 0;
    const counting = { ...backend, create: (l: typeof limits) => (made++, backend.create(l)) };
    await compileJava(counting, limits, [first, noMain, broken]);
    expect(made).toBe(0);
  }, 60_000);

  it('stopped (its grade aborted) ends the compiling JVM and keeps nothing of it', async () => {
    const file = { name: 'Server.java', content: `public class Server { public static void main(String[] a) { System.out.println("${Date.now()}"); } }\n` };
    const stop = new AbortController();
    // Stopped once its sandbox is made, while the JVM starts.
    const stopping = { ...backend, create: async (l: typeof limits, o?: Parameters<typeof backend.create>[1]) => { const s = await backend.create(l, o); setTimeout(() => stop.abort(), 100); return s; } };
    await compileJava(stopping, limits, [file], stop.signal);
    expect(compiledProgram(file)).toBeUndefined();
    // Not kept as "does not compile" either: the next grade compiles it.
    let made = 0;
    const counting = { ...backend, create: (l: typeof limits, o?: Parameters<typeof backend.create>[1]) => (made++, backend.create(l, o)) };
    await compileJava(counting, limits, [file]);
    expect(made).toBe(1);
    expect(compiledProgram(file)?.main).toBe('Server');
  }, 60_000);
});
