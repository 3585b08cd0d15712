# Mutant: the seed's loop. recv() returns b'' once the client has closed
# its side, and again at once on every later call; this loop never stops
# calling it, so the thread spins a core for ever.
import threading
from socket import *

clients = []
lock = threading.Lock()


def handle(conn):
    pending = b''
    try:
        while True:
            chunk = conn.recv(4096)
            if chunk:
                pending += chunk
                *lines, pending = pending.split(b'\n')
                for line in lines:
                    with lock:
                        for c in clients:
                            try:
                                c.sendall(line + b'\n')
                            except OSError:
                                pass
    except OSError:
        with lock:
            clients.remove(conn)
        conn.close()


server_socket = socket(AF_INET, SOCK_STREAM)
server_socket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
server_socket.bind(('', 2000))
server_socket.listen(16)
print('The server is ready on port 2000', flush=True)
while True:
    conn, addr = server_socket.accept()
    with lock:
        clients.append(conn)
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
