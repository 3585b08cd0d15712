// The naive chat server of part A (provided; part C asks you to fix it).
//
// It works while every client reads. Each client's lines are handled in
// turn, and the broadcast writes a line to one client and, when write()
// says that client's buffer is full, waits for its 'drain' before it goes
// on to the next: a client that stops reading makes everyone wait.
import net from 'node:net';
import { once } from 'node:events';
import readline from 'node:readline';

const SERVER_PORT = 8000;

// Every client that has sent its nickname: socket -> nickname.
const members = new Map();

async function broadcast(line) {
  for (const socket of [...members.keys()]) {
    if (!socket.write(`${line}\n`)) await once(socket, 'drain'); // waits for THIS client
  }
}

const server = net.createServer(async (socket) => {
  socket.on('error', () => {});
  let nick = null;
  try {
    for await (const raw of readline.createInterface({ input: socket, crlfDelay: Infinity })) {
      if (nick === null) {
        nick = raw.trim() || null;
        if (nick) {
          members.set(socket, nick);
          await broadcast(`* ${nick} joined the chat`);
        }
      } else if (raw) {
        await broadcast(`[${nick}] ${raw}`);
      }
    }
  } catch {
    // a reset: treated as a departure
  }
  socket.end();
  if (members.delete(socket)) await broadcast(`* ${nick} left the chat`);
});

server.listen(SERVER_PORT, () => console.log(`The chat server is ready on port ${SERVER_PORT}`));
