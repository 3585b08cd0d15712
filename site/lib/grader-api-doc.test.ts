/**
 * The "Write a lab" page's API reference is read from runner/grader/api.ts:
 * every method of the Harness and of what it returns is found, with its
 * JSDoc where it has one, and has an example; no example names a method
 * that is gone.
 */
import { describe, expect, it } from 'vitest';
import { graderApi } from './grader-api-doc.ts';
import { EXAMPLES } from './grader-api-examples.ts';

const api = graderApi();
const WITH_EXAMPLES = ['Harness', 'Program', 'Conn', 'Listener', 'UdpPeer'];

describe('the grader API reference', () => {
  it('finds the interfaces and their members in api.ts', () => {
    expect(api.map((i) => i.name)).toEqual(expect.arrayContaining(['CheckDef', 'Harness', 'Program', 'Conn', 'Listener', 'UdpPeer', 'Datagram', 'FailureDetails']));
    const harness = api.find((i) => i.name === 'Harness')!;
    expect(harness.members.map((m) => m.name)).toEqual(['t', 'locale', 'lang', 'port', 'ports', 'start', 'connect', 'socket', 'udp', 'listen', 'udpServer', 'lose', 'openPage', 'submitted', 'note', 'fail', 'sleep', 'teardown']);
    expect(harness.members.find((m) => m.name === 'connect')!.doc).toBe('Opens a TCP connection to a port inside the sandbox; fails the check with a hint if refused.');
    expect(api.find((i) => i.name === 'CheckDef')!.members.find((m) => m.name === 'points')!.signature).toBe('points?: number;');
  });

  it('has an example for every method, and none for a method that is gone', () => {
    const methods = api.filter((i) => WITH_EXAMPLES.includes(i.name)).flatMap((i) => i.members.filter((m) => m.signature.includes('(')).map((m) => `${i.name}.${m.name}`));
    expect(methods.length).toBeGreaterThan(25);
    expect(methods.filter((m) => !EXAMPLES[m])).toEqual([]);
    const all = new Set(api.flatMap((i) => i.members.map((m) => `${i.name}.${m.name}`)));
    expect(Object.keys(EXAMPLES).filter((k) => !all.has(k))).toEqual([]);
  });

  it('reads a member declared over several lines, and an interface without JSDoc', () => {
    const [i] = graderApi(`export interface X {\n  /**\n   * Two\n   * lines.\n   */\n  go(\n    a: number,\n    b: { c: string },\n  ): void;\n  readonly n: number;\n}\n`);
    expect(i).toEqual({ name: 'X', doc: '', members: [{ name: 'go', signature: 'go(a: number, b: { c: string }): void;', doc: 'Two lines.' }, { name: 'n', signature: 'readonly n: number;', doc: '' }] });
  });
});
