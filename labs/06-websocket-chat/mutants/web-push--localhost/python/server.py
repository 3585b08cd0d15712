# Chat server: REST for the history, a WebSocket at /ws for the push (aiohttp).
import json
from datetime import datetime, timezone

from aiohttp import WSMsgType, web

PORT = 4000
history = []  # every element is {"text", "timestamp"}: one shape
clients = set()


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
    """Stores a message and pushes it to every open WebSocket."""
    history.append(message)
    for ws in list(clients):
        try:
            await ws.send_json(message)
        except (ConnectionError, RuntimeError):
            clients.discard(ws)  # it left meanwhile


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
    clients.add(ws)
    try:
        async for frame in ws:
            if frame.type == WSMsgType.TEXT:
                message = to_message(frame.data)
                if message is not None:
                    await publish(message)
    finally:
        clients.discard(ws)
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
