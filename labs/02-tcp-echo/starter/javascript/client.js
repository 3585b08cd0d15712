// TCP upper-case echo client: starter (plain Node.js).
//
// This runs, but fix the TODOs: the client reads one line, sends it with a
// '\n', prints the server's whole reply line, and exits. When no server is
// listening it prints "could not connect" instead of an error dump.
import net from 'node:net';
import readline from 'node:readline';

const serverName = 'localhost';
const serverPort = 12000;

const keyboard = readline.createInterface({ input: process.stdin, terminal: false });
keyboard.once('line', (sentence) => {
  // Let go of stdin: while it is open and read, Node keeps the program
  // alive, waiting for more typing.
  keyboard.close();
  process.stdin.pause();

  // TODO: 'localhost' may be ::1 (IPv6) or 127.0.0.1 (IPv4): try each
  //       address (dns.promises.lookup(name, { all: true })), and when none
  //       accepts, print a line with "could not connect" and set
  //       process.exitCode = 1. Without an 'error' handler, a refused
  //       connection stops Node with an error dump.
  const clientSocket = net.connect(serverPort, serverName, () => {
    clientSocket.write(sentence + '\n');
  });
  // TODO: the reply may arrive in pieces: collect 'data' until '\n' (or 'end').
  clientSocket.once('data', (modifiedSentence) => {
    process.stdout.write(modifiedSentence.toString());
    clientSocket.end();
  });
});
