// UDP upper-case echo server: starter.
//
// This runs, but it does not do the job yet. Fix the TODO so that, for
// every datagram, the server sends back ONE datagram holding the same text
// IN UPPER CASE, to the address that datagram came from, for ever.
import dgram from 'node:dgram';

const serverPort = 12000;
const serverSocket = dgram.createSocket('udp4');

// One 'message' event is one whole datagram; rinfo holds the sender's
// address and port.
serverSocket.on('message', (message, rinfo) => {
  const text = message.toString('utf8');
  // TODO: reply in upper case (toUpperCase()).
  const modifiedMessage = text;
  serverSocket.send(modifiedMessage, rinfo.port, rinfo.address);
});

serverSocket.bind(serverPort, () => {
  console.log('The server is ready to receive');
});
