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
/** How long a write of the flood waits before the grader looks whether the client waits for ever (most are taken at once). */
const LOOK_AFTER_MS = 100;

/** Lines the talker sends past the non-reading member, and their size. */
const TALK_LINES = 20_000;
const TALK_LINE_BYTES = 300;
/**
 * Lines the talker has sent and not yet seen echoed, at most (so its own
 * backlog stays small). It sends more each time it has read every echo that
 * came and would wait: it is not silent while the server has echoes left to
 * send. A talker that sent a batch and then waited for all of it sat silent
 * while a server with Nagle's algorithm on (Java's and Node's default) held
 * all but the first echo until that one was acknowledged, and the grader's
 * kernel delayed that acknowledgement 40 ms, having nothing to send it
 * with: 40 ms a batch, 9 s of the check.
 */
const TALK_WINDOW = 100;
/**
 * Lines the talker has sent and the reader has yet to receive, at most: half
 * the backlog the lesson gives each client (maxsize=1000), so a server whose
 * writer towards the reader is kept off the CPU a moment does not drop a
 * reader that reads all it is sent (the talker, paced by its own echoes
 * alone, ran 1000 lines ahead of it on a loaded machine).
 */
const READER_LAG = 500;
/** How long the talker, held back by the reader, waits for it to move before it waits for an echo instead: longer than a delayed acknowledgement (40 ms). */
const READER_MOVE_MS = 50;

/** Bytes broadcast past the non-reading member in the memory check, and the growth allowed. */
const MEMORY_BYTES = 256 * MB;
const MEMORY_LINE_BYTES = 8000;
/** Lines the talker has sent and not yet seen echoed, at most (so its own backlog stays small). */
const MEMORY_BATCH = 32;
/**
 * Lines per write: a new write goes out as soon as the echoes of an earlier
 * one are back, so the server works on the next lines while the grader reads
 * (a whole batch sent, then all of it awaited, left each side idle in turn).
 */
const MEMORY_STEP = 8;
/** The server's memory is looked at after every this many echoed lines. */
const MEMORY_SAMPLE_LINES = 1024;
const MEMORY_GROWTH_MAX = 96 * MB;

type H = Harness<typeof messages.en>;

/**
 * The lesson's advice in the student's programming language: `reader` for a
 * client that stops reading while it waits for the keyboard, `flush` for one
 * that read a line and holds what it prints.
 */
function languageHint(h: H, kind: 'reader' | 'flush'): string {
  const lang = h.lang === 'javascript' || h.lang === 'java' ? h.lang : 'python';
  return h.t(`hint.${kind}.${lang}` as const);
}

/** The client under test, connected to the grader's server, its nickname received. */
async function joinedClient(h: H): Promise<{ client: Program; conn: Conn }> {
  const server = await h.listen(PORT);
  const client = await h.start('client');
  const conn = await server.accept({ timeoutMs: 5000, why: h.t('why.connectAtStart') });
  client.type('ana');
  await conn.expectLine('ana', { timeoutMs: 5000, what: h.t('what.nickname') });
  await conn.sendLine('* ana joined the chat');
  // Its own failure, not expectOutput's: a client that blocks on the keyboard gets the lesson's hint, and only one
  // that took the line from the socket and waits (it reads, but holds what it prints) a flushing one.
  if (!(await client.expectOutput('* ana joined the chat', { timeoutMs: 5000 }).then(() => true, () => false))) {
    const taken = await conn.waitTaken(200);
    h.fail(h.t('join.notPrinted'), {
      expected: q('* ana joined the chat\n'),
      received: h.t('join.notPrintedReceived'),
      hint: languageHint(h, taken ? 'flush' : 'reader'),
    });
  }
  return { client, conn };
}

/** A server-side member: its connection, nickname sent and its own join line read. */
async function member(h: H, nick: string): Promise<Conn> {
  const c = await h.connect(PORT, { label: nick });
  await c.sendLine(nick);
  for (;;) {
    const line = await c.readLine({ timeoutMs: 5000 }).catch(() => undefined);
    if (line === `* ${nick} joined the chat`) return c;
    if (line == null) {
      h.fail(h.t('member.noJoin', { nick }), {
        expected: q(`* ${nick} joined the chat\n`),
        received: h.t('nothing'),
        hint: h.t('member.hint'),
      });
    }
  }
}

/**
 * Copies of the line `template` (its "\n" included) in one buffer, each
 * numbered in `digits` digits at byte `at`: a flood of megabytes is written
 * from it rather than joined from strings, and only the numbers are written
 * again for each batch (a buffer per batch, copied whole, cost bounded-memory
 * 512 MB of copies and allocations, and the collections they called for).
 */
