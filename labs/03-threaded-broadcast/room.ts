/**
 * A room of grader clients connected to a student's broadcast server, shared
 * by the graders of labs 03 (threaded-broadcast) and 04 (async-chat): every
 * line one member says must reach every member, whole, in order. A failure
 * names the mistake behind what the members saw (served one at a time, only
 * echoed, cut or mixed lines, stopped after a client left), not only the
 * line that differed.
 */
import { sayer, type Conn, type Harness, type Program } from '../../runner/grader/api.ts';
import { ROOM } from './messages.ts';

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
  /** Members that have left (leave), in order. */
  private readonly left: Member[] = [];
  /** Every line a member has received as expected: a newcomer that gets one of them first was sent the room's past. */
  private readonly heard = new Set<string>();
  /** The room's words in the student's language (messages.ts). */
  readonly words: ReturnType<typeof sayer<(typeof ROOM)['en']>>;

  constructor(
    // Any lab's harness: the room's words are its own.
    readonly h: Harness<any>, // eslint-disable-line @typescript-eslint/no-explicit-any
    readonly server: Program,
    readonly port: number,
    readonly protocol: Protocol,
  ) {
    this.words = sayer(ROOM, h.locale);
  }

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
    const w = this.words;
    await this.expect(m, receive, {
      event: before ? w('event.connectedWhile', { who: label, others: this.others(m), send: q(send) }) : w('event.connected', { who: label, send: q(send) }),
      // Members that joined before were served side by side: a server that stops at n of them has room for n, it does not serve one at a time.
      hint: before >= 2
        ? w('hint.roomFor', { who: label, n: before })
        : before ? w('hint.oneAtATime', { who: label, advice: this.oneAtATimeHint() }) : this.h.lang === 'java' ? w('hint.senderJava') : w('hint.sender'),
      newcomer: true,
    });
    for (const other of opts.selfOnly ? [] : this.members.slice(0, before)) {
      await this.expect(other, receive, { event: w('event.connected', { who: label, send: q(send) }), hint: w('hint.broadcast') });
    }
    return m;
  }

  /** `label` says `text`; every member must receive it. `hint` replaces the usual ones. */
  async say(label: string, text: string, hint?: string): Promise<void> {
    const m = this.member(label);
    await m.conn.sendLine(text);
    await this.everyoneGets(m, this.protocol.relay(m.nick, text), this.words('event.sent', { who: label, text: q(text) }), hint);
  }

  /** Every member must receive `line`, said by `sender`; the sender is read first. `hint` replaces the usual ones. */
  async everyoneGets(sender: Member, line: string, event: string, hint?: string): Promise<void> {
    const order = [sender, ...this.members.filter((x) => x !== sender)];
    for (const m of order) {
      await this.expect(m, line, { event, hint: hint ?? this.words(m === sender ? 'hint.sender' : 'hint.broadcast'), senderGotIt: m !== sender });
    }
  }

  /** A member leaves by a clean close (half-close, then read what is pending) or a reset. */
  async leave(label: string, how: 'close' | 'reset'): Promise<void> {
    const m = this.member(label);
    this.members.splice(this.members.indexOf(m), 1);
    this.left.push(m);
    if (how === 'close') await m.conn.close();
    else {
      // One look first: it learns the server's end of this connection, so
      // what follows can wait until the server is done with the reset
      // (closed that end, or died of it) before anyone speaks.
      await m.conn.waitTaken(100);
      m.conn.reset();
    }
    const bye = this.protocol.goodbye(m.nick);
    if (bye) {
      for (const other of this.members) {
        await this.expect(other, bye, {
          event: this.words(how === 'close' ? 'event.closed' : 'event.reset', { who: label }),
          hint: this.words(how === 'close' ? 'hint.closeBye' : 'hint.resetBye', { bye: q(bye) }),
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
    // Each line once the server is done with what came before (the
    // departure, the last line and its writes to the departed, whose
    // resets come back): idle, with nothing in flight on the speaker's
    // connection or the departed ones. The old fixed pauses are the caps.
    const m = this.member(speaker);
    const settled = (ms: number) => Promise.all([m, ...this.left].map((x) => x.conn.waitTaken(ms)));
    // A server dying of the departure takes a moment to exit; a correct one is idle at once.
    await settled(1000);
    for (let i = 1; i <= 3; i++) {
      const text = `still here, line ${i}`;
      await m.conn.sendLine(text);
      await this.everyoneGets(m, this.protocol.relay(m.nick, text), this.words('event.afterGone', { who: speaker, text: q(text) }), this.words('hint.left'));
      await settled(100);
    }
    await this.join(newcomer);
    await this.say(speaker, `welcome, ${newcomer}`);
    this.server.expectRunning(this.words('why.afterGone'));
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
    this.h.note(this.words('note.split', { a, b }));
    // Each step once the server has read the one before and is idle again
    // (a server that relays what it read has relayed it by then).
    await ma.conn.send(pieces[0]);
    await ma.conn.waitTaken(300);
    await mb.conn.sendLine(bText);
    await mb.conn.waitTaken(300);
    await ma.conn.send(`${pieces[1]}\n`);
    const event = this.words('event.split', { a, first: q(pieces[0]), b, line: q(`${bText}\n`), rest: q(`${pieces[1]}\n`) });
    const mixed = this.words('hint.mixed', { a, first: q(pieces[0]), b });
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
    return this.words(this.h.lang === 'javascript' ? 'hint.nodeNoBlock' : this.h.lang === 'python' ? 'hint.threadsPython' : 'hint.threads');
  }

  /**
   * Reads the next line of `m` and fails, naming the likely mistake, unless
   * it is `want`. For a `newcomer` (its own hello awaited), `hint` speaks
   * only of a line that does not come: a wrong line is not what it guesses at.
   */
  async expect(m: Member, want: string, why: { event: string; hint?: string; senderGotIt?: boolean; cutOf?: string; newcomer?: boolean }): Promise<string> {
    let got: string | null | undefined;
    try {
      // The grader sends nothing while it reads: a server blocked for ever has nothing more to send.
      got = await m.conn.readLine({ timeoutMs: LINE_WAIT_MS, untilBlocked: true });
    } catch {
      got = undefined; // nothing complete in time: the message below says it better
    }
    if (got === want) {
      this.heard.add(got);
      return got;
    }
    const w = this.words;
    const details = { expected: q(`${want}\n`), received: '', hint: why.hint };
    const said = { event: why.event, who: m.label, want: q(want) };
    if (got === undefined || got === null) {
      const pending = Buffer.from(m.conn.pending).toString('utf8').split('\n').pop() ?? '';
      details.received = pending ? w('received.noNewline', { text: q(pending) }) : w(got === null ? 'received.closed' : 'received.nothing');
      if (this.server.exited) this.h.fail(w('expect.serverExited', said), { ...details, hint: w('hint.serverStopped') });
      if (got === null) this.h.fail(w('expect.closed', said), { ...details, hint: w('hint.handlerDied', { who: m.label }) });
      if (why.senderGotIt) this.h.fail(w('expect.senderOnly', said), details);
      const call = await this.server.blockedIn();
      this.h.fail(call ? w('expect.noneBlocked', { ...said, call }) : w('expect.none', { ...said, s: LINE_WAIT_MS / 1000 }), details);
    }
    details.received = q(`${got}\n`);
    if (why.cutOf && got.includes(why.cutOf)) this.h.fail(w('expect.mixed', said), details);
    if (why.newcomer) this.h.fail(w('expect.instead', { ...said, got: q(got) }), { ...details, hint: this.heard.has(got) ? w('hint.replayed', { who: m.label, got: q(got) }) : w('hint.wrongLine') });
    // The usual hints guess at a missing line; a wrong one speaks for itself.
    const usual = [w('hint.broadcast'), w('hint.sender')];
    this.h.fail(w('expect.instead', { ...said, got: q(got) }), { ...details, hint: why.hint && !usual.includes(why.hint) ? why.hint : w('hint.wrongLine') });
  }
}

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
  const w = room.words;
  const protocol = room.protocol;
  const members = room.members;
  const total = members.length * lines;
  h.note(w('load.note', { clients: members.length, lines, rounds, total }));
  const mixHint = w(h.lang === 'javascript' ? 'load.mixJs' : 'load.mixThreads');
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
          h.fail(w(got === null ? 'load.lostClosed' : 'load.lostQuiet', { round, who: m.label, n, total }), {
            expected: w('load.lines', { n: total }),
            received: w('load.stillMissing', { n, line: missing ? q(due(missing[0], missing[1])) : '?' }),
            hint: w('load.hintLost'),
          });
        }
        const line = known.get(got);
        if (!line) {
          // Which lines got mixed is a race: the transcript keeps the line, the failure stays the same every run.
          h.note(w('load.unknownSeen', { round, who: m.label, got: q(got) }));
          h.fail(w('load.unknown'), { expected: w('load.wholeLines', { line: q(due(members[0]!.label, 0).replace(`:${round}:`, ':1:')) }), received: w('load.mixedLine'), hint: mixHint });
        }
        const want = next.get(line.sender)!;
        if (line.i !== want) {
          h.fail(w('load.order', { round, who: m.label, i: line.i, sender: line.sender, want }), {
            expected: q(due(line.sender, want)),
            received: q(got),
            hint: w('load.hintOrder'),
          });
        }
        next.set(line.sender, want + 1);
      }
    }
  }
}

