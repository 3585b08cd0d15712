// The seed's socket.io server, as far as the wire goes: socket.io speaks its
// own protocol (Engine.IO packets such as 42["message",{...}]) at /socket.io/,
// so a plain WebSocket client at /ws finds nothing. (socket.io itself is not
// installed in the playground; this speaks its framing with ws.)
import { createServer } from 'node:http';
import express from 'express';
import { WebSocketServer, WebSocket } from 'ws';

const PORT = 4000;
const history = [];
const app = express();
app.use(express.static('public'));
app.get('/messages', (req, res) => res.json(history));
app.post('/messages', express.json(), (req, res) => {
  if (typeof req.body?.text !== 'string') return res.status(400).end();
  const message = { text: req.body.text, timestamp: req.body.timestamp ?? new Date().toISOString() };
  history.push(message);
  for (const c of io.clients) if (c.readyState === WebSocket.OPEN) c.send(`42${JSON.stringify(['message', message])}`);
  res.status(201).json(message);
});
const server = createServer(app);
const io = new WebSocketServer({ server, path: '/socket.io/' }); // mistake: socket.io's path and framing, not a plain WebSocket at /ws
io.on('connection', (ws) => {
  ws.send('0{"sid":"x","upgrades":[],"pingInterval":25000,"pingTimeout":20000}');
  ws.on('error', () => {});
});
server.listen(PORT);
