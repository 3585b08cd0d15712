/**
 * A room of grader clients connected to a student's broadcast server, shared
 * by the graders of labs 03 (threaded-broadcast) and 04 (async-chat): every
 * line one member says must reach every member, whole, in order. A failure
 * names the mistake behind what the members saw (served one at a time, only
 * echoed, cut or mixed lines, stopped after a client left), not only the
 * line that differed.
 */
import type { Conn, Harness, Program } from '../../runner/grader/api.ts';

/** What the server sends for each event; the two labs differ only in this. */
export interface Protocol {
  /** The line a new member sends first, and the line every member (itself included) then receives. */
  hello(nick: string): { send: string; receive: string };
  /** The line every member receives when `nick` says `text`. */
  relay(nick: string, text: string): string;
  /** The line the others receive when `nick` leaves, or null when nothing is announced. */
  goodbye(nick: string): string | null;
}

/** One grader client in the room. */
export interface Member {
  /** Who the grader's client is in messages ("A"); unique. */
  label: string;
  /** The name the server knows it by (two members may share one). */
  nick: string;
  conn: Conn;
}

const q = (s: string) => JSON.stringify(s);
const LINE_WAIT_MS = 5000;

/** The members of a room, in the order they joined. */
export class Room {
  readonly members: Member[] = [];

  constructor(
    readonly h: Harness,
    readonly server: Program,
    readonly port: number,
    readonly protocol: Protocol,
  ) {}

  /** The member called `label`. */
  member(label: string): Member {
    const m = this.members.find((x) => x.label === label);
    if (!m) throw new Error(`checks: no member "${label}" in the room`);
    return m;
  }

  /**
   * Connects a new member and says hello; waits until every member has the
   * hello line, so the server is known to have the newcomer in its list.
   * `selfOnly`: only the newcomer's own copy is read (the others' stay unread).
   */
  async join(label: string, nick = label, opts: { selfOnly?: boolean } = {}): Promise<Member> {
    const conn = await this.h.connect(this.port, { label });
    const m: Member = { label, nick, conn };
    const before = this.members.length;
    this.members.push(m);
    const { send, receive } = this.protocol.hello(nick);
    await conn.sendLine(send);
    // The newcomer first: if it gets nothing while others are connected,
    // the server is busy with them (one client at a time).
    await this.expect(m, receive, {
      event: `${label} connected${before ? ` while ${this.others(m)} stayed connected` : ''} and sent ${q(send)}`,
      hint: before
        ? `${label} got nothing back: your server seems to serve one client at a time. While it waits for the lines of the first client, nobody reads ${label}'s. ${this.oneAtATimeHint()}`
        : this.h.lang === 'java'
          ? `${SENDER_HINT} And flush() the writer after each line: a PrintWriter keeps what you print in its buffer until that is full.`
          : SENDER_HINT,
    });
    for (const other of opts.selfOnly ? [] : this.members.slice(0, before)) {
      await this.expect(other, receive, { event: `${label} connected and sent ${q(send)}`, hint: BROADCAST_HINT });
    }
    return m;
  }

  /** `label` says `text`; every member must receive it. */
  async say(label: string, text: string): Promise<void> {
    const m = this.member(label);
    await m.conn.sendLine(text);
    await this.everyoneGets(m, this.protocol.relay(m.nick, text), `${label} sent ${q(text)}`);
  }

  /** Every member must receive `line`, said by `sender`; the sender is read first. `hint` replaces the usual ones. */
  async everyoneGets(sender: Member, line: string, event: string, hint?: string): Promise<void> {
    const order = [sender, ...this.members.filter((x) => x !== sender)];
    for (const m of order) {
      await this.expect(m, line, { event, hint: hint ?? (m === sender ? SENDER_HINT : BROADCAST_HINT), senderGotIt: m !== sender });
    }
  }

