/**
 * The grader of lab 02, tcp-echo (LABS.md section 2). Server checks talk to
 * the student's server over TCP; client checks run the student's client
 * against a grader server on port 12000.
 */
import { defineChecks, type Conn, type Harness, type Program } from '../../runner/grader/api.ts';
import messages from './messages.ts';

type H = Harness<typeof messages.en>;

/**
 * How long a server still gets to go once an event showed it is past what
 * it was given (it served a newer client): only a crash in another of its
 * threads can still come, and that comes at once. At most: the window ends
 * once the server waits again (Program.waitIdle: no thread on a CPU), as
 * a server that waits has nothing left running that could crash.
 */
const GRACE_MS = 200;
/** How long a server gets to go when no event tells whether it is past what it was given. */
const EXIT_MS = 1000;

/**
 * Fails, saying `why`, if the server does not survive what it was just
 * given: a fresh client's round trip proves it is past it (an iterative
 * server answers only once done with the client before; one that crashed
 * on it exits), then a short grace window. A crash shows as that crash,
 * named after `why`, however the round trip ended.
 */
async function expectSurvived(h: H, server: Program, why: string): Promise<void> {
  await server.expectSurvives(why, async () => {
    const c = await h.connect(h.port);
    await c.sendLine('still there?');
    await c.expectLine('STILL THERE?', { what: h.t('what.stillThere') });
    await c.close();
  });
  await expectStillRunning(server, why);
}

/** Fails if `server` exits within GRACE_MS, or before it waits again. */
async function expectStillRunning(server: Program, why: string): Promise<void> {
  await server.waitIdle(GRACE_MS);
  server.expectRunning(why);
}