/**
 * CPU time (ms) a server may use after a client left, its end still open,
 * before it counts as looping on the end of stream instead of closing
 * (idle-after-leave's business): it lived through the departure.
 */
const SPIN_PROOF_MS = 150;

/**
 * A client connects and leaves at once; the server must live on. Once it
 * has closed that client's end, a server that dies of the departure does
 * so at once, and one that waits again has nothing left running that
 * could (0.2 s at most). One that loops on the end of stream never closes
 * it: once it has used SPIN_PROOF_MS of CPU since, it is not waited for
 * any longer (the grader's close reads nothing more from it).
 */
export async function expectSurvivesDeparture(h: Harness<any>, server: Program, port: number, why: string): Promise<void> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const c = await h.connect(port);
  const cpu0 = await server.cpuMs();
  let closed = false;
  const spins = (async () => {
    for (let every = 20; !closed && !server.exited; every = Math.min(every * 2, 80)) {
      await h.sleep(every);
      if ((await server.cpuMs()) - cpu0 >= SPIN_PROOF_MS) return;
    }
  })();
  await c.close({ until: spins });
  closed = true;
  await server.waitIdle(200);
  server.expectRunning(why);
}

/** CPU (ms) in the first second after a departure above which a server is surely spinning. */
const BUSY_MS = 100;
/** Below this an idle server surely is idle (they use a few ms, mostly 0). */
const IDLE_MS = 20;

