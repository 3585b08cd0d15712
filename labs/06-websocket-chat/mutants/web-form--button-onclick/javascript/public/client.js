const list = document.getElementById('list');
const msg = document.getElementById('msg');
const show = (m) => { const li = document.createElement('li'); li.textContent = m.text; list.append(li); };
fetch('messages').then((r) => r.json()).then((all) => all.forEach(show));
const ws = new WebSocket(`ws://${location.host}/ws`);
ws.onmessage = (e) => show(JSON.parse(e.data));
function send() {
  fetch('messages', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: msg.value }) });
  msg.value = '';
}
