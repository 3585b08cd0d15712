# Mutant: serves one client at a time. The accept loop calls handle()
# itself instead of starting a thread, so while one client is connected
# nobody accepts (or reads) the next one.
from socket import *

clients = []


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
                for c in clients:
                    c.sendall(line + b'\n')
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
    handle(conn)