export default defineChecks(messages, [
  {
    id: 'listens',
    name: 'check.listens',
    role: 'server',
    async run(h) {
      const server = await h.start('server');
      const c = await h.connect(h.port);
      await c.close();
      // A server that closes a second connection has gone back to accept()
      // after the first, so only a short window remains for a crash in
      // another thread. Without that event (the second was refused, or
      // reset as a dying server's queue went, or nothing closes), the
      // window a dying server needs.
      let back = false;
      if (c.ended && !c.wasReset) {
        const second = await h.connect(h.port).catch(() => undefined);
        if (second) {
          await second.close();
          back = second.ended && !second.wasReset;
        }
      }
      if (back) await expectStillRunning(server, h.t('why.afterOneConnection'));
      else await server.expectRunningFor(EXIT_MS, h.t('why.afterOneConnection'));
    },
  },
  {
    id: 'upper-case',
    name: 'check.upperCase',
    role: 'server',
    dependsOn: ['listens'],
    async run(h) {
      await h.start('server');
      const c = await h.connect(h.port);
      await c.sendLine('hello, world 42');
      await c.expectLine('HELLO, WORLD 42');
    },
  },
  {
    id: 'closes',
    name: 'check.closes',
    role: 'server',
    dependsOn: ['listens'],
    async run(h) {
      await h.start('server');
      const c = await h.connect(h.port);
      await c.sendLine('bye');
      await c.readLine();
      await c.expectEnd({ why: h.t('why.afterReply') });
    },
  },
  {
    id: 'split-line',
    name: 'check.splitLine',
    role: 'server',
    dependsOn: ['listens'],
    async run(h) {
      await h.start('server');
      const c = await h.connect(h.port);
      h.note(h.t('note.segments'));
      await c.sendPieces(['sock', 'ets are ', 'a byte ', 'stream\n'], 250);
      await c.expectLine('SOCKETS ARE A BYTE STREAM');
    },
  },
  {
    id: 'long-line',
    name: 'check.longLine',
    role: 'server',
    dependsOn: ['listens'],
    async run(h) {
      await h.start('server');
      const c = await h.connect(h.port);
      // 65535 characters + "\n" = 64 KiB on the wire, the contract's longest
      // line. (36 × 1820 was only 65520 characters: repeat enough, then cut.)
      const line = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(Math.ceil(65535 / 36)).slice(0, 65535);
      await c.sendLine(line);
      await c.expectLine(line.toUpperCase(), { timeoutMs: 10_000, what: h.t('what.longLine') });
    },
  },
  {
    id: 'utf8',
    name: 'check.utf8',
    role: 'server',
    dependsOn: ['upper-case'],
    async run(h) {
      await h.start('server');
      const c = await h.connect(h.port);
      await c.sendLine('café über ñandú');
      await c.expectLine('CAFÉ ÜBER ÑANDÚ');
    },
  },
  {
    id: 'many-clients',
    name: 'check.manyClients',
    role: 'server',
    dependsOn: ['upper-case'],
    async run(h) {
      const server = await h.start('server');
      for (let i = 1; i <= 5; i++) {
        const c = await h.connect(h.port);
        await c.sendLine(`client number ${i}`);
        await c.expectLine(`CLIENT NUMBER ${i}`);
        await c.close();
      }
      server.expectRunning(h.t('why.oneAfterAnother'));
    },
  },
  {
    id: 'survives-bad-clients',
    name: 'check.survivesBadClients',
    role: 'server',
    dependsOn: ['upper-case'],
    async run(h) {
      const server = await h.start('server');
      // After each bad client a fresh client must get its answer, so a
      // failure names the client that broke the server (always the same one).
      h.note(h.t('note.silent'));
      const silent = await h.connect(h.port);
      await silent.close();
      await expectSurvived(h, server, h.t('why.afterSilent'));
      h.note(h.t('note.reset'));
      const rude = await h.connect(h.port);
      await rude.send('half a li');
      // Reset once the server has read it and waits (the old pause is the cap).
      await rude.waitTaken(100);
      rude.reset();
      await expectSurvived(h, server, h.t('why.afterReset'));
      h.note(h.t('note.partial'));
      const partial = await h.connect(h.port);
      await partial.send('no newline');
      await partial.close();
      await expectSurvived(h, server, h.t('why.afterPartial'));
    },
  },
  {
    id: 'client-sends-line',
    name: 'check.clientSendsLine',
    role: 'client',
    async run(h) {
      const server = await h.listen(h.port);
      const client = await h.start('client');
      client.type('hello from the keyboard');
      const c = await server.accept({ why: h.t('why.afterTyped') });
      await c.expectLine('hello from the keyboard');
    },
  },
  {
    id: 'client-prints-reply',
    name: 'check.clientPrintsReply',
    role: 'client',
    dependsOn: ['client-sends-line'],
    async run(h) {
      const server = await h.listen(h.port);
      const client = await h.start('client');
      client.type('make me loud');
      const c = await server.accept();
      await c.expectLine('make me loud');
      await c.send('MAKE ME LOUD\n');
      await client.expectOutput('MAKE ME LOUD', { what: h.t('what.makeMeLoud') });
      await c.close();
      await client.expectExit({ why: h.t('why.inputOpen'), code: 0 });
    },
  },
  {
    id: 'client-split-reply',
    name: 'check.clientSplitReply',
    role: 'client',
    dependsOn: ['client-prints-reply'],
    async run(h) {
      const server = await h.listen(h.port);
      const client = await h.start('client');
      client.type('stream me');
      const c = await server.accept();
      await c.expectLine('stream me');
      await c.sendPieces(['STR', 'EAM ', 'ME\n'], 300);
      await client.expectOutput('STREAM ME', { what: h.t('what.streamMe') });
      await c.close();
      await client.expectExit();
    },
  },
  {
    id: 'client-could-not-connect',
    name: 'check.clientCouldNotConnect',
    role: 'client',
    async run(h) {
      const client = await h.start('client');
      client.type('is anybody there');
      await client.expectOutput(/could not connect/i, { what: h.t('what.couldNotConnect') });
      await client.expectExit({ code: 1 });
    },
  },
]);
