// Mutant (web-push--hostname-port): the WebSocket goes to location.hostname
// with the server's port, 4000, named: that works on the student's own
// machine, but behind the playground's preview (and a course's public host)
// the page is not served at that port, and the WebSocket reaches nothing.
const list = document.getElementById('messages');
const form = document.getElementById('form');
const input = document.getElementById('text');

function show(message) {
  const item = document.createElement('li');
  const time = document.createElement('time');
  time.textContent = new Date(message.timestamp).toLocaleTimeString();
  item.append(time, message.text); // text, never HTML: a message is not code
  list.append(item);
}

async function start() {
  const res = await fetch('messages'); // relative: works behind the preview too
  for (const message of await res.json()) show(message);
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(`${scheme}://${location.hostname}:4000/ws`); // the server's port, named
  ws.onmessage = (event) => show(JSON.parse(event.data));
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = input.value;
  input.value = '';
  await fetch('messages', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ text }),
  });
});

start();
