# Mutant: no lock. Each thread walks the shared list and writes a line in
# two pieces (the text, then the newline); under load two threads write to
# the same client at the same time and their pieces interleave.
import threading
from socket import *

clients = []


def broadcast(line):
    for c in list(clients):
        try:
            c.sendall(line)
            c.sendall(b'\n')
        except OSError:
            pass


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
                broadcast(line)
    except OSError:
        pass
    finally:
        clients.remove(conn)
        conn.close()


server_socket = socket(AF_INET, SOCK_STREAM)
server_socket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
server_socket.bind(('', 2000))
server_socket.listen(16)
print('The server is ready on port 2000', flush=True)
while True:
    conn, addr = server_socket.accept()
    clients.append(conn)
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
