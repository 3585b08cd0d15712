/**
 * The grader of lab 02, tcp-echo (LABS.md section 2). Server checks talk to
 * the student's server over TCP; client checks run the student's client
 * against a grader server on port 12000.
 */
import { defineChecks } from '../../runner/grader/api.ts';

export default defineChecks([
  {
    id: 'listens',
    name: 'listens on port 12000',
    role: 'server',
    async run(h) {
      const server = await h.start('server');
      const c = await h.connect(h.port);
      await c.close();
      await server.expectRunningFor(1000, 'after one connection');
    },
  },
  {
    id: 'upper-case',
    name: 'replies with the line in upper case',
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
    name: 'closes the connection after the reply',
    role: 'server',
    dependsOn: ['listens'],
    async run(h) {
      await h.start('server');
      const c = await h.connect(h.port);
      await c.sendLine('bye');
      await c.readLine();
      await c.expectEnd({ why: 'after the reply' });
    },
  },
  {
    id: 'split-line',
    name: 'waits for the whole line when it arrives in pieces',
    role: 'server',
    dependsOn: ['listens'],
    async run(h) {
      await h.start('server');
      const c = await h.connect(h.port);
      h.note('TCP may deliver a line in several segments: the reply must wait for the "\\n"');
      await c.sendPieces(['sock', 'ets are ', 'a byte ', 'stream\n'], 250);
      await c.expectLine('SOCKETS ARE A BYTE STREAM');
    },
  },
  {
    id: 'long-line',
    name: 'answers a 64 KiB line in full',
    role: 'server',
    dependsOn: ['listens'],
    async run(h) {
      await h.start('server');
      const c = await h.connect(h.port);
      // 65535 characters + "\n" = 64 KiB on the wire, the contract's longest
      // line. (36 × 1820 was only 65520 characters: repeat enough, then cut.)
      const line = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(Math.ceil(65535 / 36)).slice(0, 65535);
      await c.sendLine(line);
      await c.expectLine(line.toUpperCase(), { timeoutMs: 10_000, what: `the same 65535 characters in upper case` });
    },
  },
  {
    id: 'utf8',
    name: 'upper-cases UTF-8 text',
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
    name: 'serves one client after another',
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
      server.expectRunning('while serving clients one after another');
    },
  },
  {
    id: 'survives-bad-clients',
    name: 'keeps serving after clients that leave early or reset',
    role: 'server',
    dependsOn: ['upper-case'],
    async run(h) {
      const server = await h.start('server');
      // After each bad client the server gets time to go if it breaks, so a
      // failure names the client that broke it (and always the same one).
      h.note('a client that connects and leaves without sending');
      const silent = await h.connect(h.port);
      await silent.close();
      await server.expectRunningFor(500, 'after a client that connected and left without sending');
      h.note('a client that resets the connection');
      const rude = await h.connect(h.port);
      await rude.send('half a li');
      await h.sleep(100);
      rude.reset();
      await server.expectRunningFor(1000, 'after a client reset the connection');
      h.note('a client that closes before the newline');
      const partial = await h.connect(h.port);
      await partial.send('no newline');
      await partial.close();
      await server.expectRunningFor(500, 'after a client closed before its newline');
      const c = await h.connect(h.port);
      await c.sendLine('still there?');
      await c.expectLine('STILL THERE?', { what: '"STILL THERE?\\n" (the server must still answer)' });
    },
  },
  {
    id: 'client-sends-line',
    name: 'sends the typed line to localhost:12000',
    role: 'client',
    async run(h) {
      const server = await h.listen(h.port);
      const client = await h.start('client');
      client.type('hello from the keyboard');
      const c = await server.accept({ why: 'after a line was typed' });
      await c.expectLine('hello from the keyboard');
    },
  },
  {
    id: 'client-prints-reply',
    name: 'prints the reply and exits with code 0',
    role: 'client',
    dependsOn: ['client-sends-line'],
    async run(h) {
      const server = await h.listen(h.port);
      const client = await h.start('client');
      client.type('make me loud');
      const c = await server.accept();
      await c.expectLine('make me loud');
      await c.send('MAKE ME LOUD\n');
      await client.expectOutput('MAKE ME LOUD', { what: 'the reply "MAKE ME LOUD"' });
      await c.close();
      await client.expectExit({ why: 'after printing the reply, with its input still open', code: 0 });
    },
  },
  {
    id: 'client-split-reply',
    name: 'prints the whole reply when it arrives in pieces',
    role: 'client',
    dependsOn: ['client-prints-reply'],
    async run(h) {
      const server = await h.listen(h.port);
      const client = await h.start('client');
      client.type('stream me');
      const c = await server.accept();
      await c.expectLine('stream me');
      await c.sendPieces(['STR', 'EAM ', 'ME\n'], 300);
      await client.expectOutput('STREAM ME', { what: 'the whole reply "STREAM ME" on one line' });
      await c.close();
      await client.expectExit();
    },
  },
  {
    id: 'client-could-not-connect',
    name: 'says "could not connect" when no server listens',
    role: 'client',
    async run(h) {
      const client = await h.start('client');
      client.type('is anybody there');
      await client.expectOutput(/could not connect/i, { what: 'a line containing "could not connect"' });
      await client.expectExit({ code: 1 });
    },
  },
]);
