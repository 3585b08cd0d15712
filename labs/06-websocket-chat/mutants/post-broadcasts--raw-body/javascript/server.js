// Mutant (post-broadcasts--raw-body): stores {text, timestamp}, the time set
// when none was given, but pushes the body (or frame) as it came: a message
// sent without a timestamp is pushed without one.
import express from 'express';
import { createServer } from 'node:http';
import { WebSocketServer, WebSocket } from 'ws';

const app = express();
const server = createServer(app);
const wss = new WebSocketServer({ server, path: '/ws' });
const messages = [];

function parse(raw) {
  try {
    const b = JSON.parse(raw);
    return b && typeof b === 'object' && typeof b.text === 'string' ? b : null;
  } catch {
    return null;
  }
}
function store(b) {
  messages.push({ text: b.text, timestamp: typeof b.timestamp === 'string' ? b.timestamp : new Date().toISOString() });
}
function push(raw) {
  for (const c of wss.clients) if (c.readyState === WebSocket.OPEN) c.send(raw);
}

app.use(express.static('public'));
app.get('/messages', (req, res) => res.json(messages));
app.post('/messages', express.text({ type: () => true }), (req, res) => {
  const b = parse(req.body);
  if (!b) return res.status(400).json({ error: 'bad message' });
  store(b);
  push(req.body);
  res.status(201).json(messages.at(-1));
});
wss.on('connection', (ws) => {
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => {
    const raw = data.toString();
    const b = isBinary ? null : parse(raw);
    if (!b) return;
    store(b);
    push(raw);
  });
});
server.listen(4000);
