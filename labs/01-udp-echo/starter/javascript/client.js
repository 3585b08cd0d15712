// UDP upper-case echo client: starter.
//
// This runs, but fix the TODOs: the client reads one line, sends it as one
// datagram to localhost:12000, prints the reply and exits with status 0.
// When no reply comes within 1 second it prints "timed out" and exits with
// status 1.
import dgram from 'node:dgram';
import readline from 'node:readline';

const serverName = 'localhost';
const serverPort = 12000;

const rl = readline.createInterface({ input: process.stdin, terminal: false });

rl.once('line', (message) => {
  rl.close(); // one line is all we read: the program may end
  const clientSocket = dgram.createSocket('udp4');
  clientSocket.on('message', (modifiedMessage) => {
    console.log(modifiedMessage.toString('utf8'));
    clientSocket.close();
  });
  clientSocket.send(message, serverPort, serverName);
  // TODO: UDP may lose the datagram or the reply, and then this client
  //       waits for ever. Start a timer: setTimeout(() => ..., 1000) (Node
  //       counts milliseconds) that prints a line with "timed out", closes
  //       the socket and sets process.exitCode = 1. Clear the timer
  //       (clearTimeout) when the reply arrives.
});
