// Mutant (clean-disconnect): no "left the chat" announcement.
// solution), plain Node.js.
//
// Node runs every callback in ONE thread, one at a time, like Python's
// asyncio event loop: no threads, so no lock.
import net from 'node:net';

const SERVER_PORT = 8000;
// A client that never sends a newline must not eat all our memory.
const MAX_LINE = 64 * 1024;

// Every client that has sent its nickname: socket -> nickname. Keyed by the
// socket, not by the nickname: two clients may choose the same nickname,
// and a Map keyed by nickname would keep only the last of them.
const members = new Map();

/** Sends one line to every named client. */
function broadcast(line) {
  const data = `${line}\n`;
  // write() queues the bytes and returns at once; Node sends them as the
  // network takes them.
  for (const socket of members.keys()) socket.write(data);
}

function serve(socket) {
  let nick = null;
  let pending = Buffer.alloc(0); // bytes after the last '\n'

  const onLine = (text) => {
    if (nick === null) {
      if (!text.trim()) return; // an empty line is not a nickname: wait for one
      nick = text.trim();
      members.set(socket, nick);
      broadcast(`* ${nick} joined the chat`);
    } else if (text) {
      broadcast(`[${nick}] ${text}`); // as sent, not trimmed; empty lines ignored
    }
  };

  // A 'data' event holds whatever arrived: part of a line, or several.
  socket.on('data', (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    let newline;
    while ((newline = pending.indexOf(0x0a)) >= 0) {
      const line = pending.subarray(0, newline).toString('utf8').replace(/\r$/, '');
      pending = pending.subarray(newline + 1);
      onLine(line);
    }
    if (pending.length > MAX_LINE) socket.destroy();
  });

  socket.on('end', () => socket.end()); // end of stream: close our side too
  // 'close' comes once, after an end of stream or a reset.
  socket.on('close', () => {
    members.delete(socket); // Mutant: nobody is told that the client left
  });
  // A reset (ECONNRESET) or a write to a client that is gone (EPIPE).
  // Without this handler Node would throw it and the whole server stops.
  socket.on('error', (err) => console.log(`${nick ?? 'a client'} went away: ${err.code ?? err.message}`));
}

const server = net.createServer(serve);
server.on('error', (err) => {
  console.log(`The server could not listen on port ${SERVER_PORT}: ${err.code ?? err.message}`);
  process.exit(1);
});
server.listen(SERVER_PORT, () => console.log('The chat server is ready on port', SERVER_PORT));
