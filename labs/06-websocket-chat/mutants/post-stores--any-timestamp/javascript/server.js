// Mutant (post-stores--any-timestamp): the body's timestamp is kept whatever it
// is (a number, an object), not only when it is a string.
import { createServer } from 'node:http';
import express from 'express';
import { WebSocketServer, WebSocket } from 'ws';

const PORT = 4000;
const history = []; // every element is {text, timestamp}: one shape

const app = express();
app.use(express.static('public')); // GET / -> public/index.html

app.get('/messages', (req, res) => {
  res.json(history);
});

// The body is read as text and checked here, so a bad one gets 400, not a stack trace.
app.post('/messages', express.text({ type: () => true, limit: '64kb' }), (req, res) => {
  const message = toMessage(req.body);
  if (!message) {
    res.status(400).json({ error: 'send a JSON object whose "text" is a string' });
    return;
  }
  publish(message);
  res.status(201).json(message);
});

const server = createServer(app);
const wss = new WebSocketServer({ server, path: '/ws' });

wss.on('connection', (ws) => {
  ws.on('error', () => {}); // a reset ends this client only
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const message = toMessage(data.toString());
    if (message) publish(message); // anything else is ignored
  });
});

/** A valid message from a JSON text, or null. */
function toMessage(body) {
  let data;
  try {
    data = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null || typeof data.text !== 'string') return null;
  const timestamp = data.timestamp ?? new Date().toISOString(); // a number or an object is kept too
  return { text: data.text, timestamp };
}

/** Stores a message and pushes it to every open WebSocket. */
function publish(message) {
  history.push(message);
  const frame = JSON.stringify(message);
  for (const client of wss.clients) {
    if (client.readyState === WebSocket.OPEN) client.send(frame);
  }
}

server.listen(PORT, () => console.log(`chat server on http://localhost:${PORT}`));