  /** A member leaves by a clean close (half-close, then read what is pending) or a reset. */
  async leave(label: string, how: 'close' | 'reset'): Promise<void> {
    const m = this.member(label);
    this.members.splice(this.members.indexOf(m), 1);
    if (how === 'close') await m.conn.close();
    else m.conn.reset();
    const bye = this.protocol.goodbye(m.nick);
    if (bye) {
      for (const other of this.members) {
        await this.expect(other, bye, {
          event: `${label} ${how === 'close' ? 'closed its connection (end of stream)' : 'reset its connection'}`,
          hint:
            how === 'close'
              ? `When a client closes its side, the read returns the end of stream (b'' in Python, the 'end' event in Node): remove the client and tell the others ${q(bye)}.`
              : `A reset makes the read raise ConnectionResetError in Python (an 'error' event in Node) instead of returning the end of stream. Catch it and do what you do at the end of stream: remove the client and tell the others ${q(bye)}.`,
        });
      }
    }
  }

  /**
   * Every member leaves cleanly, all at once (half-close, then read until
   * the server closes). Ending a check by dropping the connections instead
   * would make a chat server announce departures to sockets already gone,
   * and the resets that come back would show up as this check's failure.
   */
  async end(): Promise<void> {
    await Promise.all(this.members.splice(0).map((m) => m.conn.close()));
  }

  /**
   * After someone left: `speaker` says three lines, a newcomer joins, and
   * `speaker` speaks again. All of it must reach everyone still there.
   */
  async afterLeaving(speaker: string, newcomer: string): Promise<void> {
    await this.h.sleep(200);
    const gone = 'the client that left';
    for (let i = 1; i <= 3; i++) {
      const m = this.member(speaker);
      const text = `still here, line ${i}`;
      await m.conn.sendLine(text);
      await this.everyoneGets(m, this.protocol.relay(m.nick, text), `after ${gone} had gone, ${speaker} sent ${q(text)}`, LEFT_HINT);
      await this.h.sleep(100);
    }
    await this.join(newcomer);
    await this.say(speaker, `welcome, ${newcomer}`);
    this.server.expectRunning(`after ${gone} had gone`);
  }

  /**
   * `a` sends the first piece of a line, `b` then sends a whole line, and
   * `a` the rest of its line: everyone must receive b's line, then a's line
   * whole, never a mixture.
   */
  async splitLine(a: string, pieces: [string, string], b: string, bText: string): Promise<void> {
    const ma = this.member(a);
    const mb = this.member(b);
    const aText = pieces.join('');
    this.h.note(`${a} sends its line in two pieces; ${b}'s whole line arrives in between`);
    await ma.conn.send(pieces[0]);
    await this.h.sleep(300);
    await mb.conn.sendLine(bText);
    await this.h.sleep(300);
    await ma.conn.send(`${pieces[1]}\n`);
    const event = `${a} sent ${q(pieces[0])}, then ${b} sent ${q(`${bText}\n`)}, then ${a} sent ${q(`${pieces[1]}\n`)}`;
    const mixed = `${a}'s unfinished line ${q(pieces[0])} was sent on before its "\\n" had arrived, so it got glued to ${b}'s line. A recv() (or a 'data' event) returns whatever bytes have arrived, not one line: keep each client's bytes until a "\\n" comes, and send on only whole lines.`;
    for (const m of this.members) {
      await this.expect(m, this.protocol.relay(mb.nick, bText), { event, hint: mixed, cutOf: pieces[0] });
      await this.expect(m, this.protocol.relay(ma.nick, aText), { event, hint: mixed, cutOf: pieces[0] });
    }
  }

  /** The labels of everyone but `m`, for messages. */
  private others(m: Member): string {
    return this.members.filter((x) => x !== m).map((x) => x.label).join(', ');
  }

  private oneAtATimeHint(): string {
    if (this.h.lang === 'javascript') return 'In Node nothing may block: handle each client in its own callbacks and return at once.';
    const threads = 'Give each client its own thread: accept(), start a thread that reads that client\'s lines, and go straight back to accept().';
    return this.h.lang === 'python' ? `${threads} With asyncio, each client has its own coroutine, which must never call a blocking function (socket.recv, time.sleep).` : threads;
  }

