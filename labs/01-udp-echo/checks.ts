/**
 * The grader of lab 01, udp-echo (LABS.md section 1). Server checks talk to
 * the student's server from the grader's own UDP sockets (each on an
 * ephemeral port, so a reply only arrives if it goes to the address that
 * recvfrom returned); client checks run the student's client against a
 * grader UDP server on port 12000 (dual-stack: 127.0.0.1 and ::1).
 */
import { defineChecks, type Datagram, type Harness, type Program, type UdpPeer } from '../../runner/grader/api.ts';
import messages from './messages.ts';

type H = Harness<typeof messages.en>;

/** How long a reply on loopback may take before we call it lost. */
const REPLY_MS = 3000;
/**
 * How long we listen for a datagram that should not come, at most: the
 * window ends once the server waits again (Program.waitIdle: in recvfrom,
 * no thread on a CPU), since a server that waits sends nothing until the
 * next datagram reaches it; a second reply sent before it went back to
 * waiting has arrived by then (loopback delivers within the send).
 */
const QUIET_MS = 400;
/**
 * How long a server still gets to go once its reply showed it is past what
 * it was given (a crash in another thread), at most: a server that waits
 * again has nothing left running that could crash.
 */
const GRACE_MS = 200;
/** How long a server that has bound its port gets to crash, at most: as GRACE_MS, until it waits for its first datagram. */
const AFTER_BIND_MS = 300;
/** How long after the reply a client may still send a second datagram for one line. */
const ONE_DATAGRAM_MS = 500;
/** Whatever the student's client prints for a timeout must contain this. */
const TIMED_OUT = /timed out/i;

/** A string for a failure message: quoted, and cut when long. */
const quote = (h: H, text: string, max = 120) => (text.length > max ? h.t('cut', { text: JSON.stringify(text.slice(0, max)), n: Buffer.byteLength(text) }) : JSON.stringify(text));

/** Waits for the next datagram and fails unless it holds exactly `expected`. */
async function expectReply(h: H, peer: UdpPeer, who: string, sent: string | Uint8Array, expected: string, noReplyHint = h.t('hint.reply')): Promise<Datagram> {
  const d = await peer.maybeReceive({ timeoutMs: REPLY_MS });
  if (!d) {
    h.fail(h.t('reply.none', { who, s: REPLY_MS / 1000 }), {
      expected: h.t('reply.expectedBack', { text: quote(h, expected), who, port: peer.port }),
      received: h.t('nothing'),
      hint: noReplyHint,
    });
  }
  if (d.text !== expected || Buffer.from(d.data).length !== Buffer.byteLength(expected)) {
    const key = d.text === `${expected}\n` ? 'reply.wrongNewline' : d.text === expected.trim() && expected !== expected.trim() ? 'reply.wrongStripped' : 'reply.wrong';
    h.fail(h.t(key, { who }), {
      expected: expected.length > 120 ? quote(h, expected) : h.t('bytes', { text: quote(h, expected), n: Buffer.byteLength(expected) }),
      received: d.text.length > 120 ? quote(h, d.text) : h.t('bytes', { text: JSON.stringify(d.text), n: d.data.length }),
      hint: h.t('hint.upper', { sent: typeof sent === 'string' ? quote(h, sent, 60) : h.t('nBytes', { n: sent.length }) }),
    });
  }
  return d;
}

/** Fails if any datagram arrives at `peer` within QUIET_MS, or before `server` waits again: one request, one reply. */
const expectNoMore = (peer: UdpPeer, server: Program) => peer.expectNothing(QUIET_MS, { until: server.waitIdle(QUIET_MS) });

/** Fails if `server` exits within `ms`, or before it waits again (see GRACE_MS). */
async function expectStillRunning(server: Program, ms: number, why: string): Promise<void> {
  await server.waitIdle(ms);
  server.expectRunning(why);
}

