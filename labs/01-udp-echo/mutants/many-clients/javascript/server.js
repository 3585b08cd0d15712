// MUTANT (must fail "many-clients"):
// Listens with once() instead of on(): it answers the first datagram and
// then ignores every later one.
//
// UDP upper-case echo server: a known-wrong version (see above).
//
// For every datagram that arrives, send exactly one datagram back to the
// address it came from, holding the same text in upper case. There is no
// connection: one socket serves every client, and each reply goes to the
// address (rinfo) that came with that very datagram.
import dgram from 'node:dgram';

const SERVER_PORT = 12000;

const server = dgram.createSocket('udp4');

// One 'message' event is one whole datagram, and `rinfo` says who sent it.
// An empty datagram is a message too (UDP has no "end of stream").
server.once('message', (message, rinfo) => {
  // toString('utf8') never throws: bytes that are not valid UTF-8 become
  // U+FFFD, so a strange datagram cannot stop the server.
  const text = message.toString('utf8');
  const reply = Buffer.from(text.toUpperCase(), 'utf8');
  server.send(reply, rinfo.port, rinfo.address, (err) => {
    if (err) console.log(`could not reply to ${rinfo.address}:${rinfo.port}: ${err.message}`);
  });
  const shown = text.length > 60 ? `${text.slice(0, 60)}...` : text;
  console.log(`Replied to ${rinfo.address}:${rinfo.port} ${JSON.stringify(shown)}`);
});

// Without this handler, an error on the socket would crash the program
// with a stack trace.
server.on('error', (err) => {
  console.log(`server error: ${err.message}`);
  process.exitCode = 1;
  server.close();
});

server.bind(SERVER_PORT, () => {          // every interface, port 12000
  console.log(`The server is ready to receive on port ${SERVER_PORT}`);
});
