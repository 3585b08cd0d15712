# Mutant (unchanged--utf8-pieces): decodes each recv() chunk as UTF-8 on its
# own (errors replaced) before it looks for the newline: a chunk that ends
# inside a character garbles that character.
import socket, threading

clients = []
lock = threading.Lock()

def serve(c):
    pending = ''
    try:
        while True:
            data = c.recv(1024)
            if not data:
                break
            pending += data.decode('utf-8', errors='replace')
            while '\n' in pending:
                line, pending = pending.split('\n', 1)
                out = (line + '\n').encode('utf-8')
                with lock:
                    for o in clients:
                        try:
                            o.sendall(out)
                        except OSError:
                            pass
    except OSError:
        pass
    finally:
        with lock:
            clients.remove(c)
        c.close()

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('', 2000))
s.listen()
while True:
    c, _ = s.accept()
    with lock:
        clients.append(c)
    threading.Thread(target=serve, args=(c,), daemon=True).start()
