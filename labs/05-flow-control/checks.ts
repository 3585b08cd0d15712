/**
 * The grader of lab 05, flow-control (LABS.md section 5). Client role: the
 * grader's server floods a client whose user types nothing; every line must
 * be printed and no write of the grader's may stall. Server role: one member
 * that never reads must not stall the others, nor make the server's memory
 * grow with what it cannot send. The chat protocol is lab 04's.
 */
import { defineChecks, type Conn, type Harness, type Program } from '../../runner/grader/api.ts';
import messages from './messages.ts';

const PORT = 8000;
const q = (s: string) => JSON.stringify(s);
const MB = 1024 * 1024;

/** What the flood pushes at an idle client: more than any socket buffer holds. */
const FLOOD_BYTES = 16 * MB;
const FLOOD_LINE_BYTES = 100;
/** A write of the grader's that takes this long means the client stopped reading. */
const STALL_MS = 1000;

/** Lines the talker sends past the non-reading member, and their size. */
const TALK_LINES = 20_000;
const TALK_LINE_BYTES = 300;
/** Lines the talker sends before it waits for their echoes (so its own backlog stays small). */
const TALK_BATCH = 100;

/** Bytes broadcast past the non-reading member in the memory check, and the growth allowed. */
const MEMORY_BYTES = 256 * MB;
const MEMORY_LINE_BYTES = 8000;
const MEMORY_BATCH = 32;
const MEMORY_GROWTH_MAX = 96 * MB;

type H = Harness<typeof messages.en>;

/** The lesson's advice, in the student's language, for a client that stops reading while it waits for the keyboard. */
function readerHint(h: H): string {
  if (h.lang === 'javascript') return h.t('hint.reader.javascript');
  if (h.lang === 'java') return h.t('hint.reader.java');
  return h.t('hint.reader.python');
}

/** The client under test, connected to the grader's server, its nickname received. */
async function joinedClient(h: H): Promise<{ client: Program; conn: Conn }> {
  const server = await h.listen(PORT);
  const client = await h.start('client');
  const conn = await server.accept({ timeoutMs: 5000, why: 'the client must connect to localhost:8000 as soon as it starts' });
  client.type('ana');
  await conn.expectLine('ana', { timeoutMs: 5000, what: 'the first line typed (the nickname), sent to the server' });
  await conn.sendLine('* ana joined the chat');
  // Polled rather than expectOutput: a client that blocks on the keyboard gets the lesson's hint, not a flushing one.
  for (let waited = 0; !client.output.includes('* ana joined the chat'); waited += 100) {
    if (waited >= 5000) {
      h.fail('the client did not print the server\'s join announcement within 5 s of receiving it', {
        expected: q('* ana joined the chat\n'),
        received: '(not printed)',
        hint: readerHint(h),
      });
    }
    await h.sleep(100);
  }
  return { client, conn };
}

/** A server-side member: its connection, nickname sent and its own join line read. */
async function member(h: Harness, nick: string): Promise<Conn> {
  const c = await h.connect(PORT, { label: nick });
  await c.sendLine(nick);
  for (;;) {
    const line = await c.readLine({ timeoutMs: 5000 }).catch(() => undefined);
    if (line === `* ${nick} joined the chat`) return c;
    if (line == null) {
      h.fail(`${nick} sent its nickname but did not receive its own join announcement within 5 s`, {
        expected: q(`* ${nick} joined the chat\n`),
        received: '(nothing)',
        hint: 'Speak the chat protocol of lab 4: the first line is the nickname, then "* <nick> joined the chat" goes to every named client, the newcomer included.',
      });
    }
  }
}

const cut = (s: string) => (s.length > 60 ? `${s.slice(0, 60)}… (${s.length} characters)` : s);

/**
 * Reads `want` line by line, in order, skipping announcements ("* ..."); fails
 * when a line does not come within `ms` or another chat line comes instead.
 * The failure names no line number (it depends on timing): the transcript does.
 */
async function expectLines(h: Harness, c: Conn, want: string[], ms: number, what: string, hint: string): Promise<void> {
  for (const line of want) {
    for (;;) {
      const got = await c.readLine({ timeoutMs: ms }).catch(() => undefined);
      if (got === line) break;
      if (got == null) {
        h.note(`${c.label} was waiting for ${q(cut(line))}`);
        h.fail(`${c.label} stopped receiving ${what}: nothing came for ${ms / 1000} s`, { expected: `${what}, every one, in order`, received: '(nothing more)', hint });
      }
      if (!got.startsWith('* ')) {
        h.note(`${c.label} was waiting for ${q(cut(line))} and received ${q(cut(got))}`);
        h.fail(`${c.label} received another line where the next of ${what} belonged`, { expected: `${what}, every one, in order`, received: 'a line out of order, or a line lost', hint: 'Lines from one sender must reach every reader whole and in the order sent, none lost.' });
      }
    }
  }
}

