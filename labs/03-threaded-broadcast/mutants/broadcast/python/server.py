# Mutant: a thread per client, but each line only goes back to its sender
# (the tcp-echo habit), never to the other clients.
import threading
from socket import *


def handle(conn):
    pending = b''
    try:
        while True:
            chunk = conn.recv(4096)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b'\n')
            for line in lines:
                conn.sendall(line + b'\n')
    except OSError:
        pass
    finally:
        conn.close()


server_socket = socket(AF_INET, SOCK_STREAM)
server_socket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
server_socket.bind(('', 2000))
server_socket.listen(16)
print('The server is ready on port 2000', flush=True)
while True:
    conn, addr = server_socket.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
