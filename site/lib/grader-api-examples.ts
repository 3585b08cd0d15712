/**
 * One short example per method of the grader API, shown by the "Write a
 * lab" page under each method's generated reference. Keyed "Interface.method";
 * grader-api-doc.test.ts fails when a method of the API has no example here
 * or an example names a method that no longer exists.
 */
export const EXAMPLES: Record<string, string> = {
  'CheckDef.run': `async run(h) {
  await h.start('server');
  const c = await h.connect(12000);
  await c.sendLine('hi');
  await c.expectLine('HI');
}`,

  'Harness.start': `const server = await h.start('server'); // waits until it has bound its ready port
const client = await h.start('client', { waitReady: false });`,
  'Harness.connect': `const c = await h.connect(12000, { label: 'first client' });`,
  'Harness.udp': `const peer = await h.udp();
await peer.send('hello', 12000);
await peer.expectDatagram('HELLO');`,
  'Harness.listen': `const server = await h.listen(12000); // the grader plays the server
const client = await h.start('client');
const c = await server.accept({ why: 'after the client started' });`,
  'Harness.udpServer': `const server = await h.udpServer(12000);
const d = await server.receive({ what: "the client's request" });
await server.reply(d, d.text.toUpperCase());`,
  'Harness.t': `h.fail(h.t('closedEarly', { who: 'client A' }), { hint: h.t('hint.closedEarly') }); // the lab's messages.ts, in the student's language`,
  'Harness.socket': `const socket = await h.socket(4000); // a raw socket into the sandbox, e.g. for node:http or ws
const res = await new Promise((done) => http.get({ createConnection: () => socket, path: '/messages' }, done));`,
  'Harness.lose': `await h.lose(30); // the lab's network.loss port now drops 3 packets in 10, the same ones every run`,
  'Harness.openPage': `const web = await h.openPage(4000); // the student's page from their server, in a real Chromium
await web.page.locator('form input').fill('hi');
await web.page.locator('form input').press('Enter');
if (!(await web.waitWebSockets(1, 5000))) h.fail('your page opened no WebSocket', { hint: 'new WebSocket("ws://" + location.host + "/ws")' });`,
  'Harness.submitted': `if (!h.submitted('public/index.html')) h.fail('your files hold no public/index.html'); // else the reference's page would be served`,
  'Harness.note': `h.note('now a client that resets the connection');`,
  'Harness.fail': `if (code !== 0) h.fail(\`your client exited with code \${code}\`, { expected: 'exit code 0', received: \`exit code \${code}\`, hint: 'Return 0 after printing the reply.' });`,
  'Harness.sleep': `await h.sleep(200); // let the server notice the reset before the next client`,
  'Harness.teardown': `h.teardown(() => c.reset());`,

  'Program.type': `client.type('hello from the keyboard');`,
  'Program.endInput': `client.endInput(); // the student's program sees end of file`,
  'Program.expectOutput': `await client.expectOutput(/could not connect/i, { what: 'a line containing "could not connect"' });`,
  'Program.expectExit': `const { code } = await client.expectExit({ why: 'after printing the reply' });`,
  'Program.waitExit': `const exit = await client.waitExit(1000); // undefined while it still runs; never fails`,
  'Program.expectRunning': `server.expectRunning('after a client left early');`,
  'Program.expectRunningFor': `await server.expectRunningFor(500, 'after an empty datagram'); // a dying server gets time to die, so its exit is named`,
  'Program.blockedIn': `// The grader never answers: a client with no timeout waits for ever, so say so at once.
const exit = await client.waitExit(4000, { untilBlocked: true });
const call = exit ? undefined : await client.blockedIn(); // "recvfrom()"
if (call) h.fail(\`your client waits in \${call} with no timeout\`);`,
  'Program.waitBlocked': `// A wait of the check's own: over at the deadline, or once the server can send nothing more.\nconst done = new AbortController();\nconst blocked = server.waitBlocked(5000, done.signal);\nconst frame = await Promise.race([nextFrame(peer, 5000), blocked.then(() => null)]);\ndone.abort(); // a frame came: stop looking`,
  'Program.expectSurvives': `await server.expectSurvives('after a client reset the connection', async () => {\n  const c = await h.connect(h.port);\n  await c.sendLine('still there?');\n  await c.expectLine('STILL THERE?');\n});`,
  'Program.waitIdle': `await server.waitIdle(200); // a second reply, or a crash, can only come before the server waits for input again\nserver.expectRunning('after a datagram with no newline');`,
  'Program.cpuMs': `if ((await server.cpuMs()) > 2000) h.fail('the server spins while it waits', { hint: 'Block in accept() or recv(); do not poll.' });`,
  'Program.rssBytes': `if ((await server.rssBytes()) > 200 * 2 ** 20) h.fail('the server keeps every line in memory');`,
  'Program.threads': `const before = await server.threads();\nfor (let i = 0; i < 8; i++) await h.connect(8000); // eight more clients\nif ((await server.threads()) >= before + 8) h.fail('your server starts a thread per client', { hint: 'Serve every client from one event loop.' });`,
  'Program.stop': `await server.stop(); // then check the client copes with no server`,

  'Conn.send': `await c.send('half a li'); // no newline`,
  'Conn.sendLine': `await c.sendLine('hello, world');`,
  'Conn.sendPieces': `await c.sendPieces(['sock', 'ets are ', 'a byte ', 'stream\\n'], 250);`,
  'Conn.waitTaken': `rude.reset();
await rude.waitTaken(1000); // the server has seen the reset and is idle again (or 1 s passed)`,
  'Conn.readLine': `const line = await c.readLine({ timeoutMs: 5000 }); // null at end of stream`,
  'Conn.expectLine': `await c.expectLine('HELLO, WORLD');
await c.expectLine(/^\\d+ bytes$/, { what: 'the byte count' });`,
  'Conn.expectEnd': `await c.expectEnd({ why: 'after the reply' });`,
  'Conn.halfClose': `c.halfClose(); // "I am done sending": the server must still answer`,
  'Conn.reset': `c.reset();`,
  'Conn.close': `await c.close();`,

  'Listener.accept': `const c = await server.accept({ timeoutMs: 5000, why: 'after a line was typed' });`,

  'UdpPeer.send': `await peer.send('ping', 12000);`,
  'UdpPeer.receive': `const d = await peer.receive({ what: 'the reply' });`,
  'UdpPeer.expectDatagram': `await peer.expectDatagram('PING');`,
  'UdpPeer.maybeReceive': `const d = await peer.maybeReceive({ timeoutMs: 1000 }); // undefined when nothing came`,
  'UdpPeer.expectNothing': `await peer.expectNothing(500, { message: 'your server answered a datagram meant for nobody' });`,
  'UdpPeer.reply': `await server.reply(d, 'PONG');`,
};
