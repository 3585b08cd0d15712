# Chat server: REST for the history, a WebSocket at /ws for the push (aiohttp).
# aiohttp, fastapi, uvicorn and websockets are installed in this playground.
from aiohttp import WSMsgType, web

PORT = 4000
history = []  # every element must be {"text", "timestamp"}
clients = set()


async def get_messages(request):
    # TODO: answer the history as JSON (web.json_response)
    return web.Response(status=501, text="not done yet")


async def post_message(request):
    # TODO: read the body, check it (400 when it is not a JSON object with a
    # string "text"), store {text, timestamp}, push it to every WebSocket
    # client, answer 201.
    return web.Response(status=501, text="not done yet")


async def websocket(request):
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    # TODO: remember ws; a text frame holding a valid message is stored and
    # pushed like a POST; anything else is ignored; forget ws when it closes.
    async for frame in ws:
        pass
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
