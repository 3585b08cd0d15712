# Mutant (post-validation--fastapi-422): FastAPI with a pydantic model for the
# body. FastAPI refuses a body that does not fit the model by itself, with 422
# instead of 400, and pydantic's str field turns the number 42 into "42".
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import uvicorn
from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse
from pydantic import BaseModel

HERE = Path(__file__).parent
app = FastAPI()
history = []
sockets = set()


class Message(BaseModel):
    text: str
    timestamp: Optional[str] = None


async def publish(m):
    history.append(m)
    for ws in list(sockets):
        try:
            await ws.send_json(m)
        except Exception:
            sockets.discard(ws)


@app.get('/')
async def index():
    return FileResponse(HERE / 'public' / 'index.html')


@app.get('/client.js')
async def client_js():
    return FileResponse(HERE / 'public' / 'client.js', media_type='text/javascript')


@app.get('/messages')
async def get_messages():
    return history


@app.post('/messages', status_code=201)
async def post_message(m: Message):
    stored = {'text': m.text, 'timestamp': m.timestamp or datetime.now(timezone.utc).isoformat()}
    await publish(stored)
    return stored


@app.websocket('/ws')
async def ws_endpoint(ws: WebSocket):
    await ws.accept()
    sockets.add(ws)
    try:
        while True:
            try:
                m = Message.parse_raw(await ws.receive_text())
            except Exception as e:
                if isinstance(e, WebSocketDisconnect):
                    raise
                continue
            await publish({'text': m.text, 'timestamp': m.timestamp or datetime.now(timezone.utc).isoformat()})
    except WebSocketDisconnect:
        pass
    finally:
        sockets.discard(ws)




if __name__ == '__main__':
    uvicorn.run(app, host='0.0.0.0', port=4000, log_level='warning')
