# Mutant: the WebSocket handler parses each frame with json.loads and no
# try, and removes its client only after its loop. A frame that is not JSON
# raises in the handler: the server lives on, but that client's closed
# socket stays in the list, first in line, and the next broadcast fails on
# it before it reaches anyone else. A student's usual first handler.
# Chat server: REST for the history, a WebSocket at /ws for the push (aiohttp).
import json
from datetime import datetime, timezone

from aiohttp import WSMsgType, web

PORT = 4000
history = []  # every element is {"text", "timestamp"}: one shape
clients = []


def to_message(raw):
    """A valid message from JSON text or bytes, or None."""
    try:
        data = json.loads(raw)
    except ValueError:  # not JSON, or not UTF-8
        return None
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        return None
    timestamp = data.get("timestamp")
    if not isinstance(timestamp, str):
        timestamp = datetime.now(timezone.utc).isoformat()
    return {"text": data["text"], "timestamp": timestamp}


async def publish(message):
    """Stores a message and pushes it to every WebSocket in the list."""
    history.append(message)
    for ws in clients:
        await ws.send_json(message)


async def get_messages(request):
    return web.json_response(history)


async def post_message(request):
    message = to_message(await request.read())
    if message is None:
        return web.json_response({"error": 'send a JSON object whose "text" is a string'}, status=400)
    await publish(message)
    return web.json_response(message, status=201)


async def websocket(request):
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    clients.append(ws)
    async for frame in ws:
        if frame.type == WSMsgType.TEXT:
            data = json.loads(frame.data)  # a frame that is not JSON raises here, and ends this handler
            await publish({"text": data["text"], "timestamp": data.get("timestamp") or datetime.now(timezone.utc).isoformat()})
    clients.remove(ws)  # never reached after an error: the closed socket stays in the list
    return ws


async def index(request):
    return web.FileResponse("public/index.html")


app = web.Application()
app.add_routes([
    web.get("/", index),
    web.get("/messages", get_messages),
    web.post("/messages", post_message),
    web.get("/ws", websocket),
    web.static("/", "public"),
])

if __name__ == "__main__":
    web.run_app(app, port=PORT)
