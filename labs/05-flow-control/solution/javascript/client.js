// Chat client that keeps reading while the user types (reference solution, part B).
//
// Node is event-driven: one callback for each typed line (readline), one for
// each chunk from the server. Neither blocks, so the socket is read as soon
// as data arrives, even while the user types nothing.
import net from 'node:net';
import readline from 'node:readline';

const SERVER_NAME = 'localhost';
const SERVER_PORT = 8000;

// autoSelectFamily: tries every address of 'localhost' (::1 and 127.0.0.1).
const socket = net.connect({ host: SERVER_NAME, port: SERVER_PORT, autoSelectFamily: true });
const keyboard = readline.createInterface({ input: process.stdin });

socket.on('connect', () => console.log(`connected to ${SERVER_NAME}:${SERVER_PORT}; type your nickname, then your messages`));

// Lines from the server, printed as they complete (a chunk is not a line).
// One write per chunk: printing line by line would be slower than the server.
socket.setEncoding('utf8');
let pending = '';
socket.on('data', (text) => {
  const lines = (pending + text).split('\n');
  pending = lines.pop();
  if (lines.length) process.stdout.write(lines.map((l) => l.replace(/\r$/, '')).join('\n') + '\n');
});

keyboard.on('line', (line) => socket.write(`${line}\n`));
// End of input (Ctrl-D): close the connection and leave.
keyboard.on('close', () => {
  socket.end();
  socket.destroySoon();
});

socket.on('error', (err) => {
  const what = err.code === 'ECONNREFUSED' ? `could not connect to ${SERVER_NAME}:${SERVER_PORT}` : 'connection lost';
  console.log(`${what}: ${err.code ?? err.message}`);
  process.exitCode = 1;
});
socket.on('close', () => {
  // Let go of the keyboard, or Node would wait for it for ever.
  keyboard.close();
  process.stdin.pause();
});
