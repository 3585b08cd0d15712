// Mutant: unbounded writes (write() returns false and nobody listens).

import net from 'node:net';

const SERVER_PORT = 8000;
// A client that never sends a newline must not eat all our memory.
const MAX_LINE = 64 * 1024;
// Every client that has sent its nickname: socket -> nickname.
const members = new Map();

function broadcast(line) {
  for (const socket of [...members.keys()]) {
    socket.write(`${line}\n`); // Mutant: writableLength never looked at: the buffer grows without end
  }
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