class NumberedLines {
  private readonly buf: Buffer;

  constructor(private readonly template: Buffer, private readonly at: number, private readonly digits: number, most: number) {
    this.buf = Buffer.concat(Array.from({ length: most }, () => template));
  }

  /** Lines `first` to `first + n - 1`: valid until the next call (a send of them is awaited first). */
  next(first: number, n: number): Buffer {
    const size = this.template.length;
    for (let k = 0; k < n; k++) this.buf.write(String(first + k).padStart(this.digits, '0'), k * size + this.at, 'latin1');
    return this.buf.subarray(0, n * size);
  }

  /** The same lines, each without its "\n": views, not copies. */
  lines(first: number, n: number): Buffer[] {
    const batch = this.next(first, n);
    const size = this.template.length;
    return Array.from({ length: n }, (_, k) => batch.subarray(k * size, (k + 1) * size - 1));
  }
}

/** A line's bytes as text, decoded as readLine decodes them. */
const text = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8');

/** `s`, or its first 60 characters and its length when it is longer. */
const cut = (h: H, s: string) => (s.length > 60 ? h.t('cut', { text: s.slice(0, 60), n: s.length }) : s);

/**
 * Reads `want` line by line, in order, skipping announcements ("* "); fails
 * when a line does not come within `ms`, the server closes the connection,
 * or another chat line comes instead;
 * given the `silent` server (the grader sends nothing while it reads), also
 * once that server waits for ever (Program.blockedIn).
 * The lines are compared as bytes (the expected ones are ASCII, so equal
 * bytes are equal text), and only a failure decodes them: a flood's lines,
 * decoded and built as strings, cost most of the grader's CPU.
 * The failure names no line number (it depends on timing): the transcript does.
 */
