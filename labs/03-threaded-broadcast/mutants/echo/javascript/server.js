// Mutant (echo): the broadcast server, but a line goes to every client except its sender.
//
// Every line a client sends goes to every connected client, the sender
// included. Java and Python give each client a thread that blocks in
// readLine() / recv(); Node has one thread and calls our functions when a
// client connects, when bytes arrive and when a client leaves. Only one
// function runs at a time, so the set of clients needs no lock.
import net from 'node:net';

const SERVER_PORT = 2000;
// A client that never sends a newline must not eat all our memory.
const MAX_LINE = 1024 * 1024;

/** Every connected client's socket. */
const clients = new Set();

/** Mutant: sends a line to every client except its sender. */
function broadcast(line, sender) {
  const bytes = Buffer.concat([line, Buffer.from('\n')]);
  for (const client of clients) if (client !== sender) client.write(bytes);
}

function serve(socket) {
  const who = `${socket.remoteAddress}:${socket.remotePort}`;
  clients.add(socket);
  console.log(`Client ${who} connected`);
  let pending = Buffer.alloc(0); // bytes received after the last '\n'

  // A 'data' event holds whatever arrived: part of a line, or several
  // lines. Only complete lines are sent on; the rest waits for its '\n'.
  socket.on('data', (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    let newline;
    while ((newline = pending.indexOf(0x0a)) >= 0) {
      let line = pending.subarray(0, newline);
      if (line[line.length - 1] === 0x0d) line = line.subarray(0, -1);
      pending = pending.subarray(newline + 1);
      broadcast(line, socket);
    }
    if (pending.length > MAX_LINE) socket.destroy();
  });

  // 'end': the client closed its side. Close ours too.
  socket.on('end', () => socket.end());
  // 'close' comes once, after 'end' or an error: the client leaves the set.
  socket.on('close', () => {
    clients.delete(socket);
    console.log(`Client ${who} left`);
  });
  // A reset (ECONNRESET) or a write to a client that is gone (EPIPE).
  // Without this handler Node would throw it and the whole server stops.
  socket.on('error', (err) => console.log(`Client ${who} went away: ${err.code ?? err.message}`));
}

const server = net.createServer(serve);
server.on('error', (err) => {
  console.log(`The server could not listen on port ${SERVER_PORT}: ${err.code ?? err.message}`);
  process.exit(1);
});
server.listen(SERVER_PORT, () => console.log('The server is ready on port', SERVER_PORT));
