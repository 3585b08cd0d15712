// The trusted agent: a Node process that the runner starts inside a
// session's network namespace (and nothing else of the sandbox). It opens
// the sockets the grader asks for and hands them to the runner over Node's
// IPC channel, so the runner holds real sockets inside the namespace while
// the student's code never gets a way out. Plain JS: it starts without a
// TypeScript loader. It exits when the runner goes away (IPC disconnect).
import net from 'node:net';
import dgram from 'node:dgram';

process.on('disconnect', () => process.exit(0));

process.on('message', (msg) => {
  if (!msg || typeof msg !== 'object' || typeof msg.id !== 'number') return;
  if (msg.op === 'tcp') {
    const socket = net.connect({ host: msg.host, port: msg.port });
    const timer = setTimeout(() => {
      socket.destroy();
      process.send({ id: msg.id, ok: false, code: 'ETIMEDOUT', message: `no answer from ${msg.host}:${msg.port}` });
    }, msg.timeoutMs ?? 5000);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.pause();
      process.send({ id: msg.id, ok: true }, socket, () => socket.destroy());
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      process.send({ id: msg.id, ok: false, code: err.code ?? 'EIO', message: err.message });
    });
  } else if (msg.op === 'udp') {
    // port 0: an ephemeral client socket on loopback; a fixed port: a
    // dual-stack server socket that hears 127.0.0.1 and ::1 alike.
    const server = msg.port > 0;
    const socket = dgram.createSocket({ type: server || msg.type === 'udp6' ? 'udp6' : 'udp4', ipv6Only: false });
    socket.once('error', (err) => process.send({ id: msg.id, ok: false, code: err.code ?? 'EIO', message: err.message }));
    socket.bind(msg.port ?? 0, server ? '::' : msg.type === 'udp6' ? '::1' : '127.0.0.1', () => {
      process.send({ id: msg.id, ok: true }, socket, () => socket.close());
    });
  } else if (msg.op === 'listen') {
    // Dual-stack, so a client that resolves localhost to ::1 or 127.0.0.1 both arrive.
    const server = net.createServer();
    server.once('error', (err) => process.send({ id: msg.id, ok: false, code: err.code ?? 'EIO', message: err.message }));
    server.listen({ port: msg.port, host: '::', ipv6Only: false }, () => {
      process.send({ id: msg.id, ok: true }, server, () => server.close());
    });
  }
});
process.send({ ready: true });
