// Line client for the chat server (provided by the lab: you write the server).
//
// What you type is sent, one line at a time; every line that arrives from
// the server is printed as soon as it arrives, even while you are typing.
// Node is event-driven, so both happen without threads: one callback for
// each typed line, one for each chunk from the server.
import net from 'node:net';
import readline from 'node:readline';

const SERVER_NAME = 'localhost';
const SERVER_PORT = 2000;

// autoSelectFamily: tries every address of 'localhost' (::1 and 127.0.0.1).
const socket = net.connect({ host: SERVER_NAME, port: SERVER_PORT, autoSelectFamily: true });
const keyboard = readline.createInterface({ input: process.stdin });

socket.on('connect', () => console.log(`connected to ${SERVER_NAME}:${SERVER_PORT}; type a line and press Enter`));

// Lines from the server, printed as they complete (a chunk is not a line).
socket.setEncoding('utf8');
let pending = '';
socket.on('data', (text) => {
  const lines = (pending + text).split('\n');
  pending = lines.pop();
  for (const line of lines) console.log(line.replace(/\r$/, ''));
});

keyboard.on('line', (line) => socket.write(`${line}\n`));
// End of input (Ctrl-D): tell the server (FIN) and wait for it to close.
keyboard.on('close', () => socket.end());

socket.on('error', (err) => {
  const what = err.code === 'ECONNREFUSED' ? `could not connect to ${SERVER_NAME}:${SERVER_PORT}` : 'connection lost';
  console.log(`${what}: ${err.code ?? err.message}`);
  process.exitCode = 1;
});
socket.on('close', (hadError) => {
  if (!hadError) console.log('(the server closed the connection)');
  // Let go of the keyboard, or Node would wait for it for ever.
  keyboard.close();
  process.stdin.pause();
});
