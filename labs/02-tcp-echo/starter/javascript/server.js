// TCP upper-case echo server: starter (plain Node.js).
//
// This runs, but it does not do the job yet. Fix the TODOs so that, for each
// connection, the server reads one whole line, sends it back IN UPPER CASE
// followed by '\n', closes the connection and goes on accepting.
import net from 'node:net';

const serverPort = 12000;

// Node calls this function once per client, with that client's own
// connection socket. The listening socket is `server` below.
function serve(connectionSocket) {
  // TODO: one 'data' event is not one message: TCP is a byte stream, and a
  //       'data' event holds whatever has arrived so far. Collect the chunks
  //       (Buffers) until one holds a '\n' (the line may come in pieces).
  //       The 'end' event means the client has closed its end.
  connectionSocket.once('data', (data) => {
    const sentence = data.toString();
    // TODO: reply with the line in upper case, followed by '\n'.
    connectionSocket.write(sentence);
    // end() closes our side once the reply is sent.
    connectionSocket.end();
  });
  // TODO: a client that resets the connection makes this socket emit
  //       'error'; with no 'error' handler, Node stops the whole server.
}

const server = net.createServer(serve);
// No host: every interface. Node sets SO_REUSEADDR itself, so Run can
// restart the server at once.
server.listen(serverPort, () => {
  console.log('The server is ready to receive');
});
