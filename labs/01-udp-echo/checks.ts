/**
 * The grader of lab 01, udp-echo (LABS.md section 1). Server checks talk to
 * the student's server from the grader's own UDP sockets (each on an
 * ephemeral port, so a reply only arrives if it goes to the address that
 * recvfrom returned); client checks run the student's client against a
 * grader UDP server on port 12000 (dual-stack: 127.0.0.1 and ::1).
 */
import { defineChecks, type Datagram, type Harness, type UdpPeer } from '../../runner/grader/api.ts';

/** How long a reply on loopback may take before we call it lost. */
const REPLY_MS = 3000;
/** How long we listen for a datagram that should not come. */
const QUIET_MS = 400;
/** Whatever the student's client prints for a timeout must contain this. */
const TIMED_OUT = /timed out/i;

const REPLY_HINT =
  'Send one reply for each datagram, with sendto(reply, clientAddress), where clientAddress is what recvfrom() returned for that datagram (in Node: rinfo.port and rinfo.address).';

const EMPTY_HINT =
  'UDP has no "end of stream": an empty datagram (b"" from recvfrom(), a message of length 0 in Node) is a message like any other. Answer it with an empty datagram; do not skip it or stop on it.';

/** A string for a failure message: quoted, and cut when long. */
const quote = (text: string, max = 120) => (text.length > max ? `${JSON.stringify(text.slice(0, max))}… (${Buffer.byteLength(text)} bytes in all)` : JSON.stringify(text));

/** Waits for the next datagram and fails unless it holds exactly `expected`. */
async function expectReply(h: Harness, peer: UdpPeer, who: string, sent: string | Uint8Array, expected: string, noReplyHint = REPLY_HINT): Promise<Datagram> {
  const d = await peer.maybeReceive({ timeoutMs: REPLY_MS });
  if (!d) {
    h.fail(`${who} got no reply within ${REPLY_MS / 1000} s`, {
      expected: `one datagram ${quote(expected)} back at ${who}'s own address (port ${peer.port})`,
      received: '(nothing)',
      hint: noReplyHint,
    });
  }
  if (d.text !== expected || Buffer.from(d.data).length !== Buffer.byteLength(expected)) {
    const extra = d.text === `${expected}\n` ? ' (a "\\n" was added: a datagram is a message on its own, it needs no newline)' : d.text === expected.trim() && expected !== expected.trim() ? ' (spaces or newlines were stripped)' : '';
    h.fail(`${who} got the wrong reply${extra}`, {
      expected: `${quote(expected)}${expected.length > 120 ? '' : ` (${Buffer.byteLength(expected)} bytes)`}`,
      received: d.text.length > 120 ? quote(d.text) : `${JSON.stringify(d.text)} (${d.data.length} bytes)`,
      hint: `Sent ${typeof sent === 'string' ? quote(sent, 60) : `${sent.length} bytes`}: the reply must be exactly that text in upper case (str.upper() / toUpperCase()), nothing added or removed.`,
    });
  }
  return d;
}

/** Fails if any datagram arrives at `peer` within QUIET_MS: one request, one reply. */
const expectNoMore = (peer: UdpPeer) => peer.expectNothing(QUIET_MS);

