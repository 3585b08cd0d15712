// Chat server: REST for the history, a WebSocket at /ws for the push.
// express and ws are installed in this playground (as after `npm install express ws`).
import { createServer } from 'node:http';
import express from 'express';
import { WebSocketServer, WebSocket } from 'ws';

const PORT = 4000;
const history = []; // every element must be {text, timestamp}

const app = express();
app.use(express.static('public')); // GET / -> public/index.html

app.get('/messages', (req, res) => {
  // TODO: answer the history as JSON
  res.status(501).send('not done yet');
});

// TODO: app.post('/messages', ...): read the body, check it (400 when it is not
// a JSON object with a string "text"), store {text, timestamp}, push it to every
// WebSocket client, answer 201.

const server = createServer(app);
const wss = new WebSocketServer({ server, path: '/ws' });

wss.on('connection', (ws) => {
  ws.on('error', () => {});
  // TODO: a text frame holding a valid message is stored and pushed like a POST;
  // anything else is ignored.
});

server.listen(PORT, () => console.log(`chat server on http://localhost:${PORT}`));
