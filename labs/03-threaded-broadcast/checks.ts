/**
 * The grader of lab 03, threaded-broadcast (LABS.md section 3). Every check
 * talks to the student's server over TCP as a small room of grader clients:
 * each line one of them sends must reach all of them, whole and in order.
 */
import { defineChecks, type Harness } from '../../runner/grader/api.ts';
import messages from './messages.ts';
import { expectIdleAfterLeaving, expectSurvivesDeparture, Room, sendLoad, type Protocol } from './room.ts';

const PORT = 2000;

/** Lines go out as they came in: the server adds and changes nothing. */
const AS_SENT: Protocol = {
  hello: (nick) => ({ send: `hello, I am ${nick}`, receive: `hello, I am ${nick}` }),
  relay: (_nick, text) => text,
  goodbye: () => null,
};

/** Starts the server and a room whose members have joined (each one's hello came back to all). */
async function room(h: Harness<typeof messages.en>, names: string[]): Promise<Room> {
  const r = new Room(h, await h.start('server'), PORT, AS_SENT);
  for (const name of names) await r.join(name);
  return r;
}

export default defineChecks(messages, [
  {
    id: 'listens',
    name: 'check.listens',
    role: 'server',
    async run(h) {
      await expectSurvivesDeparture(h, await h.start('server'), PORT, h.t('why.afterOneClient'));
    },
  },
  {
    id: 'echo',
    name: 'check.echo',
    role: 'server',
    dependsOn: ['listens'],
    async run(h) {
      await room(h, ['A']);
    },
  },
  {
    id: 'concurrent',
    name: 'check.concurrent',
    role: 'server',
    dependsOn: ['echo'],
    async run(h) {
      const r = await room(h, ['A']);
      // Only B's own copy: whether A gets it too is the next check's business.
      await r.join('B', 'B', { selfOnly: true });
    },
  },
  {
    id: 'broadcast',
    name: 'check.broadcast',
    role: 'server',
    dependsOn: ['concurrent'],
    async run(h) {
      const r = await room(h, ['A', 'B', 'C']);
      await r.say('A', 'hello from A');
      await r.say('C', 'and hello from C');
    },
  },
  {
    id: 'split-line',
    name: 'check.splitLine',
    role: 'server',
    dependsOn: ['broadcast'],
    async run(h) {
      const r = await room(h, ['A', 'B']);
      await r.splitLine('A', ['the first half, ', 'and the second half'], 'B', 'a whole line from B');
    },
  },
  {
    id: 'unchanged',
    name: 'check.unchanged',
    role: 'server',
    dependsOn: ['broadcast'],
    async run(h) {
      const r = await room(h, ['A', 'B']);
      // Every other check's lines have no spaces at their ends and none is empty: a server that strips lines passes them.
      for (const text of ['  spaces at both ends  ', '', 'after an empty line']) await r.say('A', text, h.t('hint.unchanged'));
      // Text on the wire is UTF-8, and a piece of a line may end inside a character: 한 is three bytes, cut here after one.
      const text = '한국어 text, 두 조각';
      const bytes = Buffer.from(`${text}\n`, 'utf8');
      const a = r.member('A');
      await a.conn.sendPieces([bytes.subarray(0, 1), bytes.subarray(1)], 300);
      await r.everyoneGets(a, text, h.t('event.splitChar', { text: JSON.stringify(text) }), h.t('hint.splitChar'));
    },
  },
  {
    id: 'load',
    // Beside the others: the contract asks that every client receives all
    // 1000 lines intact, not how fast (no more than the 10 s any line may
    // take). A server without a lock mixes lines when two of its threads
    // write to one client at once: its proof (graders.test.ts) already runs
    // beside other grades' programs, and catches it there.
    name: 'check.load',
    role: 'server',
    dependsOn: ['broadcast'],
    timeoutMs: 40_000,
    async run(h) {
      const r = await room(h, ['A', 'B', 'C', 'D', 'E']);
      await sendLoad(r, 200, 3);
    },
  },
  {
    id: 'clean-disconnect',
    name: 'check.cleanDisconnect',
    role: 'server',
    dependsOn: ['broadcast'],
    async run(h) {
      const r = await room(h, ['A', 'B', 'C']);
      await r.leave('C', 'close');
      await r.afterLeaving('A', 'D');
    },
  },
  {
    id: 'reset',
    name: 'check.reset',
    role: 'server',
    dependsOn: ['broadcast'],
    async run(h) {
      const r = await room(h, ['A', 'B', 'C']);
      await r.leave('C', 'reset');
      await r.afterLeaving('A', 'D');
    },
  },
  {
    id: 'idle-after-leave',
    name: 'check.idleAfterLeave',
    role: 'server',
    dependsOn: ['broadcast'],
    async run(h) {
      const r = await room(h, ['A', 'B']);
      // What a server that stays busy after a client left is doing wrong, in the student's programming language.
      await expectIdleAfterLeaving(r, 'B', h.t(h.lang === 'java' ? 'busy.java' : h.lang === 'javascript' ? 'busy.javascript' : 'busy.python'));
    },
  },
  {
    id: 'late-joiner',
    name: 'check.lateJoiner',
    role: 'server',
    dependsOn: ['broadcast'],
    async run(h) {
      const r = await room(h, ['A']);
      await r.say('A', 'said before D came');
      await r.join('D');
      await r.say('A', 'said after D came');
      await r.say('D', 'D talks too');
    },
  },
]);
