// Chat server that one slow client cannot stall (reference solution, part C).
//
// socket.write() never blocks: what the client has not taken yet waits in
// that socket's own buffer (socket.writableLength). A client that stops
// reading makes only its own buffer grow, so the broadcast never waits for
// it; and once that buffer holds more than MAX_BACKLOG_BYTES the client has
// fallen too far behind and is dropped, so memory stays bounded.
import net from 'node:net';

const SERVER_PORT = 8000;
// A client that never sends a newline must not eat all our memory.
const MAX_LINE = 64 * 1024;
// Bytes a client may fall behind before it is dropped.
const MAX_BACKLOG_BYTES = 1024 * 1024;

// Every client that has sent its nickname: socket -> nickname.
const members = new Map();

function broadcast(line) {
  for (const socket of [...members.keys()]) {
    socket.write(`${line}\n`);
    if (socket.writableLength > MAX_BACKLOG_BYTES) drop(socket);
  }
}

/** Removes a member that fell too far behind and tells the others. */
function drop(socket) {
  const nick = members.get(socket);
  if (!members.delete(socket)) return;
  socket.destroy();
  broadcast(`* ${nick} left the chat`);
}

const server = net.createServer((socket) => {
  let nick = null;
  let pending = '';
  socket.setEncoding('utf8');
  socket.on('data', (text) => {
    const lines = (pending + text).split('\n');
    pending = lines.pop();
    if (pending.length > MAX_LINE) return socket.destroy();
    for (const raw of lines) {
      if (!members.has(socket) && nick !== null) return; // dropped meanwhile
      const line = raw.replace(/\r$/, '');
      if (nick === null) {
        if (!line.trim()) continue;
        nick = line.trim();
        members.set(socket, nick);
        broadcast(`* ${nick} joined the chat`);
      } else if (line) {
        broadcast(`[${nick}] ${line}`);
      }
    }
  });
  socket.on('end', () => socket.end());
  socket.on('error', () => {});
  socket.on('close', () => {
    if (members.delete(socket)) broadcast(`* ${nick} left the chat`);
  });
});

server.listen(SERVER_PORT, () => console.log(`The chat server is ready on port ${SERVER_PORT}`));