export default defineChecks([
  {
    id: 'binds-port',
    name: 'binds port 12000/udp',
    role: 'server',
    async run(h: Harness) {
      const server = await h.start('server');
      await server.expectRunningFor(300, 'right after binding: a server waits for datagrams for ever');
    },
  },
  {
    id: 'upper-case',
    name: 'replies in upper case to the address the datagram came from',
    role: 'server',
    dependsOn: ['binds-port'],
    async run(h: Harness) {
      await h.start('server');
      const peer = await h.udp({ label: 'client A' });
      h.note(`the grader's socket "client A" has its own ephemeral port ${peer.port}: the reply must come back there`);
      await peer.send('hello, udp 42', h.port);
      await expectReply(h, peer, 'client A', 'hello, udp 42', 'HELLO, UDP 42');
      await expectNoMore(peer);
    },
  },
  {
    id: 'utf8',
    name: 'upper-cases UTF-8 text',
    role: 'server',
    dependsOn: ['upper-case'],
    async run(h: Harness) {
      await h.start('server');
      const peer = await h.udp({ label: 'client A' });
      await peer.send('café über ñandú', h.port);
      await expectReply(h, peer, 'client A', 'café über ñandú', 'CAFÉ ÜBER ÑANDÚ');
    },
  },
  {
    id: 'many-clients',
    name: 'serves many clients at once, each at its own address',
    role: 'server',
    dependsOn: ['upper-case'],
    async run(h: Harness) {
      const server = await h.start('server');
      const names = ['client A', 'client B', 'client C'];
      const peers = await Promise.all(names.map((label) => h.udp({ label })));
      h.note(`three grader sockets on ports ${peers.map((p) => p.port).join(', ')} take turns sending`);
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
                  h.fail(`the reply meant for ${names[i]} went to ${names[j]}`, {
                    expected: `${JSON.stringify(expected)} at ${names[i]} (port ${peers[i]!.port})`,
                    received: `${JSON.stringify(expected)} at ${names[j]} (port ${peers[j]!.port}); nothing at ${names[i]}`,
                    hint: `${REPLY_HINT} Do not keep the address of an earlier client: each datagram brings its own.`,
                  });
                }
              }
            }
            h.fail(`${names[i]} got no reply within ${REPLY_MS / 1000} s`, {
              expected: `one datagram ${JSON.stringify(expected)} at ${names[i]} (port ${peers[i]!.port})`,
              received: '(nothing)',
              hint: `${REPLY_HINT} The server must keep serving: loop for ever, one recvfrom() and one sendto() per datagram.`,
            });
          }
          if (d.text !== expected) {
            h.fail(`${names[i]} got the wrong reply`, {
              expected: JSON.stringify(expected),
              received: JSON.stringify(d.text),
              hint: d.text.startsWith('CLIENT ') ? `That reply was for another client. ${REPLY_HINT}` : 'The reply must be exactly the request in upper case.',
            });
          }
        }
      }
      for (const peer of peers) await expectNoMore(peer);
      server.expectRunning('while serving many clients');
    },
  },
  {
    id: 'empty-datagram',
    name: 'answers an empty datagram with an empty one',
    role: 'server',
    dependsOn: ['upper-case'],
    async run(h: Harness) {
      const server = await h.start('server');
      const peer = await h.udp({ label: 'client A' });
      h.note('UDP has no "end of stream": an empty datagram (recvfrom returns b"") is a message like any other');
      await peer.send('', h.port);
      await expectReply(h, peer, 'client A', '', '', EMPTY_HINT);
      await peer.send('and then more', h.port);
      await expectReply(h, peer, 'client A', 'and then more', 'AND THEN MORE');
      server.expectRunning('after an empty datagram');
    },
  },
  {
    id: 'not-utf8',
    name: 'keeps serving after a datagram that is not UTF-8 text',
    role: 'server',
    dependsOn: ['upper-case'],
    async run(h: Harness) {
      const server = await h.start('server');
      const bad = await h.udp({ label: 'client X' });
      const bytes = new Uint8Array([0x68, 0x69, 0xff, 0xfe, 0xc3, 0x28]);
      h.note(`client X sends the bytes ${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ')}: "hi" and then bytes that are not valid UTF-8 (shown below as \ufffd); answering or ignoring them is fine, stopping is not`);
      await bad.send(bytes, h.port);
      await server.expectRunningFor(1000, 'after a datagram that is not valid UTF-8 (decode it with errors="replace", or catch the error)');
      const peer = await h.udp({ label: 'client A' });
      await peer.send('still there?', h.port);
      await expectReply(h, peer, 'client A', 'still there?', 'STILL THERE?');
    },
  },
  {
    id: 'message-boundaries',
    name: 'keeps message boundaries: one whole reply per datagram',
    role: 'server',
    dependsOn: ['upper-case'],
    async run(h: Harness) {
      await h.start('server');
      const peer = await h.udp({ label: 'client A' });
      h.note('two datagrams sent back to back must come back as two datagrams, not one');
      await peer.send('first', h.port);
      await peer.send('second', h.port);
      await expectReply(h, peer, 'client A', 'first', 'FIRST');
      await expectReply(h, peer, 'client A', 'second', 'SECOND');
      h.note('one datagram holding two lines is still one message: one reply, every byte kept');
      const twoLines = ' line one\nline two \n';
      await peer.send(twoLines, h.port);
      await expectReply(h, peer, 'client A', twoLines, twoLines.toUpperCase());
      await expectNoMore(peer);
    },
  },
  {
    id: 'big-datagram',
    name: 'answers a 2048-byte datagram in full',
    role: 'server',
    dependsOn: ['upper-case'],
    async run(h: Harness) {
      await h.start('server');
      const peer = await h.udp({ label: 'client A' });
      const big = 'abcdefghijklmnopqrstuvwxyz0123456789 '.repeat(60).slice(0, 2048);
      h.note('a datagram longer than the buffer given to recvfrom() is cut short: the rest is lost');
      await peer.send(big, h.port);
      await expectReply(h, peer, 'client A', big, big.toUpperCase());
    },
  },
  {
    id: 'client-sends-datagram',
    name: 'sends the typed line as one datagram to localhost:12000',
    role: 'client',
    async run(h: Harness) {
      const server = await h.udpServer(h.port);
      const client = await h.start('client');
      client.type('hello from the keyboard');
      const d = await server.maybeReceive({ timeoutMs: 3000 });
      if (!d) {
        h.fail(`no datagram reached port ${h.port} within 3 s after a line was typed`, {
          expected: 'the datagram "hello from the keyboard"',
          received: '(nothing)',
          hint: `Does your client read one line and then sendto(data, ('localhost', ${h.port})) on a UDP (SOCK_DGRAM) socket?`,
        });
      }
      if (d.text !== 'hello from the keyboard') {
        const newline = /\r?\n$/.test(d.text);
        h.fail(`the datagram is not the typed line${newline ? ' (it ends with a newline)' : ''}`, {
          expected: '"hello from the keyboard" (without "\\n")',
          received: JSON.stringify(d.text),
          hint: newline ? 'sys.stdin.readline() keeps the "\\n": strip it (or use input()). The datagram itself marks where the message ends.' : 'Send the whole line as one datagram, encoded as UTF-8.',
        });
      }
      await server.reply(d, 'HELLO FROM THE KEYBOARD');
      await h.sleep(200);
      await server.expectNothing(300, { message: 'your client sent a second datagram', expected: 'one datagram per typed line', hint: 'Send the typed line once, as one datagram, then wait for the reply.' });
    },
  },
  {
    id: 'client-prints-reply',
    name: 'prints the reply and exits with code 0',
    role: 'client',
    dependsOn: ['client-sends-datagram'],
    async run(h: Harness) {
      const server = await h.udpServer(h.port);
      const client = await h.start('client');
      client.type('make me loud');
      const d = await server.expectDatagram('make me loud', { timeoutMs: 3000 });
      await server.reply(d, 'MAKE ME LOUD');
      const line = await client.expectOutput('MAKE ME LOUD', { what: 'the reply "MAKE ME LOUD"' });
      if (!line.trimEnd().endsWith('MAKE ME LOUD')) {
        h.fail('your client printed the reply with something around it', {
          expected: 'a line ending in MAKE ME LOUD',
          received: JSON.stringify(line),
          hint: line.includes("b'") ? "That is how Python prints bytes: decode the reply first, print(reply.decode())." : 'Print the reply text itself, followed by a newline.',
        });
      }
      await client.expectExit({ timeoutMs: 3000, why: 'after printing the reply, with its input still open', code: 0 });
    },
  },
  {
    id: 'client-timeout',
    name: 'gives up after about 1 s when no reply comes, with exit code 1',
    role: 'client',
    dependsOn: ['client-sends-datagram'],
    async run(h: Harness) {
      const server = await h.udpServer(h.port);
      const client = await h.start('client');
      client.type('anybody there?');
      await server.expectDatagram('anybody there?', { timeoutMs: 3000 });
      const arrived = Date.now();
      h.note('the grader got the datagram and does not reply (as if UDP had lost it)');
      const exit = await client.waitExit(4000);
      const waited = Date.now() - arrived;
      if (!exit) {
        h.fail('your client was still waiting 4 s after its datagram arrived', {
          expected: 'give up after about 1 s: print "timed out" and exit with code 1',
          received: 'still running',
          hint: 'UDP may lose a datagram, so a client must never wait for ever: socket.settimeout(1) before recvfrom(), and catch `timeout` (in Node: setTimeout(..., 1000)).',
        });
      }
      h.note(`your client exited ${(waited / 1000).toFixed(2)} s after its datagram arrived`);
      if (waited < 700) {
        h.fail(`your client gave up after only ${waited} ms`, {
          expected: 'wait about 1 s (at least 0.7 s) for the reply',
          received: `exited after ${waited} ms`,
          hint: 'A reply needs time to travel back. Python settimeout() counts seconds: settimeout(1); Node setTimeout() counts milliseconds: setTimeout(..., 1000).',
        });
      }
      if (exit.code !== 1) h.fail(`your client exited with code ${exit.code} when no reply came`, { expected: 'exit code 1', received: `exit code ${exit.code}`, hint: 'sys.exit(1) (in Node: process.exitCode = 1) after printing "timed out".' });
    },
  },
  {
    id: 'client-timed-out',
    name: 'says "timed out" (no stack trace) when no reply comes',
    role: 'client',
    dependsOn: ['client-sends-datagram'],
    async run(h: Harness) {
      const server = await h.udpServer(h.port);
      const client = await h.start('client');
      client.type('hello? hello?');
      await server.expectDatagram('hello? hello?', { timeoutMs: 3000 });
      h.note('the grader got the datagram and does not reply (as if UDP had lost it)');
      await client.expectOutput(TIMED_OUT, { timeoutMs: 4000, what: 'a line containing "timed out"' });
      await client.expectExit({ timeoutMs: 3000, why: 'after printing "timed out"' });
    },
  },
]);