  /**
   * Reads the next line of `m` and fails, naming the likely mistake, unless
   * it is `want`.
   */
  async expect(m: Member, want: string, why: { event: string; hint?: string; senderGotIt?: boolean; cutOf?: string }): Promise<string> {
    let got: string | null | undefined;
    try {
      got = await m.conn.readLine({ timeoutMs: LINE_WAIT_MS });
    } catch {
      got = undefined; // nothing complete in time: the message below says it better
    }
    if (got === want) return got;
    const details = { expected: q(`${want}\n`), received: '', hint: why.hint };
    if (got === undefined || got === null) {
      const pending = Buffer.from(m.conn.pending).toString('utf8').split('\n').pop() ?? '';
      details.received = pending ? `${q(pending)} (no "\\n" after it)` : got === null ? '(the connection was closed)' : '(nothing)';
      if (this.server.exited) {
        this.h.fail(`${why.event}, but your server had exited before ${m.label} received ${q(want)}`, {
          ...details,
          hint: 'The server stopped: its output below shows why. One client\'s problem (a reset, a dead socket) must end only that client, never the server.',
        });
      }
      if (got === null) {
        this.h.fail(`${why.event}, but the server closed ${m.label}'s connection instead of sending it ${q(want)}`, {
          ...details,
          hint: `${m.label} was still in the room. Did the thread (or handler) serving ${m.label} die on an error? A send to a client that has left fails: catch that error, drop that client, and go on with the others.`,
        });
      }
      const who = why.senderGotIt ? `${m.label} never received it (the sender did)` : `${m.label} did not receive ${q(want)} within ${LINE_WAIT_MS / 1000} s`;
      this.h.fail(`${why.event}; ${who}`, details);
    }
    details.received = q(`${got}\n`);
    if (why.cutOf && got.includes(why.cutOf)) this.h.fail(`${why.event}; ${m.label} received a line that mixes the two`, details);
    this.h.fail(`${why.event}; ${m.label} received ${q(got)} instead of ${q(want)}`, { ...details, hint: why.hint === BROADCAST_HINT || why.hint === SENDER_HINT ? undefined : why.hint });
  }
}

const LEFT_HINT =
  'A client that has left must leave the list too. Sending to its dead socket fails (broken pipe, connection reset, bad file descriptor); if that error is not caught, it ends the thread (or handler) of the client that was speaking, or the whole server. Remove the client when its stream ends or resets, and catch send errors so one dead client never stops the others.';
const SENDER_HINT =
  'The sender is a connected client too: every line goes to every client in the list, the sender included, so that it sees its own line in the conversation.';
const BROADCAST_HINT =
  'Every line goes to every connected client, not only back to the one that sent it: keep a list of the connected clients and send the line to each of them.';

/**
 * Every member sends `lines` numbered lines at once, line by line, and
 * every member must receive every line of every sender, whole, each
 * sender's in order (lines of different senders may interleave). Done
 * `rounds` times: a server without a lock mixes lines only when two of its
 * threads happen to write to one client at the same moment, which one
 * round does not always provoke.
 */
