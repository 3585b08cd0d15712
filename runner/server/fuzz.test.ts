/**
 * The WebSocket protocol against random and malformed input (issue 8,
 * "hostile input"): property-based with fast-check. Every message is
 * answered, in order, with a stable error code when it is not a valid
 * ClientMessage (bad_json, bad_message, binary_not_expected,
 * message_too_large), valid ones never end in `internal`, and the runner,
 * a separate process here, keeps serving: another session echoes every key
 * throughout.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ClientMessage, ErrorCode, type ServerMessage } from '../../protocol/messages.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
import { echoSummary, spawnEchoProbe } from '../../test/support/echo-probe.ts';
import { serveChild, type ServedRunner } from '../../test/support/serve-child.ts';
import { TestClient } from '../../test/support/test-client.ts';

type Case =
  | { kind: 'text'; data: string }
  | { kind: 'binary'; data: Uint8Array }
  | { kind: 'fragments'; parts: string[] }
  | { kind: 'huge'; extra: number; far: boolean };

const TYPES = ['open', 'files', 'run', 'input', 'resize', 'ack', 'stop', 'restart', 'addClient', 'close', 'inspect', 'check', 'checkStop'];
const HOSTILE_NAMES = ['../x', '/etc/passwd', 'a/../../b', 'a\0b', '\0', '', '.', '..', '...', 'server.py\0.txt', 'x'.repeat(300), '.bashrc', 'server.py/', '~', '$(id)', 'ü.py', ' server.py', 'server.py '];

const anyValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(-1, 0, 1, 255, 256, 2 ** 31, 2 ** 53, Number.MAX_VALUE),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);
const procId = fc.oneof(fc.integer({ min: -3, max: 300 }), anyValue);
const file = fc.record({ name: fc.oneof(fc.constantFrom(...HOSTILE_NAMES), fc.string({ maxLength: 70 })), content: fc.oneof(fc.string({ maxLength: 200 }), anyValue) });

/** Messages shaped like the protocol's, with some fields wrong. */
const nearMessage = fc.oneof(
  fc.record(
    {
      type: fc.oneof(fc.constantFrom(...TYPES), fc.string({ maxLength: 12 }), anyValue),
      proc: procId,
      data: fc.oneof(fc.string({ maxLength: 50 }), anyValue),
      cols: anyValue,
      rows: anyValue,
      bytes: anyValue,
      on: anyValue,
      clients: anyValue,
      lab: fc.oneof(fc.constantFrom('tcp-echo', 'udp-echo', '../tcp-echo', ''), anyValue),
      lang: fc.oneof(fc.constantFrom('python', 'java', 'javascript', 'cobol'), anyValue),
      only: fc.oneof(fc.constantFrom('server', '../x', 'nope'), anyValue),
      session: fc.uuid(),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record({ type: fc.constant('files'), files: fc.array(file, { maxLength: 80 }) }),
  fc.record({ type: fc.constantFrom('input', 'resize', 'ack', 'stop', 'restart'), proc: fc.integer({ min: 1, max: 255 }), data: fc.string({ maxLength: 20 }), cols: fc.integer({ min: 2, max: 100 }), rows: fc.integer({ min: 1, max: 50 }), bytes: fc.nat() }).map(({ type, proc, data, cols, rows, bytes }) =>
    type === 'input' ? { type, proc, data } : type === 'resize' ? { type, proc, cols, rows } : type === 'ack' ? { type, proc, bytes } : { type, proc },
  ),
);

const caseArb: fc.Arbitrary<Case> = fc.oneof(
  { weight: 10, arbitrary: nearMessage.map((m) => ({ kind: 'text' as const, data: JSON.stringify(m) })) },
  { weight: 3, arbitrary: fc.json().map((data) => ({ kind: 'text' as const, data })) },
  { weight: 3, arbitrary: fc.string({ maxLength: 200, unit: 'binary' }).map((data) => ({ kind: 'text' as const, data })) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }).map((data) => ({ kind: 'binary' as const, data })) },
  { weight: 2, arbitrary: fc.tuple(nearMessage, fc.integer({ min: 2, max: 6 })).map(([m, n]) => ({ kind: 'fragments' as const, parts: split(JSON.stringify(m), n) })) },
  { weight: 1, arbitrary: fc.record({ extra: fc.integer({ min: 1, max: 64 * 1024 }), far: fc.boolean() }).map(({ extra, far }) => ({ kind: 'huge' as const, extra, far })) },
);

function split(s: string, n: number): string[] {
  const size = Math.ceil(s.length / n) || 1;
  const parts: string[] = [];
  for (let i = 0; i < s.length; i += size) parts.push(s.slice(i, i + size));
  return parts.length ? parts : [''];
}

/** The error code a message must get, or null when it is valid (any answer but `internal`). */
function expectedCode(c: Case): ErrorCode | null {
  if (c.kind === 'binary') return 'binary_not_expected';
  if (c.kind === 'huge') return 'message_too_large';
  const text = c.kind === 'text' ? c.data : c.parts.join('');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'bad_json';
  }
  return ClientMessage.safeParse(parsed).success ? null : 'bad_message';
}