/**
 * `label` leaves cleanly; then the server must go back to idle. Fails with
 * `hint` when it uses CPU time over the next second: more than BUSY_MS, or,
 * on a loaded machine where a busy loop gets only a share of a core, more
 * than IDLE_MS per second on average over three more seconds. Passes at
 * once when the server, having used at most IDLE_MS, waits for input.
 */
export async function expectIdleAfterLeaving(room: Room, label: string, hint: string): Promise<void> {
  const h: Harness = room.h;
  const w = room.words;
  const server = room.server;
  // Measured before anything else is expected of the server: a busy loop
  // that blocks an event loop would otherwise fail as "no goodbye line".
  // What the others receive about the departure is left unread.
  const m = room.member(label);
  room.members.splice(room.members.indexOf(m), 1);
  await m.conn.close();
  // The server's own work for the departure (its goodbyes, a thread that
  // ends) is not measured: the window opens once it is done with it and
  // waits (a server that spins never is: the cap).
  await m.conn.waitTaken(400);
  const measure = async (ms: number) => {
    const before = await server.cpuMs();
    await h.sleep(ms);
    return Math.round((await server.cpuMs()) - before);
  };
  // The first second ends early once the server waits where only input
  // can wake it, having used next to nothing: it uses no more until
  // something comes, and nothing will. A server that spins never waits so
  // (nor does one on a timer of its own): it gets the whole second.
  const t0 = Date.now();
  const before = await server.cpuMs();
  const waits = await server.waitIdle(1000, { forever: true });
  let used = Math.round((await server.cpuMs()) - before);
  if (waits && used <= IDLE_MS) {
    h.note(w('idle.waits', { ms: used, who: label }));
    return;
  }
  await h.sleep(1000 - (Date.now() - t0));
  used = Math.round((await server.cpuMs()) - before);
  let seconds = 1;
  if (used > IDLE_MS && used <= BUSY_MS) {
    h.note(w('idle.measureMore', { ms: used, who: label }));
    used += await measure(3000);
    seconds = 4;
  }
  h.note(w('idle.used', { ms: used, s: seconds, who: label }));
  if (seconds === 1 ? used > BUSY_MS : used > IDLE_MS * seconds) {
    // Per second, whether the machine was quiet (1 s measured) or busy (4 s): the same words every run.
    const perSecond = Math.round(used / seconds);
    h.fail(w('idle.busy', { ms: perSecond }), {
      expected: w('idle.expected'),
      received: w('idle.received', { ms: perSecond }),
      hint,
    });
  }
}
