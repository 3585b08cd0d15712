// Chat server with nicknames, one thread, many clients: starter, plain
// Node.js.
//
// This runs: Node calls serve() for every client, and each chunk comes
// back... but only to the client that sent it. Fix the TODOs to make it
// the chat that the lesson describes.
import net from 'node:net';

const SERVER_PORT = 8000;

// TODO: the named clients. Two clients may choose the same nickname, so
//       key them by their socket (a Map socket -> nickname).

function serve(socket) {
  socket.on('data', (chunk) => {
    // TODO: a chunk is whatever bytes have arrived, not a line: keep them
    //       until a '\n' comes, and handle whole lines only.
    // TODO: the first line is the nickname (trimmed): announce
    //       "* <nick> joined the chat" to every named client, the newcomer
    //       too. Then every non-empty line goes, as sent, to every named
    //       client as "[<nick>] <text>".
    socket.write(chunk);
  });
  // TODO: on 'close', forget the client and send "* <nick> left the chat"
  //       to the others.
  // TODO: an 'error' handler (a reset), or Node stops the whole server.
}

const server = net.createServer(serve);
server.listen(SERVER_PORT, () => console.log('The chat server is ready on port', SERVER_PORT));
