// Mutant: a blocking stdin read on Node's event loop. readSync() waits for
// the keyboard and, meanwhile, no 'data' event can run.
import fs from 'node:fs';
import net from 'node:net';

const socket = net.connect({ host: 'localhost', port: 8000, autoSelectFamily: true });
socket.setEncoding('utf8');
socket.on('data', (text) => process.stdout.write(text));

function readLineSync() {
  let line = '';
  const one = Buffer.alloc(1);
  for (;;) {
    let n;
    try {
      n = fs.readSync(0, one, 0, 1, null);
    } catch (err) {
      if (err.code === 'EAGAIN') continue;
      throw err;
    }
    if (n === 0) return line || null;
    if (one[0] === 0x0a) return line;
    line += String.fromCharCode(one[0]);
  }
}

socket.on('connect', function next() {
  const line = readLineSync();
  if (line === null) return socket.end();
  socket.write(`${line}\n`);
  setImmediate(next);
});
