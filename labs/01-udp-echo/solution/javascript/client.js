// UDP upper-case echo client (reference solution).
//
// Reads one line from the keyboard (stdin), sends it as one datagram to
// localhost:12000, prints the reply and exits. UDP may lose the datagram or
// the reply, so the client waits at most one second.
import dgram from 'node:dgram';
import readline from 'node:readline';

const SERVER_NAME = 'localhost';
const SERVER_PORT = 12000;
const TIMEOUT_MS = 1000; // setTimeout counts milliseconds: 1000 ms = 1 s

// terminal: false leaves the terminal as it is (the terminal echoes what
// you type; readline does not take over the keyboard).
const rl = readline.createInterface({ input: process.stdin, terminal: false });

rl.once('line', (sentence) => {
  // One line is all we need: stop reading the keyboard, so the program can
  // end on its own while its input stays open. The line comes without '\n'.
  rl.close();
  process.stdin.pause();

  const socket = dgram.createSocket('udp4');
  let done = false;
  let timer;
  const finish = (code) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    socket.close();
    process.exitCode = code;
  };

  socket.on('message', (reply) => {
    console.log(reply.toString('utf8'));
    finish(0);
  });
  socket.on('error', (err) => {
    console.log(`could not talk to ${SERVER_NAME}:${SERVER_PORT}: ${err.message}`);
    finish(1);
  });

  socket.send(sentence, SERVER_PORT, SERVER_NAME, (err) => {
    if (err) {
      console.log(`could not send to ${SERVER_NAME}:${SERVER_PORT}: ${err.message}`);
      finish(1);
      return;
    }
    // The datagram is on its way. Without a deadline the program would
    // wait for ever for a reply that UDP may have lost.
    if (!done) {
      timer = setTimeout(() => {
        console.log(`Request timed out: no reply from ${SERVER_NAME}:${SERVER_PORT} within ${TIMEOUT_MS / 1000} s`);
        finish(1);
      }, TIMEOUT_MS);
    }
  });
});