export async function sendLoad(room: Room, lines: number, rounds: number): Promise<void> {
  const h: Harness = room.h;
  const protocol = room.protocol;
  const members = room.members;
  const total = members.length * lines;
  h.note(`${members.length} clients each send ${lines} lines at once, ${rounds} times; each must receive all ${total} every time`);
  const mixHint =
    h.lang === 'javascript'
      ? 'Send each whole line, "\\n" included, with one write(), and only whole lines: keep the bytes of each client until their "\\n" arrives.'
      : 'Two threads wrote to the same client at the same time, or a line was sent on before it was whole. Hold the lock while you send a line to the clients, send each line and its "\\n" in one write (sendall / print + flush), and send on only whole lines.';
  for (let round = 1; round <= rounds; round++) {
    const text = (label: string, i: number) => `${label}:${round}:${i}: the quick brown fox jumps over the lazy dog`;
    const known = new Map<string, { sender: string; i: number }>();
    for (const m of members) for (let i = 0; i < lines; i++) known.set(protocol.relay(m.nick, text(m.label, i)), { sender: m.label, i });
    const due = (sender: string, i: number) => protocol.relay(room.member(sender).nick, text(sender, i));
    await Promise.all(members.map(async (m) => {
      for (let i = 0; i < lines; i++) await m.conn.send(`${text(m.label, i)}\n`);
    }));
    for (const m of members) {
      const next = new Map(members.map((x) => [x.label, 0]));
      for (let n = 0; n < total; n++) {
        let got: string | null | undefined;
        try {
          got = await m.conn.readLine({ timeoutMs: 10_000 });
        } catch {
          got = undefined;
        }
        if (got === undefined || got === null) {
          const missing = [...next].find(([, i]) => i < lines);
          h.fail(`round ${round}: ${m.label} received ${n} of the ${total} lines, then ${got === null ? 'its connection was closed' : 'nothing more for 10 s'}`, {
            expected: `${total} lines`,
            received: `${n} lines; still missing e.g. ${missing ? q(due(missing[0], missing[1])) : '?'}`,
            hint: 'Lines were lost under load. Does each client\'s thread (or handler) keep reading until the end of its stream, and send every line it reads?',
          });
        }
        const line = known.get(got);
        if (!line) {
          h.fail(`round ${round}: ${m.label} received a line that no client sent: lines were cut or mixed together`, { expected: `whole lines like ${q(due(m.label, 0))}`, received: q(got), hint: mixHint });
        }
        const want = next.get(line.sender)!;
        if (line.i !== want) {
          h.fail(`round ${round}: ${m.label} received line ${line.i} of ${line.sender} when line ${want} of ${line.sender} was due: lines of one sender were lost or reordered`, {
            expected: q(due(line.sender, want)),
            received: q(got),
            hint: 'Each sender\'s lines must arrive in the order sent, none missing. Send the lines in the order you read them, and never drop one.',
          });
        }
        next.set(line.sender, want + 1);
      }
    }
  }
}

/** CPU (ms) in the first second after a departure above which a server is surely spinning. */
const BUSY_MS = 100;
/** Below this an idle server surely is idle (they use a few ms, mostly 0). */
const IDLE_MS = 20;

/**
 * `label` leaves cleanly; then the server must go back to idle. Fails with
 * `hint` when it uses CPU time over the next second: more than BUSY_MS, or,
 * on a loaded machine where a busy loop gets only a share of a core, more
 * than IDLE_MS per second on average over three more seconds.
 */
export async function expectIdleAfterLeaving(room: Room, label: string, hint: string): Promise<void> {
  const h: Harness = room.h;
  const server = room.server;
  // Measured before anything else is expected of the server: a busy loop
  // that blocks an event loop would otherwise fail as "no goodbye line".
  // What the others receive about the departure is left unread.
  const m = room.member(label);
  room.members.splice(room.members.indexOf(m), 1);
  await m.conn.close();
  await h.sleep(400);
  const measure = async (ms: number) => {
    const before = await server.cpuMs();
    await h.sleep(ms);
    return Math.round((await server.cpuMs()) - before);
  };
  let used = await measure(1000);
  let seconds = 1;
  if (used > IDLE_MS && used <= BUSY_MS) {
    h.note(`your server used ${used} ms of CPU time in the second after ${label} left; measuring 3 s more`);
    used += await measure(3000);
    seconds = 4;
  }
  h.note(`your server used ${used} ms of CPU time in the ${seconds} s after ${label} left`);
  if (seconds === 1 ? used > BUSY_MS : used > IDLE_MS * seconds) {
    h.fail(`your server used ${used} ms of CPU time in the ${seconds === 1 ? 'second' : `${seconds} seconds`} after a client left: it is busy doing nothing`, {
      expected: `almost none: an idle server waits for the next connection or line (in accept(), readLine(), recv() or the event loop) and uses a few ms at most`,
      received: `${used} ms of CPU in ${seconds} s`,
      hint,
    });
  }
}
