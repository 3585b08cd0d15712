/**
 * The grader of lab 03, threaded-broadcast (LABS.md section 3). Every check
 * talks to the student's server over TCP as a small room of grader clients:
 * each line one of them sends must reach all of them, whole and in order.
 */
import { defineChecks, type Harness } from '../../runner/grader/api.ts';
import { expectIdleAfterLeaving, Room, sendLoad, type Protocol } from './room.ts';

const PORT = 2000;

/** Lines go out as they came in: the server adds and changes nothing. */
const AS_SENT: Protocol = {
  hello: (nick) => ({ send: `hello, I am ${nick}`, receive: `hello, I am ${nick}` }),
  relay: (_nick, text) => text,
  goodbye: () => null,
};

/** Starts the server and a room whose members have joined (each one's hello came back to all). */
async function room(h: Harness, names: string[]): Promise<Room> {
  const r = new Room(h, await h.start('server'), PORT, AS_SENT);
  for (const name of names) await r.join(name);
  return r;
}

/** What a server that stays busy after a client left is doing wrong, in the student's language. */
function busyHint(lang: string): string {
  if (lang === 'java') {
    return 'After readLine() returns null (the client closed its side), stop: leave the loop, remove the client\'s writer from the list, close its socket and let the thread end. Calling readLine() again returns null at once, for ever, so a loop that goes on spins a whole core.';
  }
  if (lang === 'javascript') {
    return 'Node calls you when something happens: never poll a socket in a loop or with a short timer. When the \'end\' event comes, close the socket and forget the client.';
  }
  return 'recv() returns b\'\' when the client has closed its side, and at once again every time after that. Leave the loop on b\'\', remove the client from the list, close its socket and let the thread end; a loop that keeps calling recv() spins a whole core.';
}

export default defineChecks([
  {
    id: 'listens',
    name: 'listens on port 2000',
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
    id: 'echo',
    name: 'sends a line back to its sender',
    role: 'server',
    dependsOn: ['listens'],
    async run(h) {
      await room(h, ['A']);
    },
  },
  {
    id: 'concurrent',
    name: 'serves a second client while the first stays connected',
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
    name: 'sends each line to every client, the sender included',
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
    name: 'keeps a line whole when it arrives in two pieces',
    role: 'server',
    dependsOn: ['broadcast'],
    async run(h) {
      const r = await room(h, ['A', 'B']);
      await r.splitLine('A', ['the first half, ', 'and the second half'], 'B', 'a whole line from B');
    },
  },
  {
    id: 'load',
    name: '5 clients sending 200 lines each at once: every line intact, in order (3 rounds)',
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
    name: 'keeps serving the others after a client leaves',
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
    name: 'keeps serving the others after a client resets its connection',
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
    name: 'goes back to idle after a client leaves (no busy loop)',
    role: 'server',
    dependsOn: ['broadcast'],
    async run(h) {
      const r = await room(h, ['A', 'B']);
      await expectIdleAfterLeaving(r, 'B', busyHint(h.lang));
    },
  },
  {
    id: 'late-joiner',
    name: 'a client that joins later receives the lines sent after it joined',
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
