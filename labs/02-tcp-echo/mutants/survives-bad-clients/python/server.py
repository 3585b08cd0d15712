# MUTANT (must fail "survives-bad-clients"): frames lines correctly and
# handles the end of stream, but catches nothing: a client that resets the
# connection makes recv() raise ConnectionResetError, and the traceback ends
# the whole server.
from socket import *

SERVER_PORT = 12000


def read_line(conn):
    data = bytearray()
    while b'\n' not in data:
        chunk = conn.recv(4096)      # raises ConnectionResetError on a reset
        if not chunk:
            break
        data += chunk
    return bytes(data).split(b'\n', 1)[0].rstrip(b'\r')


server_socket = socket(AF_INET, SOCK_STREAM)
server_socket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
server_socket.bind(('', SERVER_PORT))
server_socket.listen(5)
print('The server is ready to receive', flush=True)
while True:
    connection_socket, addr = server_socket.accept()
    line = read_line(connection_socket)      # the mistake: no try/except OSError
    if line:
        text = line.decode('utf-8', errors='replace')
        connection_socket.sendall((text.upper() + '\n').encode('utf-8'))
    connection_socket.close()
