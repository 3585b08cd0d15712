# Mutant (one-thread): a correct chat, but served the lab-3 way, with a
# thread per client instead of one thread (asyncio).
import socket, threading

lock = threading.Lock()
named = {}   # conn -> nick

def broadcast(text):
    data = (text + '\n').encode()
    with lock:
        for c in list(named):
            try:
                c.sendall(data)
            except OSError:
                pass

def serve(c):
    nick = None
    f = c.makefile('rb')
    try:
        for raw in f:
            if not raw.endswith(b'\n'):
                break
            line = raw[:-1].decode('utf-8', 'replace').removesuffix('\r')
            if nick is None:
                if line.strip():
                    nick = line.strip()
                    with lock:
                        named[c] = nick
                    broadcast(f'* {nick} joined the chat')
            elif line:
                broadcast(f'[{nick}] {line}')
    except OSError:
        pass
    finally:
        with lock:
            was = named.pop(c, None) is not None
        c.close()
        if was:
            broadcast(f'* {nick} left the chat')

s = socket.create_server(('', 8000), reuse_port=False)
print('chat on 8000', flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
