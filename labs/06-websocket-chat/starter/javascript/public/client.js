// The chat page: the history by REST, then every new message pushed over /ws.
// Use relative URLs and location.host (never localhost:4000): the page also
// runs behind the playground's preview.
const list = document.getElementById('messages');
const form = document.getElementById('form');
const input = document.getElementById('text');

function show(message) {
  const item = document.createElement('li');
  item.textContent = message.text;
  list.append(item);
}

async function start() {
  // TODO: fetch('messages') and show each message of the history
  // TODO: open a WebSocket to `ws://${location.host}/ws` and show each message it pushes
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  // TODO: POST {text} as JSON to 'messages' (or send it over the WebSocket), then clear the input
});

start();
