// Mutant (reset--readline): each socket has an 'error' listener, but its lines
// are read through readline.createInterface, which re-emits the socket's
// errors as its own 'error' event: with no listener there, a reset ends the
// server.
import net from 'node:net';
import readline from 'node:readline';

const sockets = new Set();
net.createServer((sock) => {
  sockets.add(sock);
  sock.on('error', (e) => console.log('client error', e.code));
  sock.on('close', () => sockets.delete(sock));
  const rl = readline.createInterface({ input: sock, crlfDelay: Infinity });
  rl.on('line', (line) => {
    for (const s of sockets) if (!s.destroyed) s.write(line + '\n');
  });
  rl.on('close', () => sock.end());
}).listen(2000, () => console.log('listening on 2000'));
