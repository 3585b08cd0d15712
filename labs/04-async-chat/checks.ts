/**
 * The grader of lab 04, async-chat (LABS.md section 4). The room of grader
 * clients from lab 03, speaking the chat protocol: a nickname first, then
 * `[nick] text` lines, `* nick joined/left the chat` announcements.
 */
import { defineChecks, type Harness } from '../../runner/grader/api.ts';
import { expectIdleAfterLeaving, Room, sendLoad, type Protocol } from '../03-threaded-broadcast/room.ts';

const PORT = 8000;

const CHAT: Protocol = {
  hello: (nick) => ({ send: nick, receive: `* ${nick} joined the chat` }),
  relay: (nick, text) => `[${nick}] ${text}`,
  goodbye: (nick) => `* ${nick} left the chat`,
};

const q = (s: string) => JSON.stringify(s);

/** Starts the server and a room whose members have joined (everyone saw each join). */
async function room(h: Harness, nicks: string[]): Promise<Room> {
  const r = new Room(h, await h.start('server'), PORT, CHAT);
  for (const nick of nicks) await r.join(nick);
  return r;
}

/** What a server that stays busy after a client left is doing wrong, in the student's language. */
function busyHint(lang: string): string {
  if (lang === 'javascript') {
    return 'Node calls you when something happens: never poll a socket in a loop or with a short timer. When the \'end\' event comes, close the socket and forget the client.';
  }
  return 'At the end of the stream, `await reader.readline()` (or read()) returns b\'\' at once, every time, without waiting: a `while True` that goes on reading never gives the event loop back and spins a whole core. Leave the loop when the read returns b\'\', announce the departure and close the writer.';
}