const STALL_HINT = 'A member that never reads fills its receive buffer, then your send buffer towards it. If the code that sends to everyone then waits for that member (await drain() for each client in turn, await queue.put() on its full queue, a blocking send), everyone waits with it. Give each client its own bounded queue and its own writer, and drop (or disconnect) a client that falls too far behind.';

export default defineChecks(messages, [
  {
    id: 'prints-while-idle',
    alone: true, // it measures time or memory, which a neighbour on the same cores would change
    name: 'check.printsWhileIdle',
    role: 'client',
    timeoutMs: 40_000,
    async run(h) {
      const { client, conn } = await joinedClient(h);
      const pad = 'x'.repeat(FLOOD_LINE_BYTES - 20);
      const count = Math.ceil(FLOOD_BYTES / FLOOD_LINE_BYTES);
      const last = `[bob] ${String(count).padStart(7, '0')} the last line`;
      h.note(`the user types nothing; the server sends ${count} lines (${FLOOD_BYTES / MB} MB), in 256 KiB writes`);
      const t0 = Date.now();
      let chunk: string[] = [];
      for (let i = 1; i < count; i++) {
        chunk.push(`[bob] ${String(i).padStart(7, '0')} ${pad}\n`);
        if (chunk.length * FLOOD_LINE_BYTES >= 256 * 1024 || i === count - 1) {
          const w0 = Date.now();
          const sent = conn.send(chunk.join('')).then(() => true);
          // A write may wait while a slow machine prints; it stalls when it waits a second in which the client printed nothing.
          for (;;) {
            const printedBefore = client.output.slice(-120);
            if (await Promise.race([sent, h.sleep(STALL_MS).then(() => false)])) break;
            if (client.output.slice(-120) === printedBefore) {
              h.note(`a write of the server's still waited after ${Date.now() - w0} ms, ${((i * FLOOD_LINE_BYTES) / MB).toFixed(1)} MB into the flood, and the client printed nothing for a second`);
              h.fail('the server\'s writes stalled for a second: the client stopped reading the socket while the user typed nothing', {
                expected: 'every line read and printed as it arrives',
                received: 'a write of the server\'s still waiting after a second, and nothing printed meanwhile',
                hint: readerHint(h),
              });
            }
          }
          chunk = [];
        }
      }
      await conn.sendLine(last);
      await client.expectOutput(last, { timeoutMs: Math.max(1, 10_000 - (Date.now() - t0)), what: `the last of the ${count} lines (all must be printed within 10 s of the first)` });
      h.note(`all ${FLOOD_BYTES / MB} MB printed within ${Date.now() - t0} ms`);
    },
  },
  {
    id: 'typed-line',
    name: 'check.typedLine',
    role: 'client',
    dependsOn: ['prints-while-idle'],
    async run(h) {
      const { client, conn } = await joinedClient(h);
      await conn.send(`[bob] ${'y'.repeat(200)}\n`.repeat(5000));
      await h.sleep(300);
      client.type('hello after the flood');
      await conn.expectLine('hello after the flood', { timeoutMs: 5000, what: 'the line the user typed', });
    },
  },
  {
    id: 'end-of-input',
    name: 'check.endOfInput',
    role: 'client',
    dependsOn: ['prints-while-idle'],
    async run(h) {
      const { client, conn } = await joinedClient(h);
      client.type('bye');
      await conn.expectLine('bye', { timeoutMs: 5000, what: 'the line the user typed' });
      client.endInput();
      const end = await conn.readLine({ timeoutMs: 5000 }).catch(() => undefined);
      if (end !== null) {
        h.fail('the connection stayed open 5 s after the end of input (Ctrl-D)', {
          expected: 'the client closes its connection',
          received: end === undefined ? '(the connection still open)' : q(`${cut(end)}\n`),
          hint: 'The end of input is not an empty line: input() raises EOFError, `for line in sys.stdin` ends, sys.stdin.readline() returns \'\' (every time, at once), readline emits \'close\' in Node, and readLine() returns null in Java. Then close the socket and exit.',
        });
      }
      await client.expectExit({ timeoutMs: 5000, code: 0, why: 'after closing its connection at the end of input the client exits with code 0, while the server says nothing more' });
    },
  },
  {
    id: 'relays',
    name: 'check.relays',
    role: 'server',
    async run(h) {
      await h.start('server');
      const a = await member(h, 'alice');
      const b = await member(h, 'bob');
      await a.expectLine('* bob joined the chat', { timeoutMs: 5000, what: 'bob\'s join announcement' });
      await a.sendLine('hello, bob');
      for (const c of [a, b]) await c.expectLine('[alice] hello, bob', { timeoutMs: 5000, what: 'alice\'s line, relayed to everyone' });
      await Promise.all([a.close(), b.close()]);
    },
  },
  {
    id: 'slow-reader',
    alone: true, // it measures time or memory, which a neighbour on the same cores would change
    name: 'check.slowReader',
    role: 'server',
    dependsOn: ['relays'],
    timeoutMs: 60_000,
    async run(h) {
      await h.start('server');
      const slow = await member(h, 'slow');
      h.note('slow never reads another line from now on');
      const talker = await member(h, 'talker');
      const reader = await member(h, 'reader');
      const pad = 'z'.repeat(TALK_LINE_BYTES - 12);
      const text = (i: number) => `${String(i).padStart(6, '0')} ${pad}`;
      h.note(`talker sends ${TALK_LINES} lines of ${TALK_LINE_BYTES} bytes, ${TALK_BATCH} at a time, reading its own echoes; reader reads everything`);
      // The reader waits longer per line than the talker: a stalled server is reported by the talker, the same way each run.
      const readerDone = expectLines(h, reader, Array.from({ length: TALK_LINES }, (_, i) => `[talker] ${text(i + 1)}`), 15_000, "talker's lines", STALL_HINT);
      readerDone.catch(() => {});
      let lastSentAt = 0;
      for (let i = 1; i <= TALK_LINES; i += TALK_BATCH) {
        const batch = Array.from({ length: Math.min(TALK_BATCH, TALK_LINES - i + 1) }, (_, k) => text(i + k));
        await talker.send(batch.map((t) => `${t}\n`).join(''));
        lastSentAt = Date.now();
        await expectLines(h, talker, batch.map((t) => `[talker] ${t}`), 5000, 'the echoes of its own lines', STALL_HINT);
      }
      const inTime = await Promise.race([readerDone.then(() => true), h.sleep(5000).then(() => false)]);
      if (!inTime) {
        h.fail('reader did not receive every one of talker\'s lines within 5 s of the last one being sent', { expected: `all ${TALK_LINES} lines, the last within 5 s`, received: 'still missing lines after 5 s', hint: STALL_HINT });
      }
      h.note(`reader received all ${TALK_LINES} lines, the last ${Date.now() - lastSentAt} ms after it was sent`);
      void slow;
    },
  },
  {
    id: 'bounded-memory',
    alone: true, // it measures time or memory, which a neighbour on the same cores would change
    name: 'check.boundedMemory',
    role: 'server',
    dependsOn: ['relays'],
    timeoutMs: 120_000,
    async run(h) {
      const server = await h.start('server');
      const slow = await member(h, 'slow');
      const talker = await member(h, 'talker');
      h.note('slow never reads another line from now on');
      const before = await server.rssBytes();
      let peak = before;
      const pad = 'm'.repeat(MEMORY_LINE_BYTES - 8);
      const lines = Math.ceil(MEMORY_BYTES / MEMORY_LINE_BYTES);
      h.note(`talker sends ${lines} lines of ${MEMORY_LINE_BYTES} bytes (${MEMORY_BYTES / MB} MB), ${MEMORY_BATCH} at a time, reading its own echoes`);
      for (let i = 1; i <= lines; i += MEMORY_BATCH) {
        const n = Math.min(MEMORY_BATCH, lines - i + 1);
        const batch = Array.from({ length: n }, (_, k) => `${String(i + k).padStart(7, '0')} ${pad}`);
        await talker.send(batch.map((t) => `${t}\n`).join(''));
        await expectLines(h, talker, batch.map((t) => `[talker] ${t}`), 5000, 'the echoes of its own lines', STALL_HINT);
        if ((i - 1) % (MEMORY_BATCH * 32) === 0) {
          peak = Math.max(peak, await server.rssBytes());
          if (peak - before >= MEMORY_GROWTH_MAX) break;
        }
      }
      peak = Math.max(peak, await server.rssBytes());
      const grew = peak - before;
      h.note(`the server's memory: ${(before / MB).toFixed(0)} MB before, ${(peak / MB).toFixed(0)} MB at the peak`);
      if (grew >= MEMORY_GROWTH_MAX) {
        h.fail('the server\'s memory grew without bound while lines went past a client that never reads', {
          expected: `growth under ${MEMORY_GROWTH_MAX / MB} MB`,
          received: `${MEMORY_GROWTH_MAX / MB} MB or more`,
          hint: 'What the slow client cannot take piles up somewhere: in the transport\'s buffer after write() without drain(), in socket.write()\'s queue in Node (write() returns false: its buffer is full), or in an unbounded queue. Bound each client\'s backlog and drop the client (or its lines) once it is full.',
        });
      }
      h.note(`memory grew by ${(grew / MB).toFixed(1)} MB (${(before / MB).toFixed(0)} MB before)`);
      void slow;
    },
  },
]);
