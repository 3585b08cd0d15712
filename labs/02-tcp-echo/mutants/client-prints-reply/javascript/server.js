// TCP upper-case echo server (reference solution), plain Node.js.
//
// For each connection: collect bytes until the first newline, send that
// line back in upper case followed by a newline, and close the connection.
// Node is event-driven: instead of a loop around accept() and recv(), it
// calls our functions when a client connects and when bytes arrive. So this
// server may serve several clients at once; nothing here blocks.
import net from 'node:net';

const SERVER_PORT = 12000;
// The contract asks for lines up to 64 KiB. We accept more, but not without
// limit: a client that never sends a newline must not eat all our memory.
const MAX_LINE = 1024 * 1024;

// Called once per client with the connection socket for that client.
function serve(socket) {
  const who = `${socket.remoteAddress}:${socket.remotePort}`;
  const chunks = []; // the bytes received so far (Buffers), before any '\n'
  let length = 0;
  let answered = false;

  // Sends the reply (if any) and closes our side. end() sends what is
  // queued, then FIN: the client sees the end of the stream.
  const finish = (lineBytes) => {
    answered = true;
    if (lineBytes === null || lineBytes.length === 0) {
      socket.end(); // nothing sent (or far too long): just close
      return;
    }
    // Collect bytes, decode the whole line once: a chunk may end in the
    // middle of a multi-byte UTF-8 character.
    let line = lineBytes;
    if (line[line.length - 1] === 0x0d) line = line.subarray(0, -1); // "hello\r\n"
    const text = line.toString('utf8');
    socket.end(`${text.toUpperCase()}\n`);
    console.log('Replied to', text.length > 60 ? `${text.slice(0, 60)}...` : text);
  };

  // TCP is a byte stream: a 'data' event holds whatever has arrived so far,
  // maybe part of the line, maybe all of it. Keep collecting until '\n'.
  socket.on('data', (chunk) => {
    if (answered) return; // anything after the newline is ignored
    const newline = chunk.indexOf(0x0a);
    if (newline >= 0) {
      chunks.push(chunk.subarray(0, newline));
      finish(Buffer.concat(chunks));
      return;
    }
    chunks.push(chunk);
    length += chunk.length;
    if (length > MAX_LINE) finish(null);
  });

  // 'end': the client closed its side before sending a newline (maybe
  // without sending anything at all). Answer what came, and close.
  socket.on('end', () => {
    if (!answered) finish(Buffer.concat(chunks));
  });

  // A client that resets the connection makes the socket emit 'error'.
  // Without this handler Node would throw it and the whole server would
  // stop. With it, only this one connection ends.
  socket.on('error', (err) => {
    console.log(`Client ${who} went away: ${err.code ?? err.message}`);
    socket.destroy();
  });

  // After our reply, the socket is fully closed once the client closes its
  // side too. A client that never does must not keep it open for ever.
  socket.on('finish', () => {
    socket.setTimeout(5000, () => socket.destroy());
  });
}

// The listening socket: it only accepts connections; every client gets its
// own connection socket, passed to serve(). Node sets SO_REUSEADDR on
// listening sockets itself, so a restarted server can bind the port at once.
// allowHalfOpen: when a client closes its side first, we still answer and
// then close ours (by default Node would close ours at once).
const server = net.createServer({ allowHalfOpen: true }, serve);

server.on('error', (err) => {
  // e.g. EADDRINUSE: another server already listens on the port.
  console.log(`The server could not listen on port ${SERVER_PORT}: ${err.code ?? err.message}`);
  process.exit(1);
});

// No host given: every interface, IPv4 and IPv6 ('' / 0.0.0.0 and ::).
server.listen(SERVER_PORT, () => {
  console.log('The server is ready to receive on port', SERVER_PORT);
});
