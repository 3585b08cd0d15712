// The naive chat client of part A (provided; part B asks you to fix it).
//
// It reads the keyboard the way input() does in Python: readSync() blocks
// the whole program until Enter is pressed. Node runs everything on one
// event loop, so while readSync() waits, no 'data' event can run: nothing
// reads the socket. Type /flood to send 10,000 lines at once.
import fs from 'node:fs';
import net from 'node:net';

const SERVER_NAME = 'localhost';
const SERVER_PORT = 8000;

/** One line from the keyboard, blocking; null at the end of input. */
function readLineSync() {
  const bytes = [];
  const one = Buffer.alloc(1);
  for (;;) {
    let n;
    try {
      n = fs.readSync(0, one, 0, 1, null);
    } catch (err) {
      if (err.code === 'EAGAIN') continue;
      throw err;
    }
    if (n === 0) return bytes.length ? Buffer.from(bytes).toString('utf8') : null;
    if (one[0] === 0x0a) return Buffer.from(bytes).toString('utf8').replace(/\r$/, '');
    bytes.push(one[0]);
  }
}

const socket = net.connect({ host: SERVER_NAME, port: SERVER_PORT, autoSelectFamily: true });
socket.setEncoding('utf8');
socket.on('data', (text) => process.stdout.write(text));
socket.on('error', (err) => {
  console.log(`could not connect to ${SERVER_NAME}:${SERVER_PORT}: ${err.code ?? err.message}`);
  process.exit(1);
});
socket.on('connect', () => {
  console.log(`connected to ${SERVER_NAME}:${SERVER_PORT}; type your nickname, then your messages`);
  // Read one line, send it, then let the event loop run a moment (the
  // 'data' events that queued up meanwhile run now), then the next line.
  const step = () => {
    const line = readLineSync();
    if (line === null) return socket.end();
    if (line === '/flood') {
      for (let i = 1; i <= 10000; i++) socket.write(`flood line ${String(i).padStart(4, '0')} ${'.'.repeat(180)}\n`);
    } else socket.write(`${line}\n`);
    setTimeout(step, 200);
  };
  step();
});
