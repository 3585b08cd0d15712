# Mutant: a client that leaves is closed but stays in the list, so the next
# broadcast sends to a dead socket, raises, and kills the sender's thread.
import threading
from socket import *

clients = []
lock = threading.Lock()


def broadcast(line):
    with lock:
        for c in clients:
            c.sendall(line)


def handle(conn):
    pending = b''
    while True:
        try:
            chunk = conn.recv(4096)
        except ConnectionResetError:
            break
        if not chunk:
            break
        pending += chunk
        *lines, pending = pending.split(b'\n')
        for line in lines:
            broadcast(line + b'\n')
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
