// Broadcast chat server: starter, plain Node.js.
//
// This runs: Node calls serve() for every client, and each chunk comes
// back... but only to the client that sent it. Fix the TODOs so that every
// line goes to EVERY connected client, the sender included.
import net from 'node:net';

const SERVER_PORT = 2000;

// TODO: a Set of every connected client's socket. Node runs one callback
//       at a time, so it needs no lock.

function serve(socket) {
  console.log(`Client ${socket.remoteAddress}:${socket.remotePort} connected`);
  // TODO: add the socket to the set.

  socket.on('data', (chunk) => {
    // TODO: a chunk is whatever bytes have arrived: part of a line, or
    //       several lines. Keep the bytes until a '\n' arrives and send on
    //       only whole lines, each to every client in the set.
    socket.write(chunk);
  });

  // TODO: on 'close', remove the socket from the set.
  // TODO: on 'error' (a reset), log it: without an 'error' handler, Node
  //       stops the whole server the first time a client resets.
}

const server = net.createServer(serve);
server.listen(SERVER_PORT, () => console.log('The server is ready on port', SERVER_PORT));
