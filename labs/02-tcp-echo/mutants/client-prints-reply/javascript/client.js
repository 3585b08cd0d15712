// MUTANT (must fail "client-prints-reply"): reads the line with readline
// but never lets go of stdin. It prints the reply, then Node waits for more
// typing for ever: an open, flowing stdin keeps a Node program alive. (The
// fix: keyboard.close() and process.stdin.pause() once the line is read.)
import net from 'node:net';
import readline from 'node:readline';

const keyboard = readline.createInterface({ input: process.stdin, terminal: false });

keyboard.once('line', (sentence) => {
  // the mistake: no keyboard.close() / process.stdin.pause()
  const socket = net.connect(12000, 'localhost');
  const chunks = [];
  socket.on('connect', () => socket.write(`${sentence}\n`));
  socket.on('error', (err) => {
    console.log(`could not connect to localhost:12000: ${err.code ?? err.message}`);
    process.exitCode = 1;
  });
  const done = () => {
    socket.removeAllListeners('data');
    socket.removeAllListeners('end');
    socket.destroy();
    const reply = Buffer.concat(chunks);
    const end = reply.indexOf(0x0a);
    console.log(reply.subarray(0, end < 0 ? reply.length : end).toString('utf8').replace(/\r$/, ''));
  };
  socket.on('data', (chunk) => {
    chunks.push(chunk);
    if (chunk.includes(0x0a)) done();
  });
  socket.on('end', done);
});
