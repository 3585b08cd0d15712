// TCP upper-case echo client (reference solution), plain Node.js.
//
// Reads one line from the keyboard (stdin), sends it to the server followed
// by a newline, prints the server's one-line reply and exits.
import net from 'node:net';
import dns from 'node:dns/promises';
import readline from 'node:readline';

const SERVER_NAME = 'localhost';
const SERVER_PORT = 12000;

// Reads one line from stdin, then lets go of stdin. An open, flowing stdin
// keeps a Node program alive: without close() and pause() the client would
// wait for more typing after its job is done. At end of input (Ctrl-D)
// before a newline, the line is whatever was typed (maybe '').
function readOneLine() {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, terminal: false });
    let done = false;
    const finish = (line) => {
      if (done) return;
      done = true;
      rl.close();
      process.stdin.pause();
      resolve(line);
    };
    rl.once('line', finish);
    rl.once('close', () => finish(''));
  });
}

// 'localhost' may mean ::1 (IPv6) as well as 127.0.0.1 (IPv4). Try every
// address it resolves to, in order, until one accepts the connection.
async function connectToServer() {
  let addresses;
  try {
    addresses = (await dns.lookup(SERVER_NAME, { all: true })).map((a) => a.address);
  } catch {
    addresses = ['::1', '127.0.0.1'];
  }
  let lastError;
  for (const address of addresses) {
    try {
      return await new Promise((resolve, reject) => {
        const socket = net.connect({ host: address, port: SERVER_PORT });
        socket.once('connect', () => {
          socket.off('error', reject);
          resolve(socket);
        });
        socket.once('error', reject);
      });
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError ?? new Error('no address');
}

// Reads until the reply's newline (or the end of the stream). Like the
// server, one 'data' event may hold only part of the reply.
function readReply(socket) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const onData = (chunk) => {
      chunks.push(chunk);
      if (chunk.includes(0x0a)) done();
    };
    const done = () => {
      socket.off('data', onData);
      socket.off('end', done);
      resolve(Buffer.concat(chunks));
    };
    socket.on('data', onData);
    socket.on('end', done);
    socket.once('error', reject);
  });
}

async function main() {
  const sentence = (await readOneLine()).replace(/\r$/, '');

  let socket;
  try {
    socket = await connectToServer();
  } catch (err) {
    console.log(`could not connect to ${SERVER_NAME}:${SERVER_PORT}: ${err.code ?? err.message}`);
    return 1;
  }

  let reply;
  try {
    socket.write(`${sentence}\n`);
    reply = await readReply(socket);
  } catch (err) {
    console.log(`connection to the server was lost: ${err.code ?? err.message}`);
    return 1;
  } finally {
    socket.on('error', () => {}); // closing: nothing more to report
    socket.destroy();
  }

  if (reply.length === 0) {
    console.log('the server closed the connection without replying');
    return 1;
  }
  let line = reply.subarray(0, reply.includes(0x0a) ? reply.indexOf(0x0a) : reply.length);
  if (line[line.length - 1] === 0x0d) line = line.subarray(0, -1);
  console.log(line.toString('utf8'));
  return 0;
}

// Set the exit code and let Node finish writing and exit on its own (when
// nothing is left to wait for): process.exit() could cut the output short.
process.exitCode = await main();