async function expectLines(h: H, c: Conn, want: Uint8Array[], ms: number, what: string, hint: string, silent?: Program): Promise<void> {
  for (const line of want) {
    for (;;) {
      const got = await c.readLine({ timeoutMs: ms, untilBlocked: silent !== undefined, bytes: true }).catch(() => undefined);
      if (got && Buffer.compare(got, line) === 0) break;
      if (got == null) {
        h.note(h.t('lines.waiting', { who: c.label, line: q(cut(h, text(line))) }));
        const call = got === null ? undefined : await silent?.blockedIn();
        const message = got === null ? h.t('lines.closed', { who: c.label, what }) : call ? h.t('lines.stoppedBlocked', { who: c.label, what, call }) : h.t('lines.stopped', { who: c.label, what, s: ms / 1000 });
        h.fail(message, { expected: h.t('lines.expected', { what }), received: h.t('lines.nothingMore'), hint });
      }
      if (got[0] !== 0x2a || got[1] !== 0x20) {
        h.note(h.t('lines.waitingGot', { who: c.label, line: q(cut(h, text(line))), got: q(cut(h, text(got))) }));
        h.fail(h.t('lines.other', { who: c.label, what }), { expected: h.t('lines.expected', { what }), received: h.t('lines.outOfOrder'), hint: h.t('lines.hint') });
      }
    }
  }
}

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
      h.note(h.t('flood.note', { count, mb: FLOOD_BYTES / MB }));
      const t0 = Date.now();
      const perWrite = Math.ceil((256 * 1024) / FLOOD_LINE_BYTES);
      const flood = new NumberedLines(Buffer.from(`[bob] 0000000 ${pad}\n`, 'latin1'), 6, 7, perWrite);
      for (let first = 1; first < count; first += perWrite) {
        const i = Math.min(first + perWrite, count) - 1; // the last line of this write
        const w0 = Date.now();
        let taken = false;
        const sent = conn.send(flood.next(first, i - first + 1)).then(() => (taken = true));
        // A write may wait while a slow machine prints; it stalls when it waits a second in which the client printed nothing.
        for (;;) {
          const printedBefore = client.printed;
          const w1 = Date.now();
          // Most writes are taken at once, and cost no look at the client.
          if (await Promise.race([sent, h.sleep(LOOK_AFTER_MS).then(() => false)])) break;
          // ...or it stalls at once when the client waits where only typing wakes it (input()): it reads the socket no more.
          const looking = new AbortController();
          const call = await Promise.race([sent.then(() => undefined), client.waitBlocked(STALL_MS - LOOK_AFTER_MS, looking.signal)]);
          looking.abort();
          if (taken) break;
          if (call) {
            h.note(h.t('flood.stallBlockedNote', { mb: ((i * FLOOD_LINE_BYTES) / MB).toFixed(1), call }));
            h.fail(h.t('flood.stalledBlocked', { call }), { expected: h.t('flood.expected'), received: h.t('flood.receivedBlocked', { call }), hint: languageHint(h, 'reader') });
          }
          // Not waiting for ever (or gone): the rest of the second.
          if (await Promise.race([sent, h.sleep(Math.max(0, STALL_MS - (Date.now() - w1))).then(() => false)])) break;
          if (client.printed === printedBefore) {
            h.note(h.t('flood.stallNote', { ms: Date.now() - w0, mb: ((i * FLOOD_LINE_BYTES) / MB).toFixed(1) }));
            h.fail(h.t('flood.stalled'), {
              expected: h.t('flood.expected'),
              received: h.t('flood.received'),
              hint: languageHint(h, 'reader'),
            });
          }
        }
      }
      await conn.sendLine(last);
      await client.expectOutput(last, { timeoutMs: Math.max(1, 10_000 - (Date.now() - t0)), what: h.t('flood.lastWhat', { count }) });
      h.note(h.t('flood.done', { mb: FLOOD_BYTES / MB, ms: Date.now() - t0 }));
    },
  },
  {
    id: 'typed-line',
    name: 'check.typedLine',
    role: 'client',
    dependsOn: ['prints-while-idle'],
    async run(h) {
      const { client, conn } = await joinedClient(h);
      const line = `[bob] ${'y'.repeat(200)}`;
      await conn.send(`${line}\n`.repeat(5000));
      // Typed while the flood is printed (printing is proven by prints-while-idle).
      await client.expectOutput(line, { timeoutMs: 5000, what: h.t('what.floodLine') });
      client.type('hello after the flood');
      await conn.expectLine('hello after the flood', { timeoutMs: 5000, what: h.t('what.typed') });
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
      await conn.expectLine('bye', { timeoutMs: 5000, what: h.t('what.typed') });
      client.endInput();
      const end = await conn.readLine({ timeoutMs: 5000 }).catch(() => undefined);
      if (end !== null) {
        // A Python client that waits for ever in recv() alone, no thread reading the keyboard any more, saw the end of
        // input; most likely it closed the socket while its reader thread was blocked in recv() on it, and that close()
        // ends neither the connection nor the thread on Linux. One still in read() took the end for an empty line (on a
        // terminal the next read waits again), or never looked: the usual hint.
        const call = end === undefined && h.lang === 'python' ? await client.blockedIn() : undefined;
        const inRecvOnly = call !== undefined && call.split(', ').every((c) => /^recv(from|msg)?\(\)$/.test(c));
        h.fail(h.t('eof.open'), {
          expected: h.t('eof.expected'),
          received: end === undefined ? h.t('eof.stillOpen') : q(`${cut(h, end)}\n`),
          hint: inRecvOnly ? h.t('eof.hintBlocked', { call }) : h.t('eof.hint'),
        });
      }
      await client.expectExit({ timeoutMs: 5000, code: 0, why: h.t('eof.exitWhy') });
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
      await a.expectLine('* bob joined the chat', { timeoutMs: 5000, what: h.t('what.bobJoin') });
      await a.sendLine('hello, bob');
      for (const c of [a, b]) await c.expectLine('[alice] hello, bob', { timeoutMs: 5000, what: h.t('what.aliceRelayed') });
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
      const server = await h.start('server');
      const slow = await member(h, 'slow');
      h.note(h.t('slow.never'));
      const talker = await member(h, 'talker');
      const reader = await member(h, 'reader');
      const pad = 'z'.repeat(TALK_LINE_BYTES - 12);
      const said = new NumberedLines(Buffer.from(`000000 ${pad}\n`, 'latin1'), 0, 6, TALK_WINDOW);
      const echo = Buffer.from(`[talker] 000000 ${pad}\n`, 'latin1');
      const echoes = new NumberedLines(echo, 9, 6, 1);
      h.note(h.t('slow.talk', { n: TALK_LINES, bytes: TALK_LINE_BYTES, window: TALK_WINDOW, lag: READER_LAG }));
      // The reader waits longer per line than the talker: a stalled server is reported by the talker, the same way each run.
      let readerGot = 0;
      let readerMoved: () => void = () => {};
      const readerDone = (async () => {
        const relayed = new NumberedLines(echo, 9, 6, 1);
        for (let i = 1; i <= TALK_LINES; i++) {
          await expectLines(h, reader, relayed.lines(i, 1), 15_000, h.t('what.talkerLines'), h.t('hint.stall'));
          readerGot = i;
          readerMoved();
        }
      })();
      readerDone.catch(() => {});
      let lastSentAt = 0;
      let sent = 0;
      for (let echoed = 0; echoed < TALK_LINES; ) {
        const n = Math.min(TALK_WINDOW - (sent - echoed), READER_LAG - (sent - readerGot), TALK_LINES - sent);
        // A line already here is read without waiting (it may be an announcement: then nothing sent is awaited, and the talker sends).
        if (n > 0 && (sent === echoed || !talker.pending.includes(0x0a))) {
          await talker.send(said.next(sent + 1, n));
          sent += n;
          lastSentAt = Date.now();
        }
        if (sent === echoed) {
          // Every echo is in and the reader is READER_LAG lines behind: it reads on (or fails, and so does this check).
          await Promise.race([new Promise<void>((r) => (readerMoved = r)), readerDone]);
          continue;
        }
        // Held back by the reader alone, no echo here: a moment for the reader to move first, so that the talker sends
        // on, and so acknowledges the echoes it has read, before it waits for the next. A server with Nagle's algorithm
        // on holds that echo until then, and the grader's kernel delays the acknowledgement 40 ms when the talker sends
        // nothing: 40 ms each time the reader held the talker back (Java's solution: 0.1-0.4 s of this check).
        if (sent - readerGot >= READER_LAG && sent < TALK_LINES && !talker.pending.includes(0x0a)) {
          const moved = await Promise.race([new Promise<boolean>((r) => (readerMoved = () => r(true))), h.sleep(READER_MOVE_MS).then(() => false)]);
          if (moved) continue;
        }
        // The grader sends nothing more until an echo comes: a server blocked for ever sends none.
        await expectLines(h, talker, echoes.lines(echoed + 1, 1), 5000, h.t('what.ownEchoes'), h.t('hint.stall'), server);
        echoed++;
      }
      const inTime = await Promise.race([readerDone.then(() => true), h.sleep(5000).then(() => false)]);
      if (!inTime) {
        h.fail(h.t('slow.late'), { expected: h.t('slow.expected', { n: TALK_LINES }), received: h.t('slow.missing'), hint: h.t('hint.stall') });
      }
      h.note(h.t('slow.done', { n: TALK_LINES, ms: Date.now() - lastSentAt }));
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
      h.note(h.t('slow.never'));
      const before = await server.rssBytes();
      let peak = before;
      const pad = 'm'.repeat(MEMORY_LINE_BYTES - 8);
      const said = new NumberedLines(Buffer.from(`0000000 ${pad}\n`, 'latin1'), 0, 7, MEMORY_STEP);
      const echoes = new NumberedLines(Buffer.from(`[talker] 0000000 ${pad}\n`, 'latin1'), 9, 7, MEMORY_STEP);
      const lines = Math.ceil(MEMORY_BYTES / MEMORY_LINE_BYTES);
      h.note(h.t('memory.talk', { n: lines, bytes: MEMORY_LINE_BYTES, mb: MEMORY_BYTES / MB, batch: MEMORY_BATCH }));
      let sent = 0;
      for (let echoed = 0; echoed < lines; ) {
        while (sent < lines && sent - echoed < MEMORY_BATCH) {
          const n = Math.min(MEMORY_STEP, lines - sent, MEMORY_BATCH - (sent - echoed));
          await talker.send(said.next(sent + 1, n));
          sent += n;
        }
        const n = Math.min(MEMORY_STEP, sent - echoed);
        await expectLines(h, talker, echoes.lines(echoed + 1, n), 5000, h.t('what.ownEchoes'), h.t('hint.stall'), server);
        const sample = echoed === 0 || Math.floor(echoed / MEMORY_SAMPLE_LINES) !== Math.floor((echoed + n) / MEMORY_SAMPLE_LINES);
        echoed += n;
        if (sample) {
          peak = Math.max(peak, await server.rssBytes());
          if (peak - before >= MEMORY_GROWTH_MAX) break;
        }
      }
      peak = Math.max(peak, await server.rssBytes());
      const grew = peak - before;
      h.note(h.t('memory.peak', { before: (before / MB).toFixed(0), peak: (peak / MB).toFixed(0) }));
      if (grew >= MEMORY_GROWTH_MAX) {
        h.fail(h.t('memory.grew'), {
          expected: h.t('memory.expected', { mb: MEMORY_GROWTH_MAX / MB }),
          received: h.t('memory.received', { mb: MEMORY_GROWTH_MAX / MB }),
          hint: h.t('memory.hint'),
        });
      }
      h.note(h.t('memory.done', { grew: (grew / MB).toFixed(1), before: (before / MB).toFixed(0) }));
      void slow;
    },
  },
]);