export default defineChecks(messages, [
  {
    id: 'binds-port',
    name: 'check.bindsPort',
    role: 'server',
    async run(h: H) {
      const server = await h.start('server');
      await expectStillRunning(server, AFTER_BIND_MS, h.t('why.afterBinding'));
    },
  },
  {
    id: 'upper-case',
    name: 'check.upperCase',
    role: 'server',
    dependsOn: ['binds-port'],
    async run(h: H) {
      const server = await h.start('server');
      const a = h.t('client.A');
      const peer = await h.udp({ label: a });
      h.note(h.t('note.ephemeral', { who: a, port: peer.port }));
      await peer.send('hello, udp 42', h.port);
      await expectReply(h, peer, a, 'hello, udp 42', 'HELLO, UDP 42');
      await expectNoMore(peer, server);
    },
  },
  {
    id: 'utf8',
    name: 'check.utf8',
    role: 'server',
    dependsOn: ['upper-case'],
    async run(h: H) {
      await h.start('server');
      const a = h.t('client.A');
      const peer = await h.udp({ label: a });
      await peer.send('café über ñandú', h.port);
      await expectReply(h, peer, a, 'café über ñandú', 'CAFÉ ÜBER ÑANDÚ');
    },
  },
  {
    id: 'many-clients',
    name: 'check.manyClients',
    role: 'server',
    dependsOn: ['upper-case'],
    async run(h: H) {
      const server = await h.start('server');
      // What each sends names it in English (bytes on the wire); the labels are the student's words.
      const names = ['client A', 'client B', 'client C'];
      const labels = [h.t('client.A'), h.t('client.B'), h.t('client.C')];
      const peers = await Promise.all(labels.map((label) => h.udp({ label })));
      h.note(h.t('note.takeTurns', { ports: peers.map((p) => p.port).join(', ') }));
      for (let round = 1; round <= 3; round++) {
        for (let i = 0; i < peers.length; i++) await peers[i]!.send(`${names[i]} says ${round}`, h.port);
        for (let i = 0; i < peers.length; i++) {
          const expected = `${names[i]!.toUpperCase()} SAYS ${round}`;
          const d = await peers[i]!.maybeReceive({ timeoutMs: REPLY_MS });
          if (!d) {
            // Where did it go? The classic mistake sends it to another client.
            for (let j = 0; j < peers.length; j++) {
              if (j === i) continue;
              for (let stray = await peers[j]!.maybeReceive({ timeoutMs: 100 }); stray; stray = await peers[j]!.maybeReceive({ timeoutMs: 100 })) {
                if (stray.text === expected) {
                  h.fail(h.t('reply.wentElsewhere', { who: labels[i]!, other: labels[j]! }), {
                    expected: h.t('reply.at', { text: JSON.stringify(expected), who: labels[i]!, port: peers[i]!.port }),
                    received: h.t('reply.atOther', { text: JSON.stringify(expected), other: labels[j]!, port: peers[j]!.port, who: labels[i]! }),
                    hint: h.t('hint.ownAddress', { reply: h.t('hint.reply') }),
                  });
                }
              }
            }
            h.fail(h.t('reply.none', { who: labels[i]!, s: REPLY_MS / 1000 }), {
              expected: h.t('reply.expectedAt', { text: JSON.stringify(expected), who: labels[i]!, port: peers[i]!.port }),
              received: h.t('nothing'),
              hint: h.t('hint.keepServing', { reply: h.t('hint.reply') }),
            });
          }
          if (d.text !== expected) {
            h.fail(h.t('reply.wrong', { who: labels[i]! }), {
              expected: JSON.stringify(expected),
              received: JSON.stringify(d.text),
              hint: d.text.startsWith('CLIENT ') ? h.t('hint.otherClient', { reply: h.t('hint.reply') }) : h.t('hint.exactUpper'),
            });
          }
        }
      }
      // Each client's quiet window at once, not one after another: the same QUIET_MS for each.
      const waits = server.waitIdle(QUIET_MS);
      await Promise.all(peers.map((p) => p.expectNothing(QUIET_MS, { until: waits })));
      server.expectRunning(h.t('why.manyClients'));
    },
  },
  {
    id: 'empty-datagram',
    name: 'check.emptyDatagram',
    role: 'server',
    dependsOn: ['upper-case'],
    async run(h: H) {
      const server = await h.start('server');
      const a = h.t('client.A');
      const peer = await h.udp({ label: a });
      h.note(h.t('note.empty'));
      await peer.send('', h.port);
      await expectReply(h, peer, a, '', '', h.t('hint.empty'));
      await peer.send('and then more', h.port);
      await expectReply(h, peer, a, 'and then more', 'AND THEN MORE');
      server.expectRunning(h.t('why.afterEmpty'));
    },
  },
  {
    id: 'not-utf8',
    name: 'check.notUtf8',
    role: 'server',
    dependsOn: ['upper-case'],
    async run(h: H) {
      const server = await h.start('server');
      const x = h.t('client.X');
      const bad = await h.udp({ label: x });
      const bytes = new Uint8Array([0x68, 0x69, 0xff, 0xfe, 0xc3, 0x28]);
      h.note(h.t('note.notUtf8', { who: x, bytes: [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ') }));
      await bad.send(bytes, h.port);
      const a = h.t('client.A');
      const peer = await h.udp({ label: a });
      await peer.send('still there?', h.port);
      // The reply proves the server is past the bad datagram (it reads them
      // in order); one that crashed on it exits instead, and that exit is
      // the failure. Then a short window for a crash in another thread.
      const reply = expectReply(h, peer, a, 'still there?', 'STILL THERE?');
      reply.catch(() => {});
      await Promise.race([reply.catch(() => undefined), server.waitExit(REPLY_MS)]);
      server.expectRunning(h.t('why.afterNotUtf8'));
      await reply;
      await expectStillRunning(server, GRACE_MS, h.t('why.afterNotUtf8'));
    },
  },
  {
    id: 'message-boundaries',
    name: 'check.messageBoundaries',
    role: 'server',
    dependsOn: ['upper-case'],
    async run(h: H) {
      const server = await h.start('server');
      const a = h.t('client.A');
      const peer = await h.udp({ label: a });
      h.note(h.t('note.twoDatagrams'));
      await peer.send('first', h.port);
      await peer.send('second', h.port);
      await expectReply(h, peer, a, 'first', 'FIRST');
      await expectReply(h, peer, a, 'second', 'SECOND');
      h.note(h.t('note.twoLines'));
      const twoLines = ' line one\nline two \n';
      await peer.send(twoLines, h.port);
      await expectReply(h, peer, a, twoLines, twoLines.toUpperCase());
      await expectNoMore(peer, server);
    },
  },
  {
    id: 'big-datagram',
    name: 'check.bigDatagram',
    role: 'server',
    dependsOn: ['upper-case'],
    async run(h: H) {
      await h.start('server');
      const a = h.t('client.A');
      const peer = await h.udp({ label: a });
      const big = 'abcdefghijklmnopqrstuvwxyz0123456789 '.repeat(60).slice(0, 2048);
      h.note(h.t('note.bigDatagram'));
      await peer.send(big, h.port);
      await expectReply(h, peer, a, big, big.toUpperCase());
    },
  },
  {
    id: 'client-sends-datagram',
    name: 'check.clientSendsDatagram',
    role: 'client',
    async run(h: H) {
      const server = await h.udpServer(h.port);
      const client = await h.start('client');
      client.type('hello from the keyboard');
      const d = await server.maybeReceive({ timeoutMs: 3000 });
      if (!d) {
        h.fail(h.t('send.none', { port: h.port }), {
          expected: h.t('send.expected'),
          received: h.t('nothing'),
          hint: h.t('send.hintNone', { port: h.port }),
        });
      }
      if (d.text !== 'hello from the keyboard') {
        const newline = /\r?\n$/.test(d.text);
        h.fail(h.t(newline ? 'send.notTypedNewline' : 'send.notTyped'), {
          expected: h.t('send.expectedTyped'),
          received: JSON.stringify(d.text),
          hint: h.t(newline ? 'send.hintNewline' : 'send.hintWhole'),
        });
      }
      await server.reply(d, 'HELLO FROM THE KEYBOARD');
      // A client that has exited sends nothing more: once it has, only what
      // is already on its way can come, and loopback delivers a datagram
      // within its send (a second one right behind the first we got), so the
      // event loop's next turns read it (expectNothing's until; GRACE_MS is
      // the cap); one that stays gets the whole window.
      const exited = await client.waitExit(ONE_DATAGRAM_MS);
      await server.expectNothing(exited ? GRACE_MS : 0, { message: h.t('send.second'), expected: h.t('send.onePerLine'), hint: h.t('send.hintOnce'), ...(exited ? { until: Promise.resolve() } : {}) });
    },
  },
  {
    id: 'client-prints-reply',
    name: 'check.clientPrintsReply',
    role: 'client',
    dependsOn: ['client-sends-datagram'],
    async run(h: H) {
      const server = await h.udpServer(h.port);
      const client = await h.start('client');
      client.type('make me loud');
      const d = await server.expectDatagram('make me loud', { timeoutMs: 3000 });
      await server.reply(d, 'MAKE ME LOUD');
      const line = await client.expectOutput('MAKE ME LOUD', { what: h.t('print.what') });
      if (!line.trimEnd().endsWith('MAKE ME LOUD')) {
        h.fail(h.t('print.around'), {
          expected: h.t('print.expected'),
          received: JSON.stringify(line),
          hint: h.t(line.includes("b'") ? 'print.hintBytes' : 'print.hintText'),
        });
      }
      await client.expectExit({ timeoutMs: 3000, why: h.t('why.inputOpen'), code: 0 });
    },
  },
  {
    id: 'client-timeout',
    // Not alone: what it measures is a 1 s timer against a 0.7 s floor, from
    // the datagram's arrival to the exit, both seen by the grader's one event
    // loop; a neighbour can only delay both (the programs of this lab's
    // checks are small, and other students' Checks run beside it anyway).
    name: 'check.clientTimeout',
    role: 'client',
    dependsOn: ['client-sends-datagram'],
    async run(h: H) {
      const server = await h.udpServer(h.port);
      const client = await h.start('client');
      client.type('anybody there?');
      await server.expectDatagram('anybody there?', { timeoutMs: 3000 });
      const arrived = Date.now();
      h.note(h.t('note.noReply'));
      // The grader stays silent: a client blocked with no timeout can only wait for ever.
      const exit = await client.waitExit(4000, { untilBlocked: true });
      const waited = Date.now() - arrived;
      if (!exit) {
        const call = await client.blockedIn();
        h.fail(call ? h.t('timeout.blocked', { call }) : h.t('timeout.stillWaiting'), {
          expected: h.t('timeout.expectedGiveUp'),
          received: call ? h.t('timeout.waitsForever', { call }) : h.t('timeout.stillRunning'),
          hint: h.t('timeout.hintForever'),
        });
      }
      h.note(h.t('note.exitedAfter', { s: (waited / 1000).toFixed(2) }));
      if (waited < 700) {
        h.fail(h.t('timeout.tooSoon', { ms: waited }), {
          expected: h.t('timeout.expectedWait'),
          received: h.t('timeout.exitedAfter', { ms: waited }),
          hint: h.t('timeout.hintUnits'),
        });
      }
      if (exit.code !== 1) {
        h.fail(h.t('timeout.wrongCode', { code: exit.code }), { expected: h.t('exitCode', { code: 1 }), received: h.t('exitCode', { code: exit.code }), hint: h.t('timeout.hintCode') });
      }
    },
  },
  {
    id: 'client-timed-out',
    name: 'check.clientTimedOut',
    role: 'client',
    dependsOn: ['client-sends-datagram'],
    async run(h: H) {
      const server = await h.udpServer(h.port);
      const client = await h.start('client');
      client.type('hello? hello?');
      await server.expectDatagram('hello? hello?', { timeoutMs: 3000 });
      h.note(h.t('note.noReply'));
      await client.expectOutput(TIMED_OUT, { timeoutMs: 4000, what: h.t('timeout.what'), untilBlocked: true });
      await client.expectExit({ timeoutMs: 3000, why: h.t('why.afterTimedOut') });
    },
  },
  {
    id: 'client-under-loss',
    name: 'check.clientUnderLoss',
    role: 'client',
    dependsOn: ['client-prints-reply', 'client-timed-out'],
    async run(h: H) {
      // Both clients start first, each waiting for its line, so that neither
      // start (nor the rule's) is on the way: a client sends nothing before
      // its line, so the packets still come in the lines' order.
      const clients = [await h.start('client'), await h.start('client')];
      // The pattern counts both directions from here: try 1 is packets 0 and 1
      // (both arrive), try 2 is packets 2 and 3 (its reply is lost).
      await h.lose(30);
      const server = await h.udpServer(h.port);
      for (const [i, text] of ['first try', 'second try'].entries()) {
        const lost = i === 1;
        h.note(h.t(lost ? 'loss.tryLost' : 'loss.tryArrives', { n: i + 1 }));
        const client = clients[i]!;
        client.type(text);
        const d = await server.expectDatagram(text, { timeoutMs: 3000 });
        await server.reply(d, text.toUpperCase());
        const what = h.t('loss.tryWhat', { n: i + 1, expect: h.t(lost ? 'loss.expectTimedOut' : 'loss.expectReply', { reply: `"${text.toUpperCase()}"` }) });
        await client.expectOutput(lost ? TIMED_OUT : text.toUpperCase(), { timeoutMs: 4000, what });
        await client.expectExit({ timeoutMs: 3000, why: what, code: lost ? 1 : 0 });
      }
    },
  },
]);