export default defineChecks([
  {
    id: 'listens',
    name: 'listens on port 8000',
    role: 'server',
    async run(h) {
      const server = await h.start('server');
      const c = await h.connect(PORT);
      await c.close();
      await h.sleep(200);
      server.expectRunning('after one client connected and left');
    },
  },
  {
    id: 'join-message',
    name: 'announces "* <nick> joined the chat" to the newcomer',
    role: 'server',
    dependsOn: ['listens'],
    async run(h) {
      await h.start('server');
      const m = await h.connect(PORT, { label: 'alice' });
      await m.sendLine('alice');
      const got = await m.readLine({ timeoutMs: 5000 }).catch(() => undefined);
      if (got !== '* alice joined the chat') {
        h.fail(`the first line a client sends is its nickname: after "alice\\n" it must receive the join announcement`, {
          expected: q('* alice joined the chat\n'),
          received: got == null ? '(nothing)' : q(`${got}\n`),
          hint: 'Once a client has sent its nickname, send "* <nick> joined the chat" to every client that has a nickname, the newcomer included: exactly that text, then "\\n".',
        });
      }
    },
  },
  {
    id: 'message-format',
    name: 'relays "[<nick>] text" to everyone, the sender included, text as sent',
    role: 'server',
    dependsOn: ['join-message'],
    async run(h) {
      const r = await room(h, ['alice', 'bob']);
      await r.say('alice', 'hello, bob');
      await r.say('bob', '  spaces are kept  ');
      await r.end();
    },
  },
  {
    id: 'nickname-trimmed',
    name: 'trims the nickname',
    role: 'server',
    dependsOn: ['message-format'],
    async run(h) {
      const r = await room(h, ['alice']);
      const carol = await h.connect(PORT, { label: 'carol' });
      h.note('carol types her nickname with spaces around it');
      await carol.sendLine('  carol \t');
      for (const [label, conn] of [['carol', carol], ['alice', r.member('alice').conn]] as const) {
        const got = await conn.readLine({ timeoutMs: 5000 }).catch(() => undefined);
        if (got !== '* carol joined the chat') {
          h.fail(`carol sent "  carol \\t" as her nickname; ${label} should then receive the announcement with the trimmed nickname`, {
            expected: q('* carol joined the chat\n'),
            received: got == null ? '(nothing)' : q(`${got}\n`),
            hint: 'Trim the nickname: strip() in Python, trim() in JavaScript. Only the nickname is trimmed; message text goes out as sent.',
          });
        }
      }
      await carol.close();
      await r.end();
    },
  },
  {
    id: 'unnamed-hear-nothing',
    name: 'a client that has not sent its nickname receives nothing',
    role: 'server',
    dependsOn: ['message-format'],
    async run(h) {
      const r = await room(h, ['alice']);
      const quiet = await h.connect(PORT, { label: 'quiet' });
      await h.sleep(200);
      await r.say('alice', 'is anybody there?');
      await h.sleep(300);
      if (quiet.pending.length > 0) {
        h.fail('a client that has not sent its nickname yet received chat lines', {
          expected: '(nothing until it sends its nickname)',
          received: q(Buffer.from(quiet.pending).toString('utf8')),
          hint: 'Only clients that have a nickname are in the chat: add a client to your members when its nickname arrives, not when it connects.',
        });
      }
      await quiet.sendLine('quiet');
      await r.everyoneGets(r.member('alice'), '* quiet joined the chat', 'quiet sent its nickname "quiet"');
      const got = await quiet.readLine({ timeoutMs: 5000 }).catch(() => undefined);
      if (got !== '* quiet joined the chat') {
        h.fail('quiet sent its nickname but did not receive its own join announcement', { expected: q('* quiet joined the chat\n'), received: got == null ? '(nothing)' : q(`${got}\n`) });
      }
      await quiet.close();
      await r.end();
    },
  },
  {
    id: 'empty-lines',
    name: 'ignores empty lines',
    role: 'server',
    dependsOn: ['message-format'],
    async run(h) {
      const r = await room(h, ['alice', 'bob']);
      h.note('alice sends an empty line, then a real one');
      await r.member('alice').conn.send('\n');
      await r.say('alice', 'after an empty line');
      await r.end();
    },
  },
  {
    id: 'same-nickname',
    name: 'two clients with the same nickname both stay in the chat',
    role: 'server',
    dependsOn: ['message-format'],
    async run(h) {
      const r = new Room(h, await h.start('server'), PORT, CHAT);
      h.note('two clients both choose the nickname "sam"');
      await r.join('sam 1', 'sam');
      await r.join('sam 2', 'sam', { selfOnly: true });
      const first = r.member('sam 1').conn;
      const got = await first.readLine({ timeoutMs: 5000 }).catch(() => undefined);
      if (got !== '* sam joined the chat') {
        h.fail('the first "sam" did not hear that a second "sam" joined: the server seems to have dropped one of them', {
          expected: q('* sam joined the chat\n'),
          received: got == null ? '(nothing)' : q(`${got}\n`),
          hint: 'Two clients may choose the same nickname. A dict keyed by nickname keeps only the last writer stored under it, so the first "sam" is gone. Key your members by the client (its writer or socket) and store the nickname as the value.',
        });
      }
      await r.say('sam 1', 'I was here first');
      await r.say('sam 2', 'me too');
      await r.end();
    },
  },
  {
    id: 'split-line',
    name: 'keeps a line whole when it arrives in two pieces',
    role: 'server',
    dependsOn: ['message-format'],
    async run(h) {
      const r = await room(h, ['alice', 'bob']);
      await r.splitLine('alice', ['the first half, ', 'and the second half'], 'bob', 'a whole line from bob');
      await r.end();
    },
  },
  {
    id: 'load',
    name: '5 clients sending 200 lines each at once: every line intact, in order (3 rounds)',
    role: 'server',
    dependsOn: ['message-format'],
    timeoutMs: 40_000,
    async run(h) {
      const r = await room(h, ['A', 'B', 'C', 'D', 'E']);
      await sendLoad(r, 200, 3);
      await r.end();
    },
  },
  {
    id: 'clean-disconnect',
    name: 'announces "* <nick> left the chat" and goes on when a client leaves',
    role: 'server',
    dependsOn: ['message-format'],
    async run(h) {
      const r = await room(h, ['alice', 'bob', 'carol']);
      await r.leave('carol', 'close');
      await r.afterLeaving('alice', 'dave');
      await r.end();
    },
  },
  {
    id: 'reset',
    name: 'announces "* <nick> left the chat" and goes on when a client resets',
    role: 'server',
    dependsOn: ['message-format'],
    async run(h) {
      const r = await room(h, ['alice', 'bob', 'carol']);
      await r.leave('carol', 'reset');
      await r.afterLeaving('alice', 'dave');
      await r.end();
    },
  },
  {
    id: 'idle-after-leave',
    name: 'goes back to idle after a client leaves (no busy loop)',
    role: 'server',
    dependsOn: ['message-format'],
    async run(h) {
      const r = await room(h, ['alice', 'bob']);
      await expectIdleAfterLeaving(r, 'bob', busyHint(h.lang));
      await r.end();
    },
  },
  {
    id: 'late-joiner',
    name: 'a client that joins later receives what is said after it joined',
    role: 'server',
    dependsOn: ['message-format'],
    async run(h) {
      const r = await room(h, ['alice']);
      await r.say('alice', 'said before dave came');
      await r.join('dave');
      await r.say('alice', 'said after dave came');
      await r.end();
    },
  },
  {
    id: 'hundred-clients',
    name: '100 clients at once each receive a broadcast within 2 s',
    role: 'server',
    dependsOn: ['message-format'],
    timeoutMs: 60_000,
    async run(h) {
      await h.start('server');
      const conns = [];
      h.note('100 clients connect and send their nicknames u1 ... u100');
      for (let i = 1; i <= 100; i++) {
        const c = await h.connect(PORT, { label: `u${i}` });
        await c.sendLine(`u${i}`);
        conns.push(c);
      }
      // Each client hears the joins of itself and of everyone after it; the
      // last join tells that it has heard them all.
      await Promise.all(conns.map(async (c) => {
        for (;;) {
          const line = await c.readLine({ timeoutMs: 20_000 }).catch(() => undefined);
          if (line == null) h.fail(`${c.label} did not receive "* u100 joined the chat" within 20 s of connecting`, { hint: 'With 100 clients connected, every join announcement must still reach every named client.' });
          if (line === '* u100 joined the chat') return;
        }
      }));
      h.note('u1 says one line; the clock starts');
      const t0 = Date.now();
      await conns[0]!.sendLine('hello, all hundred of you');
      await Promise.all(conns.map(async (c) => {
        const line = await c.readLine({ timeoutMs: 2000 }).catch(() => undefined);
        if (line !== '[u1] hello, all hundred of you') {
          h.fail(`${c.label} did not receive u1's line within 2 s (after ${Date.now() - t0} ms)`, {
            expected: q('[u1] hello, all hundred of you\n'),
            received: line == null ? '(nothing)' : q(`${line}\n`),
            hint: 'One thread serves every client, so nothing may block it: no blocking socket calls, no time.sleep(), and in a broadcast write to every client first, then await drain().',
          });
        }
      }));
      h.note(`all 100 clients received it within ${Date.now() - t0} ms`);
      await Promise.all(conns.map((c) => c.close()));
    },
  },
]);