describe('the WebSocket protocol under random and malformed messages', () => {
  let runner: ServedRunner | null = null;
  afterAll(async () => {
    expect(await runner?.stop()).toBe(0);
  });

  it('answers each with a stable code, in order, while another session keeps echoing', async () => {
    runner = await serveChild();
    const url = runner.url;
    const probe = await spawnEchoProbe(url, '127.0.4.1');
    let address = 1;
    let fuzzer: TestClient | null = null;
    const retired: TestClient[] = [];
    const connectFuzzer = async () => {
      if (fuzzer) retired.push(fuzzer);
      // A fresh source address per connection: closed sessions need not be forgotten first.
      const c = await TestClient.connect(url, { ws: { localAddress: `127.0.5.${address++}` }, keepOutput: false });
      await c.waitFor((m) => m.type === 'hello', 10_000);
      c.send({ type: 'open', lab: 'tcp-echo', lang: 'python' });
      expect(await c.waitFor((m) => m.type === 'opened' || m.type === 'error', 20_000)).toMatchObject({ type: 'opened' });
      fuzzer = c;
      return c;
    };
    await connectFuzzer();
    probe.take();
    const counts: Record<string, number> = {};
    let failure: unknown = null;
    try {
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          const f = fuzzer!.ws.readyState === fuzzer!.ws.OPEN ? fuzzer! : await connectFuzzer();
          const from = f.messages.length;
          if (c.kind === 'text') f.sendRaw(c.data, false);
          else if (c.kind === 'binary') f.sendRaw(Buffer.from(c.data), true);
          else if (c.kind === 'fragments') c.parts.forEach((p, i) => f.ws.send(p, { binary: false, fin: i === c.parts.length - 1 }));
          else f.sendRaw('"' + 'x'.repeat((c.far ? 2 : 1) * DEFAULT_LIMITS.maxMessageBytes + c.extra) + '"', false);
          const want = expectedCode(c);
          counts[want ?? 'valid'] = (counts[want ?? 'valid'] ?? 0) + 1;
          if (c.kind === 'huge' && c.far) {
            // Far too big to read at all: told why in words, then closed (1009: message too big).
            expect(await f.waitFor((m) => m.type === 'error' && m.code === 'message_too_large', 10_000, from)).toBeTruthy();
            expect((await f.closed).code).toBe(1009);
            return;
          }
          // A sentinel the runner answers in order: everything before it has been handled.
          f.send({ type: 'open', lab: 'tcp-echo', lang: 'python' });
          const answered = await f.until(
            () => f.messages.slice(from).some((m) => m.type === 'error' && m.code === 'session_exists') || f.ws.readyState === f.ws.CLOSED,
            20_000,
            'the sentinel answered',
          ).catch((err: Error) => {
            throw new Error(`${err.message}\nafter ${JSON.stringify(c).slice(0, 300)}`);
          });
          expect(answered).toBe(true);
          const got = f.messages.slice(from);
          // (Errors of an earlier valid message that finished only now may come along.)
          const codes = got.filter((m): m is Extract<ServerMessage, { type: 'error' }> => m.type === 'error').map((m) => m.code);
          if (want) expect(codes, JSON.stringify(c).slice(0, 300)).toContain(want);
        }),
        { numRuns: 200, interruptAfterTimeLimit: 240_000 },
      );
      // One more of each kind the issue names, spelled out.
      const f = fuzzer!.ws.readyState === fuzzer!.ws.OPEN ? fuzzer! : await connectFuzzer();
      const many = Array.from({ length: 10_000 }, (_, i) => ({ name: `f${i}.py`, content: '' }));
      const from = f.messages.length;
      f.sendRaw(JSON.stringify({ type: 'files', files: many }));
      f.send({ type: 'files', files: [{ name: 'server.py', content: 'print(1)\n' }] });
      await f.waitFor((m) => m.type === 'files', 10_000, from);
      expect(f.messages.slice(from).find((m) => m.type === 'error')).toMatchObject({ code: 'bad_message' });
    } catch (err) {
      failure = err;
    }
    const echo = echoSummary(probe.take(), '200 fuzz cases');
    for (const c of [...retired, fuzzer!]) await c.close();
    await probe.stop();
    if (failure) throw failure;
    const all = [...retired, fuzzer!].flatMap((c) => c.messages);
    // Nothing the runner sends is malformed or a stack trace, and nothing it did not expect happened.
    expect([...retired, fuzzer!].flatMap((c) => c.invalid)).toEqual([]);
    expect(all.filter((m) => m.type === 'error' && m.code === 'internal')).toEqual([]);
    expect(all.filter((m) => m.type === 'error' && /\n\s+at /.test(m.message))).toEqual([]);
    expect(runner.child.exitCode).toBeNull();
    expect(runner.log()).not.toMatch(/unexpected error|\n\s+at /);
    console.log(`fuzz cases by expected answer: ${JSON.stringify(counts)}; ${echo.summary}`);
    expect(echo.ok, echo.summary).toBe(true);
  }, 400_000);
});
